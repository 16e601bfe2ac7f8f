import { BILLING_RULES, PRICES, type Prices } from './prices.js';

/**
 * The cost model's arithmetic: usage counters measured on a workload (`UsageMeter`) and the deployment's
 * shape (`Deployment`) → dollars per service → dollars per 1,000 events. Pure: no I/O, no clock.
 *
 * Two kinds of cost: usage that grows with traffic (requests, units, bytes), scaled from the workload
 * by `1000 / usage.events`; and monthly costs of the deployment (stream-hours, shards, web ACLs, metrics,
 * report queries, lake objects), spread over `deployment.monthlyEvents`.
 */

export const HOURS_PER_MONTH = 730;
const GB = 1024 ** 3;
const TB = 1024 ** 4;

// ---------------------------------------------------------------- billing granularities

/** Kinesis provisioned PUT payload units of one record: one per started 25 KB. */
export const kinesisPayloadUnits = (recordBytes: number): number =>
  Math.max(1, Math.ceil(recordBytes / BILLING_RULES.kinesisPayloadUnitBytes));

/** Bytes Kinesis on-demand bills for one record: rounded up to 1 KB. */
export const kinesisOnDemandBytes = (recordBytes: number): number =>
  Math.max(1, Math.ceil(recordBytes / BILLING_RULES.kinesisOnDemandRecordBytes)) *
  BILLING_RULES.kinesisOnDemandRecordBytes;

/** Bytes Firehose bills for one record: rounded up to a multiple of 5 KB. */
export const firehoseBilledBytes = (recordBytes: number): number =>
  Math.max(1, Math.ceil(recordBytes / BILLING_RULES.firehoseRecordBytes)) * BILLING_RULES.firehoseRecordBytes;

/** Bytes Athena bills for one query: whole megabytes, at least 10 MB. */
export const athenaBilledBytes = (scannedBytes: number): number =>
  Math.max(
    BILLING_RULES.athenaMinimumBytes,
    Math.ceil(scannedBytes / BILLING_RULES.athenaRoundingBytes) * BILLING_RULES.athenaRoundingBytes,
  );

/** Lambda GB-seconds of a billed duration at a memory size. */
export const gbSeconds = (billedDurationMs: number, memoryMb: number): number =>
  (billedDurationMs / 1000) * (memoryMb / 1024);

// ---------------------------------------------------------------- inputs

/** A Firehose delivery stream's records, as the cloud would send them. */
export interface FirehoseUsage {
  readonly records: number;
  readonly bytes: number;
  /** Sum of `firehoseBilledBytes` over the records. */
  readonly billedBytes: number;
}

/** What a workload used, counted in local mode by `UsageMeter` (or written by hand in tests). */
export interface Usage {
  /** Records accepted by the API (SDK events and touchpoints): the events the cost is per. */
  readonly events: number;
  /** Requests API Gateway (and WAF) would have served. */
  readonly apiRequests: number;
  /** Per function: invocations, summed billed duration (each rounded up to 1 ms) and memory size. */
  readonly lambda: Readonly<
    Record<
      string,
      { readonly invocations: number; readonly billedDurationMs: number; readonly memoryMb: number }
    >
  >;
  readonly dynamodb: {
    /** Read request units, as billed (strongly consistent 1 per 4 KB; eventually consistent half). */
    readonly readUnits: number;
    /** Write request units in the writing region (transactions count twice). */
    readonly writeUnits: number;
    /** The same writes as standard (non-transactional) units: what each other replica region is billed. */
    readonly replicatedWriteUnits: number;
    /** Bytes of the items written: what replication carries to each other region. */
    readonly writtenBytes: number;
    /** Bytes the table holds after the workload (items plus the 100-byte overhead each). */
    readonly storedBytes: number;
  };
  readonly kinesis: {
    readonly records: number;
    readonly bytes: number;
    /** Sum of `kinesisPayloadUnits` over the records. */
    readonly payloadUnits: number;
    /** Sum of `kinesisOnDemandBytes` over the records. */
    readonly onDemandBytes: number;
  };
  /** By delivery stream, e.g. `raw` (from the ingest stream) and `attributions` (direct put). */
  readonly firehose: Readonly<Record<string, FirehoseUsage>>;
  /** Bytes of CloudWatch Logs the workload would write (access logs, Lambda platform lines, EMF). */
  readonly logBytes: number;
  /** Bytes the lake holds after the workload, as Parquet (estimated). */
  readonly lakeBytes: number;
}

/** An Athena query run every month. */
export interface AthenaQueryLoad {
  readonly name: string;
  readonly runsPerMonth: number;
  /** Bytes one run scans. */
  readonly scannedBytes: number;
  /** Objects one run reads (one S3 GET request or more each). */
  readonly objects: number;
}

/** The deployment the usage is priced for. */
export interface Deployment {
  /** Events a month: spreads the monthly costs. */
  readonly monthlyEvents: number;
  /** Regions deployed: each has a stream, a web ACL and a key; the global table has a replica in each. */
  readonly regions: number;
  /** Kinesis capacity mode. */
  readonly kinesisMode: 'onDemand' | 'provisioned';
  /** Provisioned mode: shards of each region's stream. */
  readonly shardsPerRegion: number;
  /**
   * Hours each stream keeps its records (24–168). Past 24 h Kinesis bills extended retention: on demand
   * per GB-month of the data held past its first day, provisioned per shard-hour.
   * @default 24 (no extended retention)
   */
  readonly streamRetentionHours?: number;
  /** Readers of the stream's data: the attribution consumer and the lake Firehose. */
  readonly streamReaders: number;
  /** Rules of each web ACL. */
  readonly wafRules: number;
  /** Customer managed KMS keys per region. */
  readonly kmsKeysPerRegion: number;
  /** Custom metrics (name and dimension set) each region publishes. */
  readonly customMetricsPerRegion: number;
  /** Objects Firehose delivers to the lake a month (all delivery streams, all regions). */
  readonly lakeObjectsPerMonth: number;
  /** S3 GET requests per object an Athena query reads (footer and column chunks). */
  readonly getsPerObjectRead: number;
  readonly athenaQueries: readonly AthenaQueryLoad[];
  /** CloudWatch dashboards (one per region and the global one). */
  readonly dashboards: number;
  readonly alarmsPerRegion: number;
  /** Contributor Insights rules per region, each matching one log line per API request. @default 0 */
  readonly contributorInsightsRulesPerRegion?: number;
  /** X-Ray sampling: the first request each second per region, then this share of the rest. */
  readonly traceReservoirPerSecond: number;
  readonly traceSampledShare: number;
}

// ---------------------------------------------------------------- outputs

export type Service =
  | 'API Gateway'
  | 'WAF'
  | 'Lambda'
  | 'DynamoDB'
  | 'Kinesis'
  | 'Firehose'
  | 'S3'
  | 'Athena'
  | 'CloudWatch'
  | 'X-Ray'
  | 'KMS';

export interface CostLine {
  readonly service: Service;
  readonly item: string;
  /** Dollars per 1,000 events. */
  readonly usdPer1k: number;
  /** Monthly (amortised over `monthlyEvents`) or grows with usage. */
  readonly kind: 'usage' | 'monthly';
}

export interface CostEstimate {
  readonly lines: readonly CostLine[];
  /** Dollars per 1,000 events by service, largest first. */
  readonly byService: readonly {
    readonly service: Service;
    readonly usdPer1k: number;
    readonly share: number;
  }[];
  readonly totalPer1k: number;
  /** The same, a month at `monthlyEvents`. */
  readonly totalPerMonth: number;
}

/** Makes one service's cost lines: usage scaled per 1,000 events, monthly costs spread over the month's events. */
interface LineMaker {
  use(item: string, usd: number): CostLine;
  month(item: string, usd: number): CostLine;
}

const lineMaker = (service: Service, perUsage: number, perMonth: number): LineMaker => ({
  use: (item, usd) => ({ service, item, usdPer1k: usd * perUsage, kind: 'usage' }),
  month: (item, usd) => ({ service, item, usdPer1k: usd * perMonth, kind: 'monthly' }),
});

/** The cost lines of one service. */
type ServicePricer = (usage: Usage, deployment: Deployment, prices: Prices, line: LineMaker) => CostLine[];

const priceApiGateway: ServicePricer = (usage, _deployment, prices, { use }) => [
  use('REST API requests', usage.apiRequests * prices.apiGateway.restRequest.usd),
];

const priceWaf: ServicePricer = (usage, deployment, prices, { use, month }) => [
  use('requests inspected', usage.apiRequests * prices.waf.request.usd),
  month(
    'web ACLs and rules',
    deployment.regions * (prices.waf.webAclMonth.usd + deployment.wafRules * prices.waf.ruleMonth.usd),
  ),
];

const priceLambda: ServicePricer = (usage, _deployment, prices, { use }) => {
  let invocations = 0;
  let compute = 0;
  for (const f of Object.values(usage.lambda)) {
    invocations += f.invocations;
    compute += gbSeconds(f.billedDurationMs, f.memoryMb);
  }
  return [
    use('invocations', invocations * prices.lambda.request.usd),
    use('GB-seconds (arm64)', compute * prices.lambda.arm64GbSecond.usd),
  ];
};

const priceDynamoDb: ServicePricer = (usage, deployment, prices, { use }) => {
  const d = usage.dynamodb;
  const otherRegions = Math.max(0, deployment.regions - 1);
  return [
    use('write request units', d.writeUnits * prices.dynamodb.writeRequestUnit.usd),
    use(
      'replicated write request units',
      otherRegions * d.replicatedWriteUnits * prices.dynamodb.replicatedWriteRequestUnit.usd,
    ),
    use('read request units', d.readUnits * prices.dynamodb.readRequestUnit.usd),
    use(
      'replication transfer',
      (otherRegions * d.writtenBytes * prices.dynamodb.interRegionTransferGb.usd) / GB,
    ),
    use('storage, one month', (deployment.regions * d.storedBytes * prices.dynamodb.storageGbMonth.usd) / GB),
  ];
};

/** Hours past its first day the stream keeps a record (validated by `estimateCost`). */
const extendedRetentionHours = (deployment: Deployment) => (deployment.streamRetentionHours ?? 24) - 24;

const priceKinesisOnDemand: ServicePricer = (usage, deployment, prices, { use, month }) => {
  const k = usage.kinesis;
  const extendedHours = extendedRetentionHours(deployment);
  return [
    use('on-demand data in', (k.onDemandBytes * prices.kinesis.onDemandDataInGb.usd) / GB),
    use(
      'on-demand data out',
      (deployment.streamReaders * k.onDemandBytes * prices.kinesis.onDemandDataOutGb.usd) / GB,
    ),
    month(
      'on-demand stream-hours',
      deployment.regions * HOURS_PER_MONTH * prices.kinesis.onDemandStreamHour.usd,
    ),
    // Each GB written is held (retention - 24) hours past its first day: that many GB-hours.
    ...(extendedHours > 0
      ? [
          use(
            'extended retention (on-demand, GB-months)',
            ((k.onDemandBytes / GB) * extendedHours * prices.kinesis.onDemandExtendedRetentionGbMonth.usd) /
              HOURS_PER_MONTH,
          ),
        ]
      : []),
  ];
};

const priceKinesisProvisioned: ServicePricer = (usage, deployment, prices, { use, month }) => {
  const shardHours = (usdPerShardHour: number) =>
    deployment.regions * deployment.shardsPerRegion * HOURS_PER_MONTH * usdPerShardHour;
  return [
    use('PUT payload units', usage.kinesis.payloadUnits * prices.kinesis.provisionedPutPayloadUnit.usd),
    month('shard-hours', shardHours(prices.kinesis.provisionedShardHour.usd)),
    ...(extendedRetentionHours(deployment) > 0
      ? [
          month(
            'extended retention (shard-hours)',
            shardHours(prices.kinesis.provisionedExtendedRetentionShardHour.usd),
          ),
        ]
      : []),
  ];
};

const priceKinesis: ServicePricer = (usage, deployment, prices, line) =>
  deployment.kinesisMode === 'onDemand'
    ? priceKinesisOnDemand(usage, deployment, prices, line)
    : priceKinesisProvisioned(usage, deployment, prices, line);

const priceFirehose: ServicePricer = (usage, deployment, prices, { use, month }) => {
  const perGb =
    prices.firehose.ingestionGb.usd +
    prices.firehose.formatConversionGb.usd +
    prices.firehose.dynamicPartitioningGb.usd;
  return [
    ...Object.entries(usage.firehose).map(([name, f]) =>
      use(`${name}: ingestion, Parquet conversion, partitioning`, (f.billedBytes * perGb) / GB),
    ),
    month(
      'partitioned objects delivered',
      deployment.lakeObjectsPerMonth * prices.firehose.dynamicPartitioningObject.usd,
    ),
  ];
};

const priceS3: ServicePricer = (usage, deployment, prices, { use, month }) => {
  const gets = deployment.athenaQueries.reduce(
    (n, q) => n + q.runsPerMonth * q.objects * deployment.getsPerObjectRead,
    0,
  );
  return [
    month('PUT requests (lake objects)', deployment.lakeObjectsPerMonth * prices.s3.put.usd),
    month('GET requests (report queries)', gets * prices.s3.get.usd),
    use('lake storage, one month', (usage.lakeBytes * prices.s3.storageGbMonth.usd) / GB),
  ];
};

const priceAthena: ServicePricer = (_usage, deployment, prices, { month }) => {
  const scanned = deployment.athenaQueries.reduce(
    (n, q) => n + q.runsPerMonth * athenaBilledBytes(q.scannedBytes),
    0,
  );
  return [month('bytes scanned by the standard reports', (scanned * prices.athena.scannedTb.usd) / TB)];
};

const priceCloudWatch: ServicePricer = (usage, deployment, prices, { use, month }) => {
  const insightRules = deployment.contributorInsightsRulesPerRegion ?? 0;
  return [
    use('logs ingested', (usage.logBytes * prices.cloudWatch.logsIngestionGb.usd) / GB),
    month(
      'custom metrics',
      deployment.regions * deployment.customMetricsPerRegion * prices.cloudWatch.customMetricMonth.usd,
    ),
    month('dashboards', deployment.dashboards * prices.cloudWatch.dashboardMonth.usd),
    month('alarms', deployment.regions * deployment.alarmsPerRegion * prices.cloudWatch.alarmMonth.usd),
    month(
      'Contributor Insights rules',
      deployment.regions * insightRules * prices.cloudWatch.contributorInsightsRuleMonth.usd,
    ),
    use(
      'Contributor Insights matched log events',
      usage.apiRequests * insightRules * prices.cloudWatch.contributorInsightsMatchedEvent.usd,
    ),
  ];
};

const priceXRay: ServicePricer = (usage, deployment, prices, { use, month }) => {
  // API requests and consumer invocations are traced (active tracing): a reservoir, then a share.
  const traced = usage.apiRequests + (usage.lambda.consumer?.invocations ?? 0);
  return [
    use('sampled traces', traced * deployment.traceSampledShare * prices.xray.traceRecorded.usd),
    month(
      'reservoir traces (one a second)',
      deployment.regions *
        deployment.traceReservoirPerSecond *
        HOURS_PER_MONTH *
        3600 *
        prices.xray.traceRecorded.usd,
    ),
  ];
};

const priceKms: ServicePricer = (_usage, deployment, prices, { month }) => [
  month('customer managed keys', deployment.regions * deployment.kmsKeysPerRegion * prices.kms.keyMonth.usd),
];

/** Every service's pricer, in the order an estimate lists its lines. */
const SERVICE_PRICERS: Readonly<Record<Service, ServicePricer>> = {
  'API Gateway': priceApiGateway,
  WAF: priceWaf,
  Lambda: priceLambda,
  DynamoDB: priceDynamoDb,
  Kinesis: priceKinesis,
  Firehose: priceFirehose,
  S3: priceS3,
  Athena: priceAthena,
  CloudWatch: priceCloudWatch,
  'X-Ray': priceXRay,
  KMS: priceKms,
};

function validateEstimateInputs(usage: Usage, deployment: Deployment): void {
  if (!(usage.events > 0)) throw new RangeError(`usage.events must be positive. Received ${usage.events}`);
  if (!(deployment.monthlyEvents > 0))
    throw new RangeError(`deployment.monthlyEvents must be positive. Received ${deployment.monthlyEvents}`);
  const retentionHours = deployment.streamRetentionHours ?? 24;
  if (!Number.isFinite(retentionHours) || retentionHours < 24 || retentionHours > 168)
    throw new RangeError(
      `streamRetentionHours must be between 24 and 168 (longer is long-term retention, not modelled). Received ${retentionHours}`,
    );
}

/** Sums the lines by service (largest first) and in total. */
function totalLines(lines: readonly CostLine[], monthlyEvents: number): CostEstimate {
  const totals = new Map<Service, number>();
  for (const line of lines) totals.set(line.service, (totals.get(line.service) ?? 0) + line.usdPer1k);
  const totalPer1k = lines.reduce((n, l) => n + l.usdPer1k, 0);
  const byService = [...totals]
    .map(([service, usdPer1k]) => ({ service, usdPer1k, share: totalPer1k > 0 ? usdPer1k / totalPer1k : 0 }))
    .sort((a, b) => b.usdPer1k - a.usdPer1k);
  return { lines, byService, totalPer1k, totalPerMonth: (totalPer1k * monthlyEvents) / 1000 };
}

/**
 * Prices usage for a deployment.
 * @example
 * const estimate = estimateCost(meter.usage(), { ...DEFAULT_DEPLOYMENT, kinesisMode: 'provisioned' });
 * estimate.totalPer1k; // dollars per 1,000 events
 */
export function estimateCost(usage: Usage, deployment: Deployment, prices: Prices = PRICES): CostEstimate {
  validateEstimateInputs(usage, deployment);
  const perUsage = 1000 / usage.events;
  const perMonth = 1000 / deployment.monthlyEvents;
  // Record keys keep their declaration order: the order of the lines.
  const lines = (Object.keys(SERVICE_PRICERS) as Service[]).flatMap((service) =>
    SERVICE_PRICERS[service](usage, deployment, prices, lineMaker(service, perUsage, perMonth)),
  );
  return totalLines(lines, deployment.monthlyEvents);
}

/** The largest line of an estimate: where to cut first. */
export function biggestLine(estimate: CostEstimate): CostLine | undefined {
  return [...estimate.lines].sort((a, b) => b.usdPer1k - a.usdPer1k)[0];
}

/**
 * Athena load of the standard reports: each run `runsPerDay` times a day over the last `rangeDays`,
 * scanning the lake bytes of that range (`scansOfRange` times: a self-join reads the table twice) and
 * reading `objectsPerDay` objects per day of range per scan.
 */
export function reportQueryLoad(options: {
  readonly queries: readonly { readonly name: string; readonly scansOfRange: number }[];
  readonly runsPerDay: number;
  readonly rangeDays: number;
  /** Lake bytes (Parquet) of the table the reports read, per day of traffic. */
  readonly tableBytesPerDay: number;
  readonly objectsPerDay: number;
}): AthenaQueryLoad[] {
  return options.queries.map((q) => ({
    name: q.name,
    runsPerMonth: options.runsPerDay * 30,
    scannedBytes: q.scansOfRange * options.rangeDays * options.tableBytesPerDay,
    objects: q.scansOfRange * options.rangeDays * options.objectsPerDay,
  }));
}
