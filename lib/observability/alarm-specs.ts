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
  const m = new PlatformMetrics(region);
  const t = thresholds;
  const minimum = t.minimumRequests ?? 20;
  const specs: AlarmSpec[] = [];
  const add = (spec: AlarmSpec) => specs.push(spec);

  // Ingest: error ratios per API function, ingest latency, throttles.
  for (const fn of r.apiFunctions) {
    add({
      id: `ApiServerErrors-${fn.service}`,
      runbook: 'api-server-errors',
      summary: `The ${fn.service} function answers 5xx to more requests than allowed`,
      metric: m.serverErrorRatio(fn.service, minimum),
      threshold: fn.service === 'ingest' ? (t.ingest5xxRatio ?? 0.01) : (t.reports5xxRatio ?? 0.05),
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    add({
      id: `ApiClientErrors-${fn.service}`,
      runbook: 'api-client-errors',
      summary: `The ${fn.service} function refuses a large share of requests (4xx)`,
      metric: m.clientErrorRatio(fn.service, minimum),
      threshold: t.api4xxRatio ?? 0.25,
      evaluationPeriods: 3,
    });
  }
  const ingest = r.apiFunctions.find((fn) => fn.service === 'ingest');
  if (ingest) {
    add({
      id: 'IngestLatency',
      runbook: 'ingest-latency',
      summary: 'The ingest function is slow (p99 duration)',
      metric: m.functionDuration(ingest.functionName).with({ period: Duration.minutes(5) }),
      threshold: t.ingestP99Ms ?? 1_000,
      evaluationPeriods: 3,
    });
  }
  const functionNames = [...r.apiFunctionNames, ...r.consumers.map((c) => c.functionName)];
  for (const name of functionNames) {
    add({
      id: `Throttles-${name}`,
      runbook: 'function-throttles',
      summary: `Invocations of ${name} are throttled`,
      metric: m.functionThrottles(name),
      threshold: 0,
      ...BURST,
    });
  }
  for (const name of r.apiFunctionNames) {
    add({
      id: `Errors-${name}`,
      runbook: 'function-errors',
      summary: `${name} fails invocations (unhandled errors, timeouts)`,
      metric: m.functionErrors(name).with({ period: Duration.minutes(5) }),
      threshold: 5,
    });
  }

  // Stream.
  for (const name of r.streamNames) {
    add({
      id: `StreamWriteThrottles-${name}`,
      runbook: 'stream-write-throttles',
      summary: `Writes to ${name} are throttled`,
      metric: m.streamWriteThrottles(name),
      threshold: 0,
      ...BURST,
    });
  }
  for (const c of r.consumers) {
    add({
      id: `IteratorAge-${c.functionName}`,
      runbook: 'consumer-iterator-age',
      summary: `${c.functionName} falls behind its stream`,
      metric: m.consumerIteratorAgeMs(c.functionName),
      threshold: t.iteratorAgeMs ?? 60_000,
      ...SUSTAINED,
    });
    add({
      id: `ConsumerErrors-${c.functionName}`,
      runbook: 'function-errors',
      summary: `${c.functionName} fails whole batches (a lake write or an unhandled error)`,
      metric: m.functionErrors(c.functionName),
      threshold: 0,
      ...SUSTAINED,
    });
    add({
      id: `DeadLetters-${c.onFailureQueueName}`,
      runbook: 'dead-letters',
      summary: `Stream records ${c.functionName} gave up on wait in ${c.onFailureQueueName}`,
      metric: m.queueDepth(c.onFailureQueueName),
      threshold: 0,
    });
  }

  // Attribution: the consumer's own record counts.
  add({
    id: 'ConsumerFailedRecords',
    runbook: 'consumer-failed-records',
    summary: 'The consumer reports records as failed (retried) minute after minute',
    metric: m.consumerRecords('failed'),
    threshold: 0,
    ...SUSTAINED,
  });
  add({
    id: 'QuarantinedRecords',
    runbook: 'quarantined-records',
    summary: 'Undecodable stream records were quarantined (not attributed)',
    metric: m.consumerRecords('poisoned'),
    threshold: 0,
  });
  add({
    id: 'ConsumerRedeliveredRecords',
    runbook: 'consumer-redelivered-records',
    summary: 'The consumer keeps receiving records it already committed (crash or lake-write retries)',
    metric: m.consumerRecords('redelivered'),
    threshold: 0,
    ...SUSTAINED,
  });

  // Storage.
  for (const table of r.tables) {
    add({
      id: `TableThrottles-${table.tableName}`,
      runbook: 'table-throttles',
      summary: `Requests to ${table.tableName} or its indexes are throttled`,
      metric: m.tableThrottles(table.tableName, table.indexNames),
      threshold: 0,
      ...BURST,
    });
    add({
      id: `TableSystemErrors-${table.tableName}`,
      runbook: 'table-system-errors',
      summary: `DynamoDB answers ${table.tableName} requests with server errors`,
      metric: m.tableSystemErrors(table.tableName),
      threshold: 0,
      ...BURST,
    });
    for (const receiving of r.regions.filter((other) => other !== region)) {
      add({
        id: `ReplicationLatency-${table.tableName}-${receiving}`,
        runbook: 'replication-latency',
        summary: `Writes to ${table.tableName} reach ${receiving} late`,
        metric: m.replicationLatencyMs(table.tableName, receiving),
        threshold: t.replicationLatencyMs ?? 30_000,
        ...SUSTAINED,
      });
    }
  }

  // Lake.
  for (const name of r.deliveryStreamNames) {
    add({
      id: `LakePartitionOverflow-${name}`,
      runbook: 'lake-partition-overflow',
      summary: `${name} has more active partitions than its quota: records go to the error prefix`,
      metric: m.deliveryPartitionCountExceeded(name),
      threshold: 0,
    });
    add({
      id: `LakeDeliveryGap-${name}`,
      runbook: 'lake-delivery-gap',
      summary: `${name} delivers fewer records to S3 than it ingests`,
      metric: m.deliveredOverIngested(name),
      threshold: t.deliveredRatio ?? 0.9,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });
    add({
      id: `LakeFreshness-${name}`,
      runbook: 'lake-freshness',
      summary: `Lake delivery ${name} is late`,
      metric: m.deliveryFreshnessSeconds(name),
      threshold: t.deliveryFreshnessSeconds ?? 900,
    });
    add({
      id: `LakeFailedConversions-${name}`,
      runbook: 'lake-failed-conversions',
      summary: `Lake delivery ${name} cannot convert records to Parquet`,
      metric: m.deliveryFailedConversions(name),
      threshold: 0,
    });
  }

  // Limits.
  const quota = t.accountConcurrencyQuota ?? 1_000;
  add({
    id: 'AccountConcurrency',
    runbook: 'account-concurrency',
    summary: `Lambda concurrency in ${region} nears the account quota of ${quota}`,
    metric: m.accountConcurrencyPercent(quota),
    threshold: t.accountConcurrencyPercent ?? 80,
    ...SUSTAINED,
  });
  return specs;
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
