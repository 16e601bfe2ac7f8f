import { randomUUID } from 'node:crypto';
import { UsagePlanKeys } from '../adapters/apigateway/usage-plan-keys.js';
import { AthenaQueryRunner } from '../adapters/athena/report-query.js';
import type { AwsClients } from '../adapters/clients.js';
import { IdentityGraph } from '../adapters/dynamodb/identity-graph.js';
import { TenantRegistry } from '../adapters/dynamodb/tenant-registry.js';
import { DynamoUsageCounters } from '../adapters/dynamodb/usage-counters.js';
import { KinesisPublisher } from '../adapters/kinesis/publisher.js';
import { S3TombstoneWriter } from '../adapters/s3/tombstones.js';
import { createTokenVerifier } from '../auth/jwt.js';
import type { RuntimeConfig } from '../config/runtime.js';
import type { RequestLogger } from './router.js';
import type { ApiServices } from './services.js';

/** Our ids (touchpoints, requests): a UUID without dashes, short enough for a referrer. */
export const newId = (): string => randomUUID().replaceAll('-', '');

/** Identity graph per table: silo tenants have their own table. */
export function graphResolver(
  config: RuntimeConfig,
  clients: AwsClients,
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

/**
 * Wires the real adapters behind the routes. Athena serves old report ranges in the cloud (no endpoint
 * overrides) or when an Athena endpoint is configured; app keys are imported into API Gateway when the
 * config names the REST API.
 */
export function createApiServices(
  config: RuntimeConfig,
  clients: AwsClients,
  options: { logger?: RequestLogger; registry?: TenantRegistry } = {},
): ApiServices & { registry: TenantRegistry } {
  const registry =
    options.registry ??
    new TenantRegistry({
      documents: clients.documents,
      tableName: config.tenantRegistryTable,
      cacheTtlSeconds: config.apiKeyCacheTtlSeconds,
    });
  const local = config.endpoints.dynamodb !== undefined;
  const lakeQueries =
    !local || config.endpoints.athena
      ? new AthenaQueryRunner({
          client: clients.athena,
          workgroup: config.athenaWorkgroup,
          database: config.glueDatabase,
        })
      : undefined;
  // In the cloud the REST API requires API keys: new app keys must be imported into its usage plans.
  const apiKeys =
    config.restApiId && clients.apiGateway
      ? new UsagePlanKeys({
          client: clients.apiGateway,
          restApiId: config.restApiId,
          usagePlans: config.usagePlans,
        })
      : undefined;
  return {
    registry,
    ...(apiKeys ? { apiKeys } : {}),
    graphFor: graphResolver(config, clients),
    publisher: new KinesisPublisher({
      client: clients.kinesis,
      streamFor: (tenantId) => config.tenantStreams[tenantId] ?? config.ingestStream,
    }),
    tombstones: new S3TombstoneWriter({ client: clients.s3, bucket: config.lakeBucket }),
    // The per-app ingest limits count in the registry table (its TTL deletes finished windows).
    usageCounters: new DynamoUsageCounters({
      documents: clients.documents,
      tableName: config.tenantRegistryTable,
    }),
    verifyToken: createTokenVerifier({
      ...(config.auth.jwtSecret ? { secret: config.auth.jwtSecret } : {}),
      ...(config.auth.jwksUrl ? { jwksUrl: config.auth.jwksUrl } : {}),
      ...(config.auth.issuer ? { issuer: config.auth.issuer } : {}),
      ...(config.auth.audience ? { audience: config.auth.audience } : {}),
    }),
    ...(lakeQueries ? { lakeQueries } : {}),
    reportCounterDays: config.reportCounterDays,
    now: Date.now,
    newId,
    ...(options.logger ? { logger: options.logger } : {}),
  };
}
