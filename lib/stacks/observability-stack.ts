import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { PlatformFunction } from '../compute/platform-function.js';
import { alarmName } from '../observability/alarm-specs.js';
import { GlobalDashboard } from '../observability/global-dashboard.js';
import { createPlatformAlarm } from '../observability/platform-alarm.js';
import { PlatformMetrics } from '../observability/platform-metrics.js';
import { RegionMonitoring } from '../observability/region-monitoring.js';
import { SlackAlarmNotifier } from '../observability/slack-alarm-notifier.js';
import type { PlatformPlan } from '../platform-plan.js';
import { quotasOf } from '../quotas.js';

export interface ObservabilityStackProps extends StackProps {
  readonly plan: PlatformPlan;
  /** Where the region's alarms notify. */
  readonly alarmAction: cloudwatch.IAlarmAction;
  /** The region's alarm topic (the Slack notifier subscribes to it). */
  readonly alarmTopic: sns.ITopic;
  /** Project root holding `lambdas/` and `package-lock.json` (the Slack notifier's bundle). */
  readonly projectRoot: string;
}

/**
 * One region's dashboard and alarms; in the home region also the global dashboard; with
 * `monitoring.slackWebhookSecretName`, the alarm topic's Slack notifier. Everything is addressed by
 * physical name, so this stack holds no references into the other stacks but the alarm topic.
 */
export class ObservabilityStack extends Stack {
  readonly monitoring: RegionMonitoring;
  readonly globalDashboard?: GlobalDashboard;
  /** Alarms to Slack, when `monitoring.slackWebhookSecretName` is set. */
  readonly slackAlarms?: SlackAlarmNotifier;
  /**
   * The Slack notifier failing its invocations (Lambda retries an SNS delivery twice, then drops it):
   * notifies the alarm topic, so the e-mail subscription still tells someone.
   */
  readonly slackAlarmsErrors?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { plan } = props;
    this.monitoring = new RegionMonitoring(this, 'Monitoring', {
      dashboardName: plan.names.dashboardName(this.region),
      region: this.region,
      resources: plan.monitoredResources,
      alarmAction: props.alarmAction,
      // The account's own quota, not AWS's default: a raised quota must not page at 800 executions.
      thresholds: { accountConcurrencyQuota: quotasOf(plan.config).lambdaConcurrency },
    });
    if (this.region === plan.config.homeRegion) {
      this.globalDashboard = new GlobalDashboard(this, 'Global', {
        dashboardName: plan.names.dashboardName('global'),
        regions: plan.config.regions.map((region) => ({ region, resources: plan.monitoredResources })),
      });
    }
    const { slackWebhookSecretName } = plan.config.monitoring;
    if (slackWebhookSecretName !== undefined) {
      const notifier = new PlatformFunction(this, 'SlackAlarmsFunction', {
        handler: 'slackAlarms',
        functionName: plan.slackAlarmsFunctionName,
        projectRoot: props.projectRoot,
        logRetention: plan.logRetention,
        logRemovalPolicy: plan.removalPolicy,
        memorySize: 256,
        timeout: Duration.seconds(30),
      });
      this.slackAlarms = new SlackAlarmNotifier(this, 'SlackAlarms', {
        notifier,
        topic: props.alarmTopic,
        webhookSecretName: slackWebhookSecretName,
      });
      const id = `Errors-${plan.slackAlarmsFunctionName}`;
      this.slackAlarmsErrors = createPlatformAlarm(
        this,
        {
          id,
          runbook: 'function-errors',
          summary: `${plan.slackAlarmsFunctionName} fails to post alarms to Slack (e-mail still gets them)`,
          metric: new PlatformMetrics(this.region)
            .functionErrors(plan.slackAlarmsFunctionName)
            .with({ period: Duration.minutes(5) }),
          threshold: 0,
        },
        { alarmName: alarmName(plan.monitoredResources, id), alarmAction: props.alarmAction },
      );
    }
  }
}
