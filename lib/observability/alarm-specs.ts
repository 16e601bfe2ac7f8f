import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { MonitoredResources } from './monitored-resources.js';
import { PlatformMetrics } from './platform-metrics.js';
import type { RunbookId } from './runbooks.js';

/** Thresholds of the regional alarms. */
export interface AlarmThresholds {
  /**
   * Share of 5xx responses of the ingest function (tracking links, S2S, SDK events) per 5 minutes.
   * @default 0.01
   */
  readonly ingest5xxRatio?: number;
  /**
   * Share of 5xx responses of the query (reports) and admin functions per 5 minutes.
   * @default 0.05
   */
  readonly reports5xxRatio?: number;
  /**
   * Share of 4xx responses of any API function per 5 minutes (bad keys, malformed SDK batches).
   * @default 0.25
   */
  readonly api4xxRatio?: number;
  /**
   * Requests per 5 minutes below which error ratios are not evaluated.
   * @default 20
   */
  readonly minimumRequests?: number;
  /**
   * p99 duration of the ingest function in milliseconds (reports wait on Athena and are not alarmed).
   * @default 1000
   */
  readonly ingestP99Ms?: number;
  /**
   * Age of the last record a consumer read, in milliseconds.
   * @default 60000
   */
  readonly iteratorAgeMs?: number;
  /**
   * DynamoDB global table replication latency, in milliseconds.
   * @default 30000
   */
  readonly replicationLatencyMs?: number;
  /**
   * Firehose data freshness in seconds.
   * @default 900
   */
  readonly deliveryFreshnessSeconds?: number;
  /**
   * Lowest share of ingested records delivered to S3 per 15 minutes.
   * @default 0.9
   */
  readonly deliveredRatio?: number;
  /**
   * The account's Lambda concurrency quota in the region (Service Quotas, "Concurrent executions").
   * @default 1000
   */
  readonly accountConcurrencyQuota?: number;
  /**
   * Percent of the concurrency quota that alarms.
   * @default 80
   */
  readonly accountConcurrencyPercent?: number;
}

/** One alarm, before it is a construct: what it watches, when it fires, and its runbook. */
export interface AlarmSpec {
  /** Unique in the region; the alarm is named `<prefix>-<id>`. */
  readonly id: string;
  readonly runbook: RunbookId;
  /** What has gone wrong, in the words an on-call engineer reads first. */
  readonly summary: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  /** @default GREATER_THAN_THRESHOLD */
  readonly comparison?: cloudwatch.ComparisonOperator;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** M of the N evaluation periods that must breach. @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
}

/** Throttles page on short bursts: 2 breaching minutes out of 5. */
const BURST = { evaluationPeriods: 5, datapointsToAlarm: 2 } as const;
/** Sustained signals: 3 breaching periods out of 5. */
const SUSTAINED = { evaluationPeriods: 5, datapointsToAlarm: 3 } as const;

/** The physical name of an alarm. */
export function alarmName(resources: Pick<MonitoredResources, 'alarmNamePrefix'>, id: string): string {
  return `${resources.alarmNamePrefix}-${id}`;
}

/**
 * Every alarm of one region's observability stack, as data: RegionMonitoring creates them, the
 * dashboards list them by name (also from another region), and the tests read them.
 */
export function regionAlarmSpecs(
  region: string,
  r: MonitoredResources,
  thresholds: AlarmThresholds = {},
): AlarmSpec[] {
  validateThresholds(thresholds);
  const scope: AlarmScope = { region, r, m: new PlatformMetrics(region), t: thresholds };
  // The order is the order of the alarms in the template and on the dashboards.
  return [
    ...apiAlarms(scope),
    ...functionAlarms(scope),
    ...streamAlarms(scope),
    ...consumerAlarms(scope),
    ...attributionAlarms(scope),
    ...storageAlarms(scope),
    ...lakeAlarms(scope),
    ...limitAlarms(scope),
  ];
}

/** What every group of alarms reads: the region, its resources, its metrics and the thresholds. */
interface AlarmScope {
  readonly region: string;
  readonly r: MonitoredResources;
  readonly m: PlatformMetrics;
  readonly t: AlarmThresholds;
}

/** Error ratios per API function, and the ingest function's latency. */
function apiAlarms({ r, m, t }: AlarmScope): AlarmSpec[] {
  const minimum = t.minimumRequests ?? 20;
  const specs: AlarmSpec[] = r.apiFunctions.flatMap((fn): AlarmSpec[] => [
    {
      id: `ApiServerErrors-${fn.service}`,
      runbook: 'api-server-errors',
      summary: `The ${fn.service} function answers 5xx to more requests than allowed`,
      metric: m.serverErrorRatio(fn.service, minimum),
      threshold: fn.service === 'ingest' ? (t.ingest5xxRatio ?? 0.01) : (t.reports5xxRatio ?? 0.05),
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    },
    {
      id: `ApiClientErrors-${fn.service}`,
      runbook: 'api-client-errors',
      summary: `The ${fn.service} function refuses a large share of requests (4xx)`,
      metric: m.clientErrorRatio(fn.service, minimum),
      threshold: t.api4xxRatio ?? 0.25,
      evaluationPeriods: 3,
    },
  ]);
  const admin = r.apiFunctions.find((fn) => fn.service === 'admin');
  if (admin) {
    specs.push({
      id: 'AuditWriteFailures',
      runbook: 'audit-write-failures',
      summary: 'Admin changes succeed without their audit log entry',
      metric: m.auditWriteFailures(admin.service).with({ period: Duration.minutes(5) }),
      threshold: 0,
    });
  }
  const ingest = r.apiFunctions.find((fn) => fn.service === 'ingest');
  if (ingest) {
    specs.push({
      id: 'IngestLatency',
      runbook: 'ingest-latency',
      summary: 'The ingest function is slow (p99 duration)',
      metric: m.functionDuration(ingest.functionName).with({ period: Duration.minutes(5) }),
      threshold: t.ingestP99Ms ?? 1_000,
      evaluationPeriods: 3,
    });
  }
  return specs;
}

/** Throttles of every function (API and consumers), and failed invocations of the API functions. */
function functionAlarms({ r, m }: AlarmScope): AlarmSpec[] {
  const functionNames = [...r.apiFunctionNames, ...r.consumers.map((c) => c.functionName)];
  const throttles = functionNames.map(
    (name): AlarmSpec => ({
      id: `Throttles-${name}`,
      runbook: 'function-throttles',
      summary: `Invocations of ${name} are throttled`,
      metric: m.functionThrottles(name),
      threshold: 0,
      ...BURST,
    }),
  );
  const errors = r.apiFunctionNames.map(
    (name): AlarmSpec => ({
      id: `Errors-${name}`,
      runbook: 'function-errors',
      summary: `${name} fails invocations (unhandled errors, timeouts)`,
      metric: m.functionErrors(name).with({ period: Duration.minutes(5) }),
      threshold: 5,
    }),
  );
  return [...throttles, ...errors];
}

/** Write throttles of every ingest stream. */
function streamAlarms({ r, m }: AlarmScope): AlarmSpec[] {
  return r.streamNames.map(
    (name): AlarmSpec => ({
      id: `StreamWriteThrottles-${name}`,
      runbook: 'stream-write-throttles',
      summary: `Writes to ${name} are throttled`,
      metric: m.streamWriteThrottles(name),
      threshold: 0,
      ...BURST,
    }),
  );
}

/** Per stream consumer: how far behind it is, failed batches, and records it gave up on. */
function consumerAlarms({ r, m, t }: AlarmScope): AlarmSpec[] {
  return r.consumers.flatMap((c): AlarmSpec[] => [
    {
      id: `IteratorAge-${c.functionName}`,
      runbook: 'consumer-iterator-age',
      summary: `${c.functionName} falls behind its stream`,
      metric: m.consumerIteratorAgeMs(c.functionName),
      threshold: t.iteratorAgeMs ?? 60_000,
      ...SUSTAINED,
    },
    {
      id: `ConsumerErrors-${c.functionName}`,
      runbook: 'function-errors',
      summary: `${c.functionName} fails whole batches (a lake write or an unhandled error)`,
      metric: m.functionErrors(c.functionName),
      threshold: 0,
      ...SUSTAINED,
    },
    {
      id: `DeadLetters-${c.onFailureQueueName}`,
      runbook: 'dead-letters',
      summary: `Stream records ${c.functionName} gave up on wait in ${c.onFailureQueueName}`,
      metric: m.queueDepth(c.onFailureQueueName),
      threshold: 0,
    },
  ]);
}

/** The consumer's own record counts: failed, quarantined and redelivered records. */
function attributionAlarms({ m }: AlarmScope): AlarmSpec[] {
  return [
    {
      id: 'ConsumerFailedRecords',
      runbook: 'consumer-failed-records',
      summary: 'The consumer reports records as failed (retried) minute after minute',
      metric: m.consumerRecords('failed'),
      threshold: 0,
      ...SUSTAINED,
    },
    {
      id: 'QuarantinedRecords',
      runbook: 'quarantined-records',
      summary: 'Undecodable stream records were quarantined (not attributed)',
      metric: m.consumerRecords('poisoned'),
      threshold: 0,
    },
    {
      id: 'ConsumerRedeliveredRecords',
      runbook: 'consumer-redelivered-records',
      summary: 'The consumer keeps receiving records it already committed (crash or lake-write retries)',
      metric: m.consumerRecords('redelivered'),
      threshold: 0,
      ...SUSTAINED,
    },
  ];
}

/** Per table: throttles, server errors, and replication latency to every other region. */
function storageAlarms({ region, r, m, t }: AlarmScope): AlarmSpec[] {
  const receivingRegions = r.regions.filter((other) => other !== region);
  return r.tables.flatMap((table): AlarmSpec[] => [
    {
      id: `TableThrottles-${table.tableName}`,
      runbook: 'table-throttles',
      summary: `Requests to ${table.tableName} or its indexes are throttled`,
      metric: m.tableThrottles(table.tableName, table.indexNames),
      threshold: 0,
      ...BURST,
    },
    {
      id: `TableSystemErrors-${table.tableName}`,
      runbook: 'table-system-errors',
      summary: `DynamoDB answers ${table.tableName} requests with server errors`,
      metric: m.tableSystemErrors(table.tableName),
      threshold: 0,
      ...BURST,
    },
    ...receivingRegions.map(
      (receiving): AlarmSpec => ({
        id: `ReplicationLatency-${table.tableName}-${receiving}`,
        runbook: 'replication-latency',
        summary: `Writes to ${table.tableName} reach ${receiving} late`,
        metric: m.replicationLatencyMs(table.tableName, receiving),
        threshold: t.replicationLatencyMs ?? 30_000,
        ...SUSTAINED,
      }),
    ),
  ]);
}

/** Per lake delivery stream: partition overflow, delivery gap, freshness and failed conversions. */
function lakeAlarms({ r, m, t }: AlarmScope): AlarmSpec[] {
  return r.deliveryStreamNames.flatMap((name): AlarmSpec[] => [
    {
      id: `LakePartitionOverflow-${name}`,
      runbook: 'lake-partition-overflow',
      summary: `${name} has more active partitions than its quota: records go to the error prefix`,
      metric: m.deliveryPartitionCountExceeded(name),
      threshold: 0,
    },
    {
      id: `LakeDeliveryGap-${name}`,
      runbook: 'lake-delivery-gap',
      summary: `${name} delivers fewer records to S3 than it ingests`,
      metric: m.deliveredOverIngested(name),
      threshold: t.deliveredRatio ?? 0.9,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
    },
    {
      id: `LakeFreshness-${name}`,
      runbook: 'lake-freshness',
      summary: `Lake delivery ${name} is late`,
      metric: m.deliveryFreshnessSeconds(name),
      threshold: t.deliveryFreshnessSeconds ?? 900,
    },
    {
      id: `LakeFailedConversions-${name}`,
      runbook: 'lake-failed-conversions',
      summary: `Lake delivery ${name} cannot convert records to Parquet`,
      metric: m.deliveryFailedConversions(name),
      threshold: 0,
    },
  ]);
}

/** Account limits: Lambda concurrency against the regional quota. */
function limitAlarms({ region, m, t }: AlarmScope): AlarmSpec[] {
  const quota = t.accountConcurrencyQuota ?? 1_000;
  return [
    {
      id: 'AccountConcurrency',
      runbook: 'account-concurrency',
      summary: `Lambda concurrency in ${region} nears the account quota of ${quota}`,
      metric: m.accountConcurrencyPercent(quota),
      threshold: t.accountConcurrencyPercent ?? 80,
      ...SUSTAINED,
    },
  ];
}

/** Ratios are shares of requests or records; a quota is a positive count. */
function validateThresholds(t: AlarmThresholds): void {
  for (const key of ['ingest5xxRatio', 'reports5xxRatio', 'api4xxRatio', 'deliveredRatio'] as const) {
    const value = t[key];
    if (value !== undefined && !(value > 0 && value <= 1))
      throw new Error(`thresholds.${key} must be a ratio above 0 and at most 1. Received ${value}`);
  }
  const quota = t.accountConcurrencyQuota;
  if (quota !== undefined && !(Number.isInteger(quota) && quota > 0))
    throw new Error(`thresholds.accountConcurrencyQuota must be a positive integer. Received ${quota}`);
}
