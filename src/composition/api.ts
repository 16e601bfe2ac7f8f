import { randomUUID } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { AthenaClient } from '@aws-sdk/client-athena';
import type { STSClient } from '@aws-sdk/client-sts';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { LakeReplayHistory } from '../adapters/athena/replay-history.js';
import { AthenaQueryRunner } from '../adapters/athena/report-query.js';
import { type AwsClients, createAwsClients, tenantAthenaClients } from '../adapters/clients.js';
import { DynamoAuditLog } from '../adapters/dynamodb/audit-log.js';
import { DynamoUsageCounters } from '../adapters/dynamodb/usage-counters.js';
import { shippedCountryLookup } from '../adapters/geoip/ip-location-db.js';
import { KinesisPublisher } from '../adapters/kinesis/publisher.js';
import { S3SpendLake } from '../adapters/s3/spend-lake.js';
import { S3TombstoneWriter } from '../adapters/s3/tombstones.js';
import type { CountryLookup } from '../app/country-lookup.js';
import type { ReportLake } from '../app/performance.js';
import type { LakeQueryRunner } from '../app/ports/lake-queries.js';
import type { Logger } from '../app/ports/logger.js';
import type { MetricsSink } from '../app/ports/metrics.js';
import type { ReplayHistorySource } from '../app/ports/replay-history.js';
import type { TenantDirectory } from '../app/ports/tenant-directory.js';
import type { TombstoneSink } from '../app/ports/tombstone-sink.js';
import type { PostbackApiServices } from '../app/postbacks/ports.js';
import { createSettingsResolver } from '../app/settings.js';
import type { SpendLake } from '../app/spend-lake.js';
import type { TokenVerifier } from '../auth/jwt.js';
import { loadRuntimeConfig, type RuntimeConfig } from '../config/runtime.js';
import { ENV } from '../definitions/environment.js';
import type { ApiHandlerName } from '../definitions/handlers.js';
import { HTTP_METRICS } from '../definitions/observability.js';
import { createFunctionApp, FUNCTION_ROUTES, type RouteFactory } from '../http/app.js';
import { fromApiGatewayEvent, toApiGatewayResult } from '../http/request.js';
import type { ApiServices } from '../http/services.js';
import { graphResolver } from './identity-graphs.js';
import {
  createObservability,
  logPort,
  metricsPort,
  type Observability,
  traceClients,
  traceHandler,
} from './observability.js';
import { loadPostbackConfig, postbackApiServices } from './postbacks.js';
import { tenantRegistry } from './registry.js';
import { tokenVerifierFor } from './token-verifier.js';

/** Our ids (touchpoints, requests): a UUID without dashes, short enough for a referrer. */
export const newId = (): string => randomUUID().replaceAll('-', '');

/** The clients the API routes use: Athena and API Gateway only in the functions that need them. */
export type ApiClients = Pick<AwsClients, 'documents' | 'kinesis'> &
  Partial<Pick<AwsClients, 'athena' | 's3' | 'sts'>>;

/**
 * Adapters only some API functions need. Each Lambda entry point names its own (`functions.ts`), so the
 * other functions' bundles leave out those adapters and their SDK clients.
 */
export interface OptionalApiAdapters {
  /** @default none: every report range reads the counters */
  readonly lakeQueries?: (config: RuntimeConfig, clients: ApiClients) => LakeQueryRunner | undefined;
  /** @default none: replay answers 503 */
  readonly replayHistory?: (config: RuntimeConfig, clients: ApiClients) => ReplayHistorySource | undefined;
  /** @default none: the spend reports answer 503 (the query function wires Athena) */
  readonly reportLake?: (config: RuntimeConfig, clients: ApiClients) => () => ReportLake | undefined;
  /** @default none: the spend routes answer 503 (the admin function wires the lake bucket) */
  readonly spendLake?: (config: RuntimeConfig, clients: ApiClients) => SpendLake;
  /** @default none: only a country the SDK sent is kept (the ingest function wires the table) */
  readonly countries?: () => CountryLookup;
  /** @default a sink that refuses: only the function serving the privacy routes writes tombstones */
  readonly tombstones?: (config: RuntimeConfig, clients: ApiClients) => TombstoneSink;
  /** @default none: the postback routes answer 503 (only the admin function serves them) */
  readonly postbacks?: (config: RuntimeConfig, clients: ApiClients) => PostbackApiServices | undefined;
  /**
   * Bearer token verification (JWKS or the signing secret: jose and the Secrets Manager client).
   * @default none: bearer tokens are refused (the ingest function serves no bearer route)
   */
  readonly bearerTokens?: (config: RuntimeConfig) => TokenVerifier;
}

/** The token verifier of functions without bearer routes: never called, refuses if it were. */
const noBearerTokens: TokenVerifier = () =>
  Promise.reject(new Error('this function serves no route with bearer tokens'));

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

/** Cost rows and FX rates go to the lake bucket (needs the S3 client). */
export function s3SpendLake(config: RuntimeConfig, clients: ApiClients): SpendLake {
  if (!clients.s3) throw new Error('the S3 client is needed for the spend lake');
  return new S3SpendLake({ client: clients.s3, bucket: config.lakeBucket });
}

/** Erasure tombstones go to the lake bucket (needs the S3 client). */
export function s3Tombstones(config: RuntimeConfig, clients: ApiClients): TombstoneSink {
  if (!clients.s3) throw new Error('the S3 client is needed for erasure tombstones');
  return new S3TombstoneWriter({ client: clients.s3, bucket: config.lakeBucket });
}

/** One set of tenant sessions per STS client: reports, replay and spend reports share them. */
const tenantClients = new WeakMap<STSClient, (tenantId: string) => AthenaClient>();
function tenantClientsOf(config: RuntimeConfig, roleArn: string, sts: STSClient) {
  let clientFor = tenantClients.get(sts);
  if (!clientFor) {
    clientFor = tenantAthenaClients({ ...config, lakeReaderRoleArn: roleArn }, sts);
    tenantClients.set(sts, clientFor);
  }
  return clientFor;
}

/**
 * Athena serves old report ranges in the cloud (no endpoint overrides) or when an Athena endpoint is
 * configured. With a lake reader role (the cloud), each tenant's queries sign with a session of it
 * tagged with the tenant, so S3 lets Athena read that tenant's partitions only.
 */
export function athenaLakeQueries(config: RuntimeConfig, clients: ApiClients): LakeQueryRunner | undefined {
  const local = config.endpoints.dynamodb !== undefined;
  if ((local && !config.endpoints.athena) || !clients.athena) return undefined;
  const roleArn = config.lakeReaderRoleArn;
  if (roleArn && !clients.sts)
    throw new Error(`${ENV.lakeReaderRoleArn} is set but the function has no STS client`);
  return new AthenaQueryRunner({
    client: roleArn && clients.sts ? tenantClientsOf(config, roleArn, clients.sts) : clients.athena,
    workgroup: config.athenaWorkgroup,
    tenantWorkgroups: config.tenantWorkgroups,
    database: config.glueDatabase,
  });
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

/** The spend reports read Athena where reports can, else local mode's lake. */
export function spendReportLake(config: RuntimeConfig, clients: ApiClients): () => ReportLake | undefined {
  const athena = athenaLakeQueries(config, clients);
  return () => athena ?? localLake;
}

/** Every optional adapter: what local mode and the tests wire. */
export const ALL_API_ADAPTERS: OptionalApiAdapters = {
  lakeQueries: athenaLakeQueries,
  tombstones: s3Tombstones,
  postbacks: postbackServices,
  replayHistory: lakeReplayHistory,
  countries: shippedCountryLookup,
  spendLake: s3SpendLake,
  reportLake: spendReportLake,
  bearerTokens: tokenVerifierFor,
};

export interface ApiServicesOptions {
  /** The optional adapters to wire (the config and clients may still leave one out). @default none */
  readonly adapters?: OptionalApiAdapters;
  /** @default no logging */
  readonly logger?: Logger;
  /** @default the tenant registry of the config's table */
  readonly registry?: TenantDirectory;
  /** Where the routes count (audit log write failures). @default none */
  readonly metrics?: MetricsSink;
}

/**
 * What a stack supplies to the API: its adapters behind the ports (DynamoDB, Kinesis and S3 in the cloud;
 * LMDB, the ordered log and lake files on the embedded stack) and the cloud's tenant limits. The rest
 * of `ApiServices` is the same on every stack (`assembleApiServices`).
 */
export type ApiPorts = Omit<
  ApiServices,
  'verifyToken' | 'reportCounterDays' | 'effectiveSettings' | 'now' | 'newId' | 'logger'
>;

/**
 * The API's services over a stack's ports: bearer tokens, effective settings, report ranges, the clock
 * and ids are wired here once, for the cloud (`createApiServices`) and the embedded stack
 * (`createEmbeddedApiServices`) alike.
 */
export function assembleApiServices(
  config: Pick<RuntimeConfig, 'reportCounterDays' | 'defaultSettings'>,
  ports: ApiPorts & { readonly verifyToken?: TokenVerifier },
  options: Pick<ApiServicesOptions, 'logger'> = {},
): ApiServices {
  return {
    ...ports,
    verifyToken: ports.verifyToken ?? noBearerTokens,
    reportCounterDays: config.reportCounterDays,
    effectiveSettings: createSettingsResolver(config.defaultSettings),
    now: Date.now,
    newId,
    ...(options.logger ? { logger: options.logger } : {}),
  };
}

/**
 * Wires the real adapters behind the routes: the one place the API's ports are filled.
 * @example
 * const services = createApiServices(config, clients, { adapters: ALL_API_ADAPTERS });
 */
export function createApiServices(
  config: RuntimeConfig,
  clients: ApiClients,
  options: ApiServicesOptions = {},
): ApiServices {
  const adapters = options.adapters ?? {};
  const lakeQueries = adapters.lakeQueries?.(config, clients);
  const replayHistory = adapters.replayHistory?.(config, clients);
  const postbacks = adapters.postbacks?.(config, clients);
  return assembleApiServices(
    config,
    {
      registry: options.registry ?? tenantRegistry(config, clients),
      graphFor: graphResolver(config, clients),
      publisher: new KinesisPublisher({
        client: clients.kinesis,
        streamFor: (tenantId) => config.tenantStreams[tenantId] ?? config.ingestStream,
      }),
      tombstones: adapters.tombstones?.(config, clients) ?? noTombstones,
      // Admin changes (and replay runs) are recorded in the registry table (its TTL deletes old entries).
      auditLog: new DynamoAuditLog({ documents: clients.documents, tableName: config.tenantRegistryTable }),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      // The per-app ingest limits count in the registry table (its TTL deletes finished windows).
      usageCounters: new DynamoUsageCounters({
        documents: clients.documents,
        tableName: config.tenantRegistryTable,
        // With several regions, each counts in its own items and a limit applies to their sum (no two
        // regions ever add to one item of the global table).
        ...(config.regions.length > 1 ? { region: config.region, otherRegions: config.regions } : {}),
      }),
      ...(Object.keys(config.tenantLimits).length > 0 ? { tenantLimits: config.tenantLimits } : {}),
      ...(lakeQueries ? { lakeQueries } : {}),
      ...(postbacks ? { postbacks } : {}),
      ...(adapters.countries ? { countries: adapters.countries() } : {}),
      ...(adapters.reportLake ? { reportLake: adapters.reportLake(config, clients) } : {}),
      ...(adapters.spendLake ? { spendLake: adapters.spendLake(config, clients) } : {}),
      ...(replayHistory
        ? { replay: { history: replayHistory, dataCenterCidrs: config.dataCenterCidrs } }
        : {}),
      ...(adapters.bearerTokens ? { verifyToken: adapters.bearerTokens(config) } : {}),
    },
    options,
  );
}

/** What one API function is built from: its own routes, clients and optional adapters. */
export interface ApiFunctionParts {
  /** The function's routes (`FUNCTION_ROUTES[name]`), passed in so its bundle holds no other routes. */
  readonly routes: RouteFactory;
  readonly config: RuntimeConfig;
  readonly clients: ApiClients;
  /** @default none */
  readonly adapters?: OptionalApiAdapters;
  /** @default Powertools utilities named by `SERVICE_NAMES` */
  readonly observability?: Observability;
}

/**
 * The Lambda handler of one API function (API Gateway REST proxy events): Middy with the Powertools
 * logger (tenant and app ids appended per request), EMF metrics and the tracer. Only the given
 * clients and adapters are referenced, which keeps the function's bundle to what it uses.
 * @example
 * export const handler = createApiFunction('ingest', { routes: INGEST_FUNCTION_ROUTES, config, clients });
 */
export function createApiFunction(name: ApiHandlerName, parts: ApiFunctionParts) {
  const o = parts.observability ?? createObservability(name);
  const clients = traceClients(o.tracer, parts.clients);
  const services = createApiServices(parts.config, clients, {
    adapters: parts.adapters ?? {},
    logger: logPort(o.logger),
    metrics: metricsPort(o.metrics),
  });
  const app = createFunctionApp(services, name, parts.routes);
  const handle = async (event: APIGatewayProxyEvent, _context: Context): Promise<APIGatewayProxyResult> => {
    const response = await app(fromApiGatewayEvent(event));
    const status = response.statusCode;
    // 0 or 1 per request: the sums over Requests are the error ratios the alarms watch.
    o.metrics.addMetric(HTTP_METRICS.requests, MetricUnit.Count, 1);
    o.metrics.addMetric(HTTP_METRICS.clientErrors, MetricUnit.Count, status >= 400 && status < 500 ? 1 : 0);
    o.metrics.addMetric(HTTP_METRICS.serverErrors, MetricUnit.Count, status >= 500 ? 1 : 0);
    // One line per request with the tenant appended by the router: the per-tenant Contributor Insights
    // rules count these (tenant ids never become metric dimensions).
    o.logger.info('request served', { statusCode: status, method: event.httpMethod, route: event.resource });
    return toApiGatewayResult(response);
  };
  return middy(handle)
    .use(traceHandler(o.tracer))
    .use(injectLambdaContext(o.logger, { resetKeys: true }))
    .use(logMetrics(o.metrics));
}

export interface ApiLambdaOptions {
  /** @default read from the environment */
  readonly config?: RuntimeConfig;
  /** @default built from the config (every client) */
  readonly clients?: AwsClients;
  /** @default Powertools utilities named by `SERVICE_NAMES` */
  readonly observability?: Observability;
}

/**
 * One API function with every client and every optional adapter: what local mode and the tests run.
 * @example
 * const admin = createApiLambda('admin', { config, clients });
 */
export function createApiLambda(name: ApiHandlerName, options: ApiLambdaOptions = {}) {
  const config = options.config ?? loadRuntimeConfig();
  return createApiFunction(name, {
    routes: FUNCTION_ROUTES[name],
    config,
    clients: options.clients ?? createAwsClients(config),
    adapters: ALL_API_ADAPTERS,
    ...(options.observability ? { observability: options.observability } : {}),
  });
}
