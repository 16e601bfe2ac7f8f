import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  ATTRIBUTION_METRICS,
  AUDIT_METRICS,
  CONSUMER_METRICS,
  type CustomMetricIdentity,
  customMetric,
  HTTP_METRICS,
  type ServiceKey,
} from '../../src/definitions/index.js';

/** DynamoDB operations whose `SystemErrors` the alarms sum (what the adapters call). */
export const DYNAMODB_OPERATIONS = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
] as const;

/** Event source mapping `EventCount` metrics (enabled with `MetricsConfig`). */
export const EVENT_SOURCE_METRICS = {
  polled: 'PolledEventCount',
  dropped: 'DroppedEventCount',
  onFailure: 'OnFailureDestinationDeliveredEventCount',
  failedInvoke: 'FailedInvokeEventCount',
} as const;

/** A metric math id, unique per resource and region (ids must match `^[a-z][a-zA-Z0-9_]*$`). */
export function mathId(...parts: readonly string[]): string {
  return `m_${parts.join('_')}`.replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
}

/**
 * Metrics of the platform addressed by physical name and region, so a dashboard in one region can chart
 * another region's resources without cross-region references. Every label ends with the region. Every
 * metric is per minute unless named.
 */
export class PlatformMetrics {
  /** @param region region of the resources, named on every metric and in every label. */
  constructor(readonly region: string) {}

  private metric(
    namespace: string,
    metricName: string,
    dimensionsMap: Record<string, string>,
    statistic: string,
    label: string,
    period: Duration = Duration.minutes(1),
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace,
      metricName,
      dimensionsMap,
      statistic,
      period,
      region: this.region,
      label: `${label} ${this.region}`,
    });
  }

  /** A metric one of our functions emits, by its identity in `src/definitions`. */
  custom(identity: CustomMetricIdentity, statistic: string, label: string): cloudwatch.Metric {
    return this.metric(identity.namespace, identity.metricName, { ...identity.dimensions }, statistic, label);
  }

  private ratio(
    id: string,
    numerator: cloudwatch.IMetric,
    denominator: cloudwatch.IMetric,
    label: string,
    minimum: number,
    period: Duration,
  ): cloudwatch.MathExpression {
    const n = mathId('n', id, this.region);
    const d = mathId('d', id, this.region);
    return new cloudwatch.MathExpression({
      // Below `minimum` requests a single error would read as a large ratio: report 0 instead.
      expression: `IF(${d} >= ${minimum}, ${n} / ${d}, 0)`,
      usingMetrics: { [n]: numerator, [d]: denominator },
      label: `${label} ${this.region}`,
      period,
    });
  }

  // API Gateway (the stage as a whole) and our per-function request metrics.

  apiRequests(apiName: string): cloudwatch.Metric {
    return this.metric('AWS/ApiGateway', 'Count', { ApiName: apiName }, 'Sum', 'requests');
  }

  apiLatency(apiName: string, statistic: 'p95' | 'p99'): cloudwatch.Metric {
    return this.metric('AWS/ApiGateway', 'Latency', { ApiName: apiName }, statistic, `latency ${statistic}`);
  }

  serviceRequests(service: ServiceKey): cloudwatch.Metric {
    return this.custom(customMetric(service, HTTP_METRICS.requests), 'Sum', `${service} requests`);
  }

  service4xx(service: ServiceKey): cloudwatch.Metric {
    return this.custom(customMetric(service, HTTP_METRICS.clientErrors), 'Sum', `${service} 4xx`);
  }

  /** Audit log entries an API function failed to write after the change they record succeeded. */
  auditWriteFailures(service: ServiceKey): cloudwatch.Metric {
    return this.custom(
      customMetric(service, AUDIT_METRICS.writeFailures),
      'Sum',
      `${service} audit write failures`,
    );
  }

  service5xx(service: ServiceKey): cloudwatch.Metric {
    return this.custom(customMetric(service, HTTP_METRICS.serverErrors), 'Sum', `${service} 5xx`);
  }

  /** 5xx responses of one API function over its requests (0 under `minimumRequests`). */
  serverErrorRatio(service: ServiceKey, minimumRequests = 20, period = Duration.minutes(5)) {
    return this.ratio(
      `${service}_5xx`,
      this.service5xx(service).with({ period }),
      this.serviceRequests(service).with({ period }),
      `${service} 5xx ratio`,
      minimumRequests,
      period,
    );
  }

  /** 4xx responses of one API function over its requests (0 under `minimumRequests`). */
  clientErrorRatio(service: ServiceKey, minimumRequests = 20, period = Duration.minutes(5)) {
    return this.ratio(
      `${service}_4xx`,
      this.service4xx(service).with({ period }),
      this.serviceRequests(service).with({ period }),
      `${service} 4xx ratio`,
      minimumRequests,
      period,
    );
  }

  // Kinesis.

  streamIncomingRecords(streamName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Kinesis',
      'IncomingRecords',
      { StreamName: streamName },
      'Sum',
      `incoming ${streamName}`,
    );
  }

  streamIncomingBytes(streamName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Kinesis',
      'IncomingBytes',
      { StreamName: streamName },
      'Sum',
      `bytes in ${streamName}`,
    );
  }

  streamWriteThrottles(streamName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Kinesis',
      'WriteProvisionedThroughputExceeded',
      { StreamName: streamName },
      'Sum',
      `write throttles ${streamName}`,
    );
  }

  // Lambda.

  /** Age of the last record the function's event source mapping read: this consumer's own lag. */
  consumerIteratorAgeMs(functionName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Lambda',
      'IteratorAge',
      { FunctionName: functionName },
      'Maximum',
      `iterator age ${functionName}`,
    );
  }

  functionErrors(functionName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Lambda',
      'Errors',
      { FunctionName: functionName },
      'Sum',
      `errors ${functionName}`,
    );
  }

  functionThrottles(functionName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Lambda',
      'Throttles',
      { FunctionName: functionName },
      'Sum',
      `throttles ${functionName}`,
    );
  }

  functionInvocations(functionName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Lambda',
      'Invocations',
      { FunctionName: functionName },
      'Sum',
      `invocations ${functionName}`,
    );
  }

  functionDuration(functionName: string, statistic: 'p99' | 'Sum' = 'p99'): cloudwatch.Metric {
    return this.metric(
      'AWS/Lambda',
      'Duration',
      { FunctionName: functionName },
      statistic,
      `duration ${statistic} ${functionName}`,
    );
  }

  functionConcurrency(functionName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Lambda',
      'ConcurrentExecutions',
      { FunctionName: functionName },
      'Maximum',
      `concurrency ${functionName}`,
    );
  }

  /** The account's concurrent executions in the region, in percent of `quota`. */
  accountConcurrencyPercent(quota: number): cloudwatch.MathExpression {
    const id = mathId('account_concurrency', this.region);
    return new cloudwatch.MathExpression({
      expression: `100 * ${id} / ${quota}`,
      usingMetrics: {
        [id]: this.metric('AWS/Lambda', 'ConcurrentExecutions', {}, 'Maximum', 'account concurrency'),
      },
      label: `account concurrency % of ${quota} ${this.region}`,
      period: Duration.minutes(1),
    });
  }

  /** Event source mapping counts of every mapping in the region (`MetricsConfig: EventCount`). */
  eventSourceCounts(): cloudwatch.MathExpression {
    const names = Object.values(EVENT_SOURCE_METRICS)
      .map((n) => `MetricName="${n}"`)
      .join(' OR ');
    return new cloudwatch.MathExpression({
      expression: `SEARCH('{AWS/Lambda,EventSourceMappingUUID} (${names})', 'Sum', 60)`,
      label: `\${PROP('MetricName')} \${PROP('Dim.EventSourceMappingUUID')} ${this.region}`,
      searchRegion: this.region,
      period: Duration.minutes(1),
    });
  }

  // The consumer's own metrics (EMF).

  attributionOutcomes(): cloudwatch.Metric[] {
    return Object.entries(ATTRIBUTION_METRICS).map(([outcome, metricName]) =>
      this.custom(customMetric('consumer', metricName), 'Sum', outcome),
    );
  }

  consumerRecords(
    which:
      | 'failed'
      | 'poisoned'
      | 'redelivered'
      | 'lakeRecords'
      | 'forwarded'
      | 'forwardFailed'
      | 'awaitingHome',
  ): cloudwatch.Metric {
    return this.custom(customMetric('consumer', CONSUMER_METRICS[which]), 'Sum', `${which} records`);
  }

  // DynamoDB.

  tableConsumed(tableName: string, which: 'Read' | 'Write'): cloudwatch.Metric {
    return this.metric(
      'AWS/DynamoDB',
      `Consumed${which}CapacityUnits`,
      { TableName: tableName },
      'Sum',
      `${which === 'Read' ? 'RCU' : 'WCU'} ${tableName}`,
    );
  }

  /** Read and write throttle events of a table and each of its global secondary indexes. */
  tableThrottles(tableName: string, indexNames: readonly string[]): cloudwatch.MathExpression {
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    for (const index of [undefined, ...indexNames]) {
      const dims: Record<string, string> = { TableName: tableName };
      if (index) dims.GlobalSecondaryIndexName = index;
      for (const kind of ['Read', 'Write'] as const) {
        usingMetrics[mathId(kind, tableName, index ?? 'base', this.region)] = this.metric(
          'AWS/DynamoDB',
          `${kind}ThrottleEvents`,
          dims,
          'Sum',
          `${kind} throttles ${tableName}${index ? ` ${index}` : ''}`,
        );
      }
    }
    return new cloudwatch.MathExpression({
      expression: Object.keys(usingMetrics).join(' + '),
      usingMetrics,
      label: `throttles ${tableName} (with GSIs) ${this.region}`,
      period: Duration.minutes(1),
    });
  }

  /** Server-side errors of a table, summed over the operations the adapters call. */
  tableSystemErrors(tableName: string): cloudwatch.MathExpression {
    const usingMetrics = Object.fromEntries(
      DYNAMODB_OPERATIONS.map((op) => [
        mathId('se', op, tableName, this.region),
        this.metric('AWS/DynamoDB', 'SystemErrors', { TableName: tableName, Operation: op }, 'Sum', `${op}`),
      ]),
    );
    return new cloudwatch.MathExpression({
      expression: Object.keys(usingMetrics)
        .map((id) => `FILL(${id}, 0)`)
        .join(' + '),
      usingMetrics,
      label: `system errors ${tableName} ${this.region}`,
      period: Duration.minutes(1),
    });
  }

  /** Replication latency of writes made here to the replica in `receivingRegion`. */
  replicationLatencyMs(tableName: string, receivingRegion: string): cloudwatch.Metric {
    return this.metric(
      'AWS/DynamoDB',
      'ReplicationLatency',
      { TableName: tableName, ReceivingRegion: receivingRegion },
      'Average',
      `replication to ${receivingRegion} ${tableName}`,
    );
  }

  // Firehose.

  private delivery(name: string, metricName: string, statistic: string, label: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Firehose',
      metricName,
      { DeliveryStreamName: name },
      statistic,
      `${label} ${name}`,
      Duration.minutes(5),
    );
  }

  deliveryIncomingRecords(name: string): cloudwatch.Metric {
    return this.delivery(name, 'IncomingRecords', 'Sum', 'ingested');
  }

  deliveryIncomingBytes(name: string): cloudwatch.Metric {
    return this.delivery(name, 'IncomingBytes', 'Sum', 'bytes in');
  }

  deliveryDeliveredRecords(name: string): cloudwatch.Metric {
    return this.delivery(name, 'DeliveryToS3.Records', 'Sum', 'delivered');
  }

  deliveryFreshnessSeconds(name: string): cloudwatch.Metric {
    return this.delivery(name, 'DeliveryToS3.DataFreshness', 'Maximum', 'freshness');
  }

  deliveryFailedConversions(name: string): cloudwatch.Metric {
    return this.delivery(name, 'FailedConversion.Records', 'Sum', 'failed conversions');
  }

  /** 1 while the delivery stream has more active partitions than its quota (records go to errors). */
  deliveryPartitionCountExceeded(name: string): cloudwatch.Metric {
    return this.delivery(name, 'PartitionCountExceeded', 'Maximum', 'partition count exceeded');
  }

  deliveryPartitionCount(name: string): cloudwatch.Metric {
    return this.delivery(name, 'PartitionCount', 'Maximum', 'active partitions');
  }

  /** Records delivered to S3 over records ingested, per 15 minutes (1 while nothing came in). */
  deliveredOverIngested(name: string): cloudwatch.MathExpression {
    const period = Duration.minutes(15);
    const i = mathId('in', name, this.region);
    const d = mathId('out', name, this.region);
    return new cloudwatch.MathExpression({
      expression: `IF(${i} > 0, FILL(${d}, 0) / ${i}, 1)`,
      usingMetrics: {
        [i]: this.deliveryIncomingRecords(name).with({ period }),
        [d]: this.deliveryDeliveredRecords(name).with({ period }),
      },
      label: `delivered / ingested ${name} ${this.region}`,
      period,
    });
  }

  // SQS.

  queueDepth(queueName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      { QueueName: queueName },
      'Maximum',
      `depth ${queueName}`,
    );
  }
}
