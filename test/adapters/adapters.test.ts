import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTableInput } from '../../src/adapters/dynamodb/create-tables.js';
import { TenantRegistry } from '../../src/adapters/dynamodb/tenant-registry.js';
import { KinesisPublisher, partitionKeyOf } from '../../src/adapters/kinesis/publisher.js';
import { S3LakeWriter } from '../../src/adapters/s3/lake-writer.js';
import { AlreadyExistsError, MissingResourceError } from '../../src/app/errors.js';
import { rawRow } from '../../src/app/lake-rows.js';
import { hashApiKey } from '../../src/auth/api-keys.js';
import { IDENTITY_GRAPH_TABLE } from '../../src/definitions/tables.js';
import { readStream } from '../support/api.js';
import { adid, clickRecord, eventRecord } from '../support/factories.js';
import { createLocalResources, type LocalResources, localClients } from '../support/local.js';

describe('adapters against local services', () => {
  const clients = localClients();
  let resources: LocalResources;

  beforeAll(async () => {
    resources = await createLocalResources(clients);
  });

  describe('createTableInput', () => {
    it('builds the key schema, GSI and on-demand billing of the shared definition', () => {
      const input = createTableInput(IDENTITY_GRAPH_TABLE, 'graph');
      expect(input.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(input.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('gsi1');
      expect(input.BillingMode).toBe('PAY_PER_REQUEST');
    });
  });

  describe('tenant registry', () => {
    it('creates tenants and apps once, and resolves an API key only by its hash', async () => {
      const registry = new TenantRegistry({
        documents: clients.documents,
        tableName: resources.tenantRegistryTable,
      });
      await registry.createTenant('acme', 'Acme');
      await expect(registry.createTenant('acme', 'Acme')).rejects.toBeInstanceOf(AlreadyExistsError);
      const app = {
        tenantId: 'acme',
        appId: 'com.acme.x',
        name: 'X',
        storeUrls: {},
        allowedRedirectHosts: [],
        settings: {},
      };
      await expect(
        registry.createApp({ ...app, tenantId: 'nobody' }, hashApiKey('k0')),
      ).rejects.toBeInstanceOf(MissingResourceError);
      await registry.createApp(app, hashApiKey('ugp_key-one-000000000000'));
      await expect(registry.createApp(app, hashApiKey('k2'))).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await registry.resolveApiKeyHash(hashApiKey('ugp_key-one-000000000000'))).toEqual({
        kind: 'app',
        tenantId: 'acme',
        appId: 'com.acme.x',
      });
      expect(await registry.resolveApiKeyHash(hashApiKey('ugp_other'))).toBeUndefined();
      expect(await registry.getTenantApp('globex', 'com.acme.x')).toBeUndefined();
      expect(await registry.updateApp('globex', 'com.acme.x', { name: 'stolen' })).toBeUndefined();
      const updated = await registry.updateApp('acme', 'com.acme.x', {
        settings: { clickLookbackHours: 48 },
      });
      expect(updated?.settings).toEqual({ clickLookbackHours: 48 });
    });
  });

  describe('Kinesis publisher', () => {
    it("keeps one device's records on one partition key", () => {
      const id = adid();
      expect(partitionKeyOf(clickRecord({ advertisingId: id.toUpperCase() }))).toBe(
        partitionKeyOf(eventRecord({ advertisingId: id })),
      );
    });

    it('retries only the records a partial failure returned', async () => {
      let calls = 0;
      const sizes: number[] = [];
      clients.kinesis.middlewareStack.add(
        (next, context) => async (args) => {
          const input = (args as { input: { Records?: unknown[]; StreamName?: string } }).input;
          if (context.commandName !== 'PutRecordsCommand' || input.StreamName !== resources.stream)
            return next(args);
          calls++;
          sizes.push(input.Records?.length ?? 0);
          const result = await next(args);
          if (calls === 1) {
            // Pretend the first two records were throttled (the real put of all three happened: the
            // retry re-puts the two, as Kinesis would after a real partial failure).
            const output = (result as { output: { FailedRecordCount?: number; Records?: object[] } }).output;
            output.FailedRecordCount = 2;
            output.Records = [
              { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' },
              { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
              ...(output.Records ?? []).slice(2),
            ];
          }
          return result;
        },
        { step: 'initialize', name: 'partialFailure' },
      );
      const publisher = new KinesisPublisher({
        client: clients.kinesis,
        streamFor: () => resources.stream,
        baseDelayMs: 1,
      });
      await publisher.publish([eventRecord(), eventRecord(), eventRecord()]);
      clients.kinesis.middlewareStack.remove('partialFailure');
      expect(sizes).toEqual([3, 2]);
      expect((await readStream(clients.kinesis, resources.stream)).length).toBe(5);
      void PutRecordsCommand;
    });
  });

  describe('S3 lake writer', () => {
    it('writes one JSON-lines object per partition at the lake layout', async () => {
      const lake = new S3LakeWriter({ client: clients.s3, bucket: resources.bucket });
      const rows = [rawRow(eventRecord()), rawRow(eventRecord()), rawRow(clickRecord())];
      expect(await lake.write('shard-1', rows)).toEqual({ objects: 2, records: 3 });
      const object = await clients.s3.send(
        new GetObjectCommand({
          Bucket: resources.bucket,
          Key: 'events/tenant_id=acme/app_id=com.acme.game/dt=2026-11-20/shard-1.json',
        }),
      );
      const lines = (await object.Body?.transformToString())?.trim().split('\n') ?? [];
      expect(lines).toHaveLength(2);
      expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ record_type: 'event', type: 'install' });
    });
  });
});
