import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ATTRIBUTION_METRICS, METRICS_NAMESPACE } from '../../src/definitions/index.js';

/**
 * Metrics of the platform addressed by physical name and region, so a dashboard in one region can chart
 * another region's resources without cross-region references. Every metric is per minute unless named.
 */
export class PlatformMetrics {
  /** @param region region of the resources, named on every metric and used in labels. */
  constructor(readonly region: string) {}

  private metric(
    namespace: string,
    metricName: string,
    dimensionsMap: Record<string, string>,
    statistic: string,
    label?: string,
    period: Duration = Duration.minutes(1),
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace,
      metricName,
      dimensionsMap,
      statistic,
      period,
      region: this.region,
      label,
    });
  }

  apiRequests(apiName: string): cloudwatch.Metric {
    return this.metric('AWS/ApiGateway', 'Count', { ApiName: apiName }, 'Sum', `requests ${this.region}`);
  }

  api4xx(apiName: string): cloudwatch.Metric {
    return this.metric('AWS/ApiGateway', '4XXError', { ApiName: apiName }, 'Sum', `4xx ${this.region}`);
  }

  api5xx(apiName: string): cloudwatch.Metric {
    return this.metric('AWS/ApiGateway', '5XXError', { ApiName: apiName }, 'Sum', `5xx ${this.region}`);
  }

  apiLatency(apiName: string, statistic: 'p95' | 'p99'): cloudwatch.Metric {
    return this.metric(
      'AWS/ApiGateway',
      'Latency',
      { ApiName: apiName },
      statistic,
      `${statistic} ${this.region}`,
    );
  }

  streamIncomingRecords(streamName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Kinesis',
      'IncomingRecords',
      { StreamName: streamName },
      'Sum',
      `incoming ${streamName}`,
    );
  }

  streamIteratorAgeMs(streamName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Kinesis',
      'GetRecords.IteratorAgeMilliseconds',
      { StreamName: streamName },
      'Maximum',
      `iterator age ${streamName}`,
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

  streamReadThrottles(streamName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Kinesis',
      'ReadProvisionedThroughputExceeded',
      { StreamName: streamName },
      'Sum',
      `read throttles ${streamName}`,
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

  functionDuration(functionName: string, statistic: 'p95' | 'p99' = 'p99'): cloudwatch.Metric {
    return this.metric(
      'AWS/Lambda',
      'Duration',
      { FunctionName: functionName },
      statistic,
      `${statistic} ${functionName}`,
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

  tableConsumedReads(tableName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/DynamoDB',
      'ConsumedReadCapacityUnits',
      { TableName: tableName },
      'Sum',
      `RCU ${tableName}`,
    );
  }

  tableConsumedWrites(tableName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/DynamoDB',
      'ConsumedWriteCapacityUnits',
      { TableName: tableName },
      'Sum',
      `WCU ${tableName}`,
    );
  }

  tableThrottledRequests(tableName: string): cloudwatch.MathExpression {
    // Metric ids must be unique within a graph that charts several tables and regions.
    const id = `${tableName}_${this.region}`.replace(/[^A-Za-z0-9]/g, '_').toLowerCase();
    return new cloudwatch.MathExpression({
      expression: `r_${id} + w_${id}`,
      usingMetrics: {
        [`r_${id}`]: this.metric('AWS/DynamoDB', 'ReadThrottleEvents', { TableName: tableName }, 'Sum'),
        [`w_${id}`]: this.metric('AWS/DynamoDB', 'WriteThrottleEvents', { TableName: tableName }, 'Sum'),
      },
      label: `throttles ${tableName}`,
      period: Duration.minutes(1),
    });
  }

  deliveryFreshnessSeconds(deliveryStreamName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Firehose',
      'DeliveryToS3.DataFreshness',
      { DeliveryStreamName: deliveryStreamName },
      'Maximum',
      `freshness ${deliveryStreamName}`,
      Duration.minutes(5),
    );
  }

  deliveryFailedConversions(deliveryStreamName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/Firehose',
      'FailedConversion.Records',
      { DeliveryStreamName: deliveryStreamName },
      'Sum',
      `failed conversions ${deliveryStreamName}`,
      Duration.minutes(5),
    );
  }

  queueDepth(queueName: string): cloudwatch.Metric {
    return this.metric(
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      { QueueName: queueName },
      'Maximum',
      `depth ${queueName}`,
    );
  }

  /** Attribution outcomes the consumer emits through Powertools (dimension `service`). */
  attributionOutcomes(serviceName: string): cloudwatch.Metric[] {
    return Object.entries(ATTRIBUTION_METRICS).map(([outcome, metricName]) =>
      this.metric(
        METRICS_NAMESPACE,
        metricName,
        { service: serviceName },
        'Sum',
        `${outcome} ${this.region}`,
      ),
    );
  }
}
