import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { AwsClients } from '../../src/adapters/clients.js';
import { IdentityGraph } from '../../src/adapters/dynamodb/identity-graph.js';
import { kinesisBatchHandler } from '../../src/adapters/kinesis/stream-batch.js';
import { S3LakeWriter } from '../../src/adapters/s3/lake-writer.js';
import { createAttributionConsumer } from '../../src/app/attribution-consumer.js';
import { createSettingsProvider } from '../../src/app/settings.js';
import { signLocalToken } from '../../src/auth/jwt.js';
import type { Role } from '../../src/auth/permissions.js';
import { ALL_API_ADAPTERS, createApiServices } from '../../src/composition/api.js';
import { loadRuntimeConfig, RUNTIME_ENV, type RuntimeConfig } from '../../src/config/runtime.js';
import { AttributionEngine } from '../../src/domain/engine.js';
import { createHttpApp } from '../../src/http/app.js';
import type { HttpRequest, HttpResponse } from '../../src/http/request.js';
import type { ApiServices } from '../../src/http/services.js';
import { createLocalResources, type LocalResources, localClients } from './local.js';

export const JWT_SECRET = 'test-secret-test-secret-test-secret';

export interface TestApi {
  readonly resources: LocalResources;
  /** The runtime config the API was wired from. */
  readonly config: RuntimeConfig;
  readonly clients: AwsClients;
  readonly services: ApiServices;
  call(request: Partial<HttpRequest> & { method: string; path: string }): Promise<HttpResponse>;
  token(role: Role, tenant: string): Promise<string>;
  /** Onboards a tenant and an app through the API; returns the app's API key. */
  onboard(tenantId: string, appId: string, extra?: Record<string, unknown>): Promise<string>;
}

/** The API over fresh local resources; `env` adds runtime settings (e.g. platform default settings). */
export async function createTestApi(
  overrides: Partial<ApiServices> = {},
  env: Readonly<Record<string, string>> = {},
): Promise<TestApi> {
  const clients = localClients();
  const resources = await createLocalResources(clients);
  const config = loadRuntimeConfig({ ...resources.env, [RUNTIME_ENV.jwtSecret]: JWT_SECRET, ...env });
  const services = { ...createApiServices(config, clients, { adapters: ALL_API_ADAPTERS }), ...overrides };
  const app = createHttpApp(services);
  const call: TestApi['call'] = (request) =>
    app({ headers: {}, query: {}, sourceIp: '198.51.100.4', ...request });
  const token = (role: Role, tenant: string) =>
    signLocalToken(JWT_SECRET, { sub: `${role}@${tenant}`, role, tenant });
  const ownerToken = await token('owner', '*');
  return {
    resources,
    config,
    clients,
    services,
    call,
    token,
    async onboard(tenantId, appId, extra = {}) {
      await call({
        method: 'POST',
        path: '/v1/tenants',
        headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenant_id: tenantId, name: tenantId }),
      });
      const created = await call({
        method: 'POST',
        path: `/v1/tenants/${tenantId}/apps`,
        headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          app_id: appId,
          store_urls: {
            android: `https://play.google.com/store/apps/details?id=${appId}`,
            ios: 'https://apps.apple.com/app/id123456789',
          },
          allowed_redirect_hosts: ['landing.example.com'],
          ...extra,
        }),
      });
      if (created.statusCode !== 201) throw new Error(`onboarding failed: ${created.body}`);
      return JSON.parse(created.body ?? '{}').api_key as string;
    },
  };
}

/** Every record on a stream so far, as the Kinesis event source would hand them to the consumer. */
/** The attribution consumer over the test API's graph, registry settings and lake bucket. */
export function attributionConsumerFor(api: TestApi) {
  const graph = new IdentityGraph({
    documents: api.clients.documents,
    tableName: api.resources.identityGraphTable,
  });
  return kinesisBatchHandler(
    createAttributionConsumer({
      engine: new AttributionEngine(graph, {
        settingsFor: createSettingsProvider(api.services.registry as never),
      }),
      lake: new S3LakeWriter({ client: api.clients.s3, bucket: api.resources.bucket }),
    }),
  );
}

export async function readStream(client: KinesisClient, stream: string): Promise<KinesisStreamRecord[]> {
  const { Shards } = await client.send(new ListShardsCommand({ StreamName: stream }));
  // Shards are merged into one batch in arrival order, as the records were put: a test's click put
  // before its install on another shard must also be decided before it.
  const out: { record: KinesisStreamRecord; arrivedAtMs: number }[] = [];
  for (const shard of Shards ?? []) {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = ShardIterator;
    for (let i = 0; iterator && i < 20; i++) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) {
        out.push({
          record: kinesisRecord(
            Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
            r.SequenceNumber ?? '',
            shard.ShardId ?? 'shard',
          ),
          arrivedAtMs: r.ApproximateArrivalTimestamp?.getTime() ?? 0,
        });
      }
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out.sort((a, b) => a.arrivedAtMs - b.arrivedAtMs).map((entry) => entry.record);
}

export function kinesisRecord(
  base64: string,
  sequenceNumber: string,
  shardId = 'shardId-000000000000',
): KinesisStreamRecord {
  return {
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    eventSource: 'aws:kinesis',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/test',
    eventVersion: '1.0',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
    awsRegion: 'us-east-1',
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: 'pk',
      sequenceNumber,
      data: base64,
      approximateArrivalTimestamp: 0,
    },
  };
}

export function kinesisEvent(records: KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: records };
}

export const jsonHeaders = (extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  ...extra,
});
