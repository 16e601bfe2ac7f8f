import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { AlarmSpec } from './alarm-specs.js';
import { createPlatformAlarm } from './platform-alarm.js';
import { EVENT_SOURCE_METRICS } from './platform-metrics.js';

export interface ConsumerEventSourceAlarmsProps {
  /** The consumer function (names the alarms). */
  readonly functionName: string;
  /** The id of its Kinesis event source mapping, whose `EventCount` metrics are enabled. */
  readonly eventSourceMappingId: string;
  /** Prefix of the alarm names (see `MonitoredResources.alarmNamePrefix`). */
  readonly alarmNamePrefix: string;
  readonly alarmAction: cloudwatch.IAlarmAction;
  /**
   * Where the runbooks are published.
   * @default 'docs/operations.md'
   */
  readonly runbookBaseUrl?: string;
}

/** The ids of the alarms {@link ConsumerEventSourceAlarms} creates for a consumer. */
export function consumerEventSourceAlarmIds(functionName: string): string[] {
  return [`DroppedEvents-${functionName}`, `OnFailureEvents-${functionName}`];
}

/**
 * Alarms on a consumer's event source mapping (`MetricsConfig: EventCount`): records dropped (past the
 * maximum age or retries) and records handed to the on-failure destination. They live beside the mapping
 * because its id exists only there; the dashboards list them by name.
 */
export class ConsumerEventSourceAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ConsumerEventSourceAlarmsProps) {
    super(scope, id);
    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: { EventSourceMappingUUID: props.eventSourceMappingId },
        statistic: 'Sum',
        period: Duration.minutes(1),
      });
    const [dropped, onFailure] = consumerEventSourceAlarmIds(props.functionName);
    const specs: AlarmSpec[] = [
      {
        id: dropped ?? 'DroppedEvents',
        runbook: 'consumer-dropped-events',
        summary: `The event source of ${props.functionName} dropped records`,
        metric: metric(EVENT_SOURCE_METRICS.dropped),
        threshold: 0,
      },
      {
        id: onFailure ?? 'OnFailureEvents',
        runbook: 'dead-letters',
        summary: `The event source of ${props.functionName} sent records to its on-failure queue`,
        metric: metric(EVENT_SOURCE_METRICS.onFailure),
        threshold: 0,
      },
    ];
    this.alarms = specs.map((spec) =>
      createPlatformAlarm(this, spec, {
        alarmName: `${props.alarmNamePrefix}-${spec.id}`,
        alarmAction: props.alarmAction,
        ...(props.runbookBaseUrl ? { runbookBaseUrl: props.runbookBaseUrl } : {}),
      }),
    );
  }
}
