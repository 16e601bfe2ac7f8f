import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTenantHomes } from '../../src/adapters/dynamodb/tenant-homes.js';
import { encodeRecord } from '../../src/adapters/kinesis/publisher.js';
import { TenantHomeMoveError } from '../../src/app/errors.js';
import type { RecordForwarder } from '../../src/app/home-region.js';
import { createConsumerLambda } from '../../src/composition/consumer.js';
import { loadRuntimeConfig } from '../../src/config/runtime.js';
import { ENV } from '../../src/definitions/environment.js';
import type { PipelineRecord } from '../../src/domain/records.js';
import { kinesisEvent, kinesisRecord } from '../support/api.js';
import { eventRecord } from '../support/factories.js';
import { createLocalResources, type LocalResources, localClients } from '../support/local.js';

const context = { functionName: 'consumer', awsRequestId: 'req-1' } as unknown as Context;

/** Records what it forwarded, per region. */
class RecordingForwarder implements RecordForwarder {
  readonly forwarded: { region: string; records: readonly PipelineRecord[] }[] = [];
  async forward(region: string, records: readonly PipelineRecord[]) {
    this.forwarded.push({ region, records });
  }
}

const asKinesis = (record: PipelineRecord, sequence: string) =>
  kinesisRecord(Buffer.from(encodeRecord(record), 'utf8').toString('base64'), sequence);

describe('the consumer Lambda and the tenant home region', () => {
  const clients = localClients();
  let resources: LocalResources;
  let homes: DynamoTenantHomes;

  beforeAll(async () => {
    resources = await createLocalResources(clients);
    homes = new DynamoTenantHomes({
      documents: clients.documents,
      tableName: resources.tenantRegistryTable,
      defaultRegion: 'us-east-1',
      cacheTtlSeconds: 0,
    });
  });

  it("forwards a tenant's records to the platform home region when it runs in another region", async () => {
    // Prepare
    const forwarder = new RecordingForwarder();
    const config = loadRuntimeConfig({
      ...resources.env,
      [ENV.region]: 'eu-west-1',
      [ENV.homeRegion]: 'us-east-1',
    });
    const consumer = createConsumerLambda({ config, clients, forwarder });
    const record = eventRecord({ tenantId: 'acme', eventId: 'evt-forwarded' });

    // Act
    const response = await consumer(kinesisEvent([asKinesis(record, '1')]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(forwarder.forwarded).toEqual([{ region: 'us-east-1', records: [record] }]);
  });

  it('writes locally in the home region and forwards nothing', async () => {
    // Prepare
    const forwarder = new RecordingForwarder();
    const config = loadRuntimeConfig({
      ...resources.env,
      [ENV.region]: 'us-east-1',
      [ENV.homeRegion]: 'us-east-1',
    });
    const consumer = createConsumerLambda({ config, clients, forwarder });

    // Act
    const response = await consumer(
      kinesisEvent([asKinesis(eventRecord({ tenantId: 'acme', eventId: 'evt-local' }), '2')]),
      context,
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(forwarder.forwarded).toEqual([]);
  });

  it("follows a tenant's home moved in the registry, and holds its records back during the grace period", async () => {
    // Prepare: the tenant exists in the registry; its home moves to eu-west-1 with a 10-minute grace.
    await clients.documents.send(
      new PutCommand({
        TableName: resources.tenantRegistryTable,
        Item: { pk: 'TENANT#movers', sk: 'TENANT', type: 'tenant', tenantId: 'movers', name: 'movers' },
      }),
    );
    await homes.moveHome('movers', 'eu-west-1', { graceSeconds: 600, from: 'us-east-1' });
    const forwarder = new RecordingForwarder();
    const inUs = createConsumerLambda({
      config: loadRuntimeConfig({
        ...resources.env,
        [ENV.region]: 'us-east-1',
        [ENV.homeRegion]: 'us-east-1',
      }),
      clients,
      forwarder,
    });
    const inEu = createConsumerLambda({
      config: loadRuntimeConfig({
        ...resources.env,
        [ENV.region]: 'eu-west-1',
        [ENV.homeRegion]: 'us-east-1',
      }),
      clients,
      forwarder,
    });
    const record = eventRecord({ tenantId: 'movers', eventId: 'evt-moving' });

    // Act
    const fromUs = await inUs(kinesisEvent([asKinesis(record, '3')]), context);
    const inGrace = await inEu(kinesisEvent([asKinesis(record, '4')]), context);

    // Assess: the old home forwards to the new one; the new one waits (retries) until its grace ends.
    expect(fromUs).toEqual({ batchItemFailures: [] });
    expect(forwarder.forwarded).toEqual([{ region: 'eu-west-1', records: [record] }]);
    expect(inGrace).toEqual({ batchItemFailures: [{ itemIdentifier: '4' }] });
  });

  it('refuses to move a home from a region that is not the current one', async () => {
    await expect(
      homes.moveHome('movers', 'ap-southeast-2', { graceSeconds: 60, from: 'us-east-1' }),
    ).rejects.toThrow(TenantHomeMoveError);
    await expect(homes.moveHome('nobody', 'eu-west-1', { graceSeconds: 60 })).rejects.toThrow(
      'unknown tenant "nobody"',
    );
  });
});
