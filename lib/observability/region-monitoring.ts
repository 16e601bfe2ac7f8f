import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { MonitoredResources } from './monitored-resources.js';
import { PlatformMetrics } from './platform-metrics.js';

/** Thresholds of the regional alarms. */
export interface AlarmThresholds {
  /**
   * API 5xx responses per 5 minutes.
   * @default 10
   */
  readonly api5xxPer5Minutes?: number;
  /**
   * API p99 latency in milliseconds.
   * @default 2000
   */
  readonly apiP99LatencyMs?: number;
  /**
   * Age of the oldest unread record, in milliseconds.
   * @default 60000
   */
  readonly iteratorAgeMs?: number;
  /**
   * Firehose data freshness in seconds.
   * @default 900
   */
  readonly deliveryFreshnessSeconds?: number;
}

export interface RegionMonitoringProps {
  readonly dashboardName: string;
  readonly region: string;
  readonly resources: MonitoredResources;
  /** Where every alarm notifies. */
  readonly alarmAction: cloudwatch.IAlarmAction;
  /**
   * Alarm thresholds.
   * @default the defaults of {@link AlarmThresholds}
   */
  readonly thresholds?: AlarmThresholds;
}

const WIDTH = 8;

/**
 * One region's dashboard (API, stream, consumers, tables, lake delivery, on-failure queues, attribution
 * outcomes) and alarms on its failure signals, all notifying one action.
 */
export class RegionMonitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: RegionMonitoringProps) {
    super(scope, id);
    const m = new PlatformMetrics(props.region);
    const r = props.resources;
    const t = props.thresholds ?? {};

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: `# UnMoGrowP ${props.region}`, width: 24, height: 1 }),
    );
    this.dashboard.addWidgets(
      graph('API requests', [m.apiRequests(r.apiName)]),
      graph('API 4xx and 5xx', [m.api4xx(r.apiName), m.api5xx(r.apiName)]),
      graph('API latency p95 / p99 (ms)', [m.apiLatency(r.apiName, 'p95'), m.apiLatency(r.apiName, 'p99')]),
    );
    this.dashboard.addWidgets(
      graph(
        'Stream incoming records',
        r.streamNames.map((name) => m.streamIncomingRecords(name)),
      ),
      graph(
        'Stream iterator age (ms)',
        r.streamNames.map((name) => m.streamIteratorAgeMs(name)),
      ),
      graph(
        'Stream throttles',
        r.streamNames.flatMap((name) => [m.streamWriteThrottles(name), m.streamReadThrottles(name)]),
      ),
    );
    const functionNames = [...r.apiFunctionNames, ...r.consumers.map((c) => c.functionName)];
    this.dashboard.addWidgets(
      graph(
        'Function errors',
        functionNames.map((name) => m.functionErrors(name)),
      ),
      graph(
        'Function duration p99 (ms)',
        functionNames.map((name) => m.functionDuration(name)),
      ),
      graph(
        'Function concurrency',
        functionNames.map((name) => m.functionConcurrency(name)),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'DynamoDB consumed capacity',
        r.tableNames.flatMap((name) => [m.tableConsumedReads(name), m.tableConsumedWrites(name)]),
      ),
      graph(
        'DynamoDB throttles',
        r.tableNames.map((name) => m.tableThrottledRequests(name)),
      ),
      graph(
        'On-failure queue depth',
        r.consumers.map((c) => m.queueDepth(c.onFailureQueueName)),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Lake freshness (s)',
        r.deliveryStreamNames.map((name) => m.deliveryFreshnessSeconds(name)),
      ),
      graph(
        'Lake failed conversions',
        r.deliveryStreamNames.map((name) => m.deliveryFailedConversions(name)),
      ),
      graph('Attribution outcomes per minute', m.attributionOutcomes(r.consumerServiceName)),
    );

    this.alarm(
      'Api5xx',
      'API 5xx responses',
      m.api5xx(r.apiName).with({ period: Duration.minutes(5) }),
      t.api5xxPer5Minutes ?? 10,
    );
    this.alarm(
      'ApiLatencyP99',
      'API p99 latency above target',
      m.apiLatency(r.apiName, 'p99').with({ period: Duration.minutes(5) }),
      t.apiP99LatencyMs ?? 2_000,
      3,
    );
    for (const name of r.streamNames) {
      this.alarm(
        `IteratorAge-${name}`,
        `Consumer of ${name} falls behind`,
        m.streamIteratorAgeMs(name),
        t.iteratorAgeMs ?? 60_000,
        5,
      );
      this.alarm(
        `WriteThrottles-${name}`,
        `Writes to ${name} are throttled`,
        m.streamWriteThrottles(name),
        0,
        5,
      );
    }
    for (const name of functionNames) {
      this.alarm(
        `Errors-${name}`,
        `${name} fails`,
        m.functionErrors(name).with({ period: Duration.minutes(5) }),
        5,
      );
    }
    for (const name of r.tableNames) {
      this.alarm(
        `Throttles-${name}`,
        `Requests to ${name} are throttled`,
        m.tableThrottledRequests(name),
        0,
        5,
      );
    }
    for (const name of r.deliveryStreamNames) {
      this.alarm(
        `Freshness-${name}`,
        `Lake delivery ${name} is late`,
        m.deliveryFreshnessSeconds(name),
        t.deliveryFreshnessSeconds ?? 900,
      );
      this.alarm(
        `FailedConversions-${name}`,
        `Lake delivery ${name} drops records it cannot convert`,
        m.deliveryFailedConversions(name),
        0,
      );
    }
    for (const alarm of this.alarms) alarm.addAlarmAction(props.alarmAction);
  }

  private alarm(
    id: string,
    description: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    evaluationPeriods = 1,
  ): void {
    this.alarms.push(
      new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}

export function graph(title: string, left: cloudwatch.IMetric[]): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left, width: WIDTH, height: 6 });
}
