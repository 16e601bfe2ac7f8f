import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { AlarmSpec } from './alarm-specs.js';
import { runbookUrl } from './runbooks.js';

export interface PlatformAlarmOptions {
  /** Physical name of the alarm. */
  readonly alarmName: string;
  /** Where it notifies: every platform alarm has an action. */
  readonly alarmAction: cloudwatch.IAlarmAction;
  /**
   * Where the runbooks are published.
   * @default 'docs/operations.md'
   */
  readonly runbookBaseUrl?: string;
}

/**
 * Creates one alarm from its spec: named, described with its runbook link, missing data not breaching,
 * notifying the alarm action (for it firing and for it recovering).
 */
export function createPlatformAlarm(
  scope: Construct,
  spec: AlarmSpec,
  options: PlatformAlarmOptions,
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, spec.id, {
    alarmName: options.alarmName,
    alarmDescription: `${spec.summary}. Runbook: ${runbookUrl(spec.runbook, options.runbookBaseUrl)}`,
    metric: spec.metric,
    threshold: spec.threshold,
    comparisonOperator: spec.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: spec.evaluationPeriods ?? 1,
    datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods ?? 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(options.alarmAction);
  alarm.addOkAction(options.alarmAction);
  return alarm;
}
