import {
  API_SERVICES,
  ATTRIBUTION_METRICS,
  CONSUMER_METRICS,
  HTTP_METRICS,
} from '../definitions/observability.js';
import { NAMED_QUERY_LIST } from '../definitions/queries.js';
import { INGEST_STREAM } from '../definitions/stream.js';
import { type Deployment, reportQueryLoad } from './model.js';

/**
 * The deployment `npm run cost` prices: the CDK app's defaults (lib/config/default-config.ts and
 * lib/config/schema.ts), stated here as numbers because the cost model must not load the CDK app.
 */
export interface DeploymentAssumptions {
  /** Events a month the monthly costs are spread over. @default 100,000,000 */
  readonly monthlyEvents?: number;
  /** Regions (default config: us-east-1 and eu-west-1). @default 2 */
  readonly regions?: number;
  /** Apps across tenants: each app writes its own lake partitions. @default 1 */
  readonly apps?: number;
  /** Provisioned stream mode's shards per region (schema default). @default 2 */
  readonly shardsPerRegion?: number;
  /** Firehose buffer interval (schema default `lake.bufferIntervalSeconds`). @default 300 */
  readonly lakeBufferSeconds?: number;
  /** Times a day each standard report runs on Athena (ranges older than the counters). @default 10 */
  readonly reportRunsPerDay?: number;
  /** Days each report run covers. @default 30 */
  readonly reportRangeDays?: number;
}

export interface ResolvedAssumptions extends Required<DeploymentAssumptions> {
  readonly wafRules: number;
  readonly kmsKeysPerRegion: number;
  readonly customMetricsPerRegion: number;
  readonly lakeTables: number;
  readonly getsPerObjectRead: number;
  readonly alarmsPerRegion: number;
  readonly contributorInsightsRulesPerRegion: number;
}

/** Every assumption, defaults applied, as printed and saved beside the figures. */
export function resolveAssumptions(a: DeploymentAssumptions = {}): ResolvedAssumptions {
  return {
    monthlyEvents: a.monthlyEvents ?? 100_000_000,
    regions: a.regions ?? 2,
    apps: a.apps ?? 1,
    shardsPerRegion: a.shardsPerRegion ?? 2,
    lakeBufferSeconds: a.lakeBufferSeconds ?? 300,
    reportRunsPerDay: a.reportRunsPerDay ?? 10,
    reportRangeDays: a.reportRangeDays ?? 30,
    // lib/ingest/web-acl.ts: a rate rule and two AWS managed rule groups.
    wafRules: 3,
    // lib/storage/platform-key.ts: one customer managed key per region.
    kmsKeysPerRegion: 1,
    // Requests, 4xx and 5xx per API function (ingest, query, admin) and the consumer's own metrics.
    customMetricsPerRegion:
      Object.keys(HTTP_METRICS).length * API_SERVICES.length +
      Object.keys(ATTRIBUTION_METRICS).length +
      Object.keys(CONSUMER_METRICS).length,
    // events and touchpoints (the stream's Firehose), attributions (the attribution Firehose).
    lakeTables: 3,
    // A Parquet file read by Athena: its footer, then the column chunks.
    getsPerObjectRead: 2,
    // lib/observability (measured, docs/operations.md): 36 alarms per region and 2 per consumer.
    alarmsPerRegion: 38,
    // lib/observability/tenant-insights.ts: requests and errors per tenant.
    contributorInsightsRulesPerRegion: 2,
  };
}

/**
 * The deployment for a Kinesis mode, with the report load sized from the measured lake bytes.
 * @param attributionLakeBytesPerEvent Parquet bytes of the attributions table per event (all four standard
 *   reports read only that table)
 */
export function deploymentFor(
  kinesisMode: Deployment['kinesisMode'],
  attributionLakeBytesPerEvent: number,
  assumptions: ResolvedAssumptions,
): Deployment {
  const a = assumptions;
  const objectsPerDay = Math.ceil(86_400 / a.lakeBufferSeconds);
  return {
    monthlyEvents: a.monthlyEvents,
    regions: a.regions,
    kinesisMode,
    shardsPerRegion: a.shardsPerRegion,
    // The ingest stream keeps records 7 days (replay of failed batches, a home region catching up).
    streamRetentionHours: INGEST_STREAM.retentionHours,
    streamReaders: 2,
    wafRules: a.wafRules,
    kmsKeysPerRegion: a.kmsKeysPerRegion,
    customMetricsPerRegion: a.customMetricsPerRegion,
    lakeObjectsPerMonth: a.regions * a.apps * a.lakeTables * objectsPerDay * 30,
    getsPerObjectRead: a.getsPerObjectRead,
    dashboards: a.regions + 1,
    alarmsPerRegion: a.alarmsPerRegion,
    contributorInsightsRulesPerRegion: a.contributorInsightsRulesPerRegion,
    traceReservoirPerSecond: 1,
    traceSampledShare: 0.05,
    athenaQueries: reportQueryLoad({
      // The retention report reads the attributions table twice (cohorts, then activity).
      queries: NAMED_QUERY_LIST.map((q) => ({
        name: q.name,
        scansOfRange: (q.sql.match(/FROM attributions/g) ?? []).length || 1,
      })),
      runsPerDay: a.reportRunsPerDay,
      rangeDays: a.reportRangeDays,
      tableBytesPerDay: (attributionLakeBytesPerEvent * a.monthlyEvents) / 30 / a.apps,
      objectsPerDay,
    }),
  };
}
