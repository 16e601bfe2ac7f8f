import { randomUUID } from 'node:crypto';
import { LakeReplayHistory } from '../adapters/athena/replay-history.js';
import { AthenaQueryRunner, type LakeQueryRunner } from '../adapters/athena/report-query.js';
import type { AwsClients } from '../adapters/clients.js';
import { IdentityGraph } from '../adapters/dynamodb/identity-graph.js';
import { TenantRegistry } from '../adapters/dynamodb/tenant-registry.js';
import { DynamoUsageCounters } from '../adapters/dynamodb/usage-counters.js';
import { KinesisPublisher } from '../adapters/kinesis/publisher.js';
import { S3TombstoneWriter, type TombstoneSink } from '../adapters/s3/tombstones.js';
import type { PostbackApiServices } from '../app/postbacks/ports.js';
import { tokenVerifierFor } from '../auth/runtime-verifier.js';
import { loadPostbackConfig, postbackApiServices } from '../composition/postbacks.js';
import type { RuntimeConfig } from '../config/runtime.js';
import type { RequestLogger } from './router.js';
import type { ApiServices, ReplayHistorySource } from './services.js';

/** Our ids (touchpoints, requests): a UUID without dashes, short enough for a referrer. */
export const newId = (): string => randomUUID().replaceAll('-', '');

/** Identity graph per table: silo tenants have their own table. */
export function graphResolver(
  config: RuntimeConfig,
  clients: Pick<AwsClients, 'documents'>,
): (tenantId: string) => IdentityGraph {
  const graphs = new Map<string, IdentityGraph>();
  return (tenantId) => {
    const tableName = config.tenantTables[tenantId] ?? config.identityGraphTable;
    let graph = graphs.get(tableName);
    if (!graph) {
      graph = new IdentityGraph({ documents: clients.documents, tableName });
      graphs.set(tableName, graph);
    }
    return graph;
  };
}

/** The clients the API routes use: Athena and API Gateway only in the functions that need them. */
export type ApiClients = Pick<AwsClients, 'documents' | 'kinesis'> &
  Partial<Pick<AwsClients, 'athena' | 's3'>>;

/**
 * Adapters only some API functions need. Each Lambda entry point passes its own (`lambdas/`), so the
 * other functions' bundles leave out those adapters and their SDK clients.
 */
export interface OptionalApiAdapters {
  /** @default none: every report range reads the counters */
  readonly lakeQueries?: (config: RuntimeConfig, clients: ApiClients) => LakeQueryRunner | undefined;
  /** @default none: replay answers 503 */
  readonly replayHistory?: (config: RuntimeConfig, clients: ApiClients) => ReplayHistorySource | undefined;
  /** @default a sink that refuses: only the function serving the privacy routes writes tombstones */
  readonly tombstones?: (config: RuntimeConfig, clients: ApiClients) => TombstoneSink;
  /** @default none: the postback routes answer 503 (only the admin function serves them) */
  readonly postbacks?: (config: RuntimeConfig, clients: ApiClients) => PostbackApiServices | undefined;
}

/** Postback destinations and deliveries in the registry table, the queue from the environment. */
export function postbackServices(
  config: RuntimeConfig,
  clients: ApiClients,
): PostbackApiServices | undefined {
  return postbackApiServices(loadPostbackConfig(config), clients);
}

/** The tombstone sink of functions without the privacy routes: never called, refuses if it were. */
const noTombstones: TombstoneSink = {
  write: () => Promise.reject(new Error('erasure tombstones are written by the admin function only')),
};

/** Erasure tombstones go to the lake bucket (needs the S3 client). */
export function s3Tombstones(config: RuntimeConfig, clients: ApiClients): TombstoneSink {
  if (!clients.s3) throw new Error('the S3 client is needed for erasure tombstones');
  return new S3TombstoneWriter({ client: clients.s3, bucket: config.lakeBucket });
}

/**
 * Athena serves old report ranges in the cloud (no endpoint overrides) or when an Athena endpoint is
 * configured.
 */
export function athenaLakeQueries(config: RuntimeConfig, clients: ApiClients): LakeQueryRunner | undefined {
  const local = config.endpoints.dynamodb !== undefined;
  return (!local || config.endpoints.athena) && clients.athena
    ? new AthenaQueryRunner({
        client: clients.athena,
        workgroup: config.athenaWorkgroup,
        tenantWorkgroups: config.tenantWorkgroups,
        database: config.glueDatabase,
      })
    : undefined;
}

/**
 * Local mode runs the functions in its own process and has no Athena: it hands its DuckDB lake (the same
 * SQL over the same layout) to the replay route here once it is up, and takes it back when it stops.
 */
let localLake: LakeQueryRunner | undefined;
export function provideLocalLake(runner: LakeQueryRunner | undefined): void {
  localLake = runner;
}

/** Replay reads the lake's raw history: through Athena where reports can, else local mode's lake. */
export function lakeReplayHistory(config: RuntimeConfig, clients: ApiClients): ReplayHistorySource {
  const athena = athenaLakeQueries(config, clients);
  return new LakeReplayHistory(() => athena ?? localLake);
}

/** Every optional adapter: what local mode and the tests wire. */
export const ALL_API_ADAPTERS: OptionalApiAdapters = {
  lakeQueries: athenaLakeQueries,
  tombstones: s3Tombstones,
  postbacks: postbackServices,
  replayHistory: lakeReplayHistory,
};

/**
 * Wires the real adapters behind the routes, with every optional adapter (Athena for old report
 * ranges) that the config and clients allow.
 */
export function createApiServices(
  config: RuntimeConfig,
  clients: ApiClients,
  options: { logger?: RequestLogger; registry?: TenantRegistry } = {},
): ApiServices & { registry: TenantRegistry } {
  return createApiServicesWith(ALL_API_ADAPTERS, config, clients, options);
}

/** `createApiServices` with only the given optional adapters (one Lambda function's). */
export function createApiServicesWith(
  adapters: OptionalApiAdapters,
  config: RuntimeConfig,
  clients: ApiClients,
  options: { logger?: RequestLogger; registry?: TenantRegistry } = {},
): ApiServices & { registry: TenantRegistry } {
  const registry =
    options.registry ??
    new TenantRegistry({
      documents: clients.documents,
      tableName: config.tenantRegistryTable,
      cacheTtlSeconds: config.apiKeyCacheTtlSeconds,
    });
  const lakeQueries = adapters.lakeQueries?.(config, clients);
  const postbacks = adapters.postbacks?.(config, clients);
  const replayHistory = adapters.replayHistory?.(config, clients);
  return {
    registry,
    graphFor: graphResolver(config, clients),
    publisher: new KinesisPublisher({
      client: clients.kinesis,
      streamFor: (tenantId) => config.tenantStreams[tenantId] ?? config.ingestStream,
    }),
    tombstones: adapters.tombstones?.(config, clients) ?? noTombstones,
    verifyToken: tokenVerifierFor(config),
    // The per-app ingest limits count in the registry table (its TTL deletes finished windows).
    // With several regions, each counts in its own items and a limit applies to their sum (no two
    // regions ever add to one item of the global table).
    usageCounters: new DynamoUsageCounters({
      documents: clients.documents,
      tableName: config.tenantRegistryTable,
      ...(config.regions.length > 1 ? { region: config.region, otherRegions: config.regions } : {}),
    }),
    ...(Object.keys(config.tenantLimits).length > 0 ? { tenantLimits: config.tenantLimits } : {}),
    ...(lakeQueries ? { lakeQueries } : {}),
    ...(postbacks ? { postbacks } : {}),
    ...(replayHistory ? { replay: { history: replayHistory, dataCenterCidrs: config.dataCenterCidrs } } : {}),
    reportCounterDays: config.reportCounterDays,
    now: Date.now,
    newId,
    ...(options.logger ? { logger: options.logger } : {}),
  };
}
