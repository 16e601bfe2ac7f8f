import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { SLACK_ALARMS_ENV } from '../../src/definitions/observability.js';
import type { PlatformFunction } from '../compute/platform-function.js';

export interface SlackAlarmNotifierProps {
  /** The notifier (`handler: 'slackAlarms'`); this construct subscribes it and lets it read the secret. */
  readonly notifier: PlatformFunction;
  /** The region's alarm topic, which every platform alarm notifies. */
  readonly topic: sns.ITopic;
  /**
   * Name of the Secrets Manager secret (in this region) holding the Slack incoming-webhook URL. Read,
   * never created: the operator makes it.
   */
  readonly webhookSecretName: string;
}

/**
 * Routes a region's alarms to Slack: the notifier function subscribed to the alarm topic, posting each
 * alarm state change to the incoming webhook whose URL the named secret holds. The function may read
 * that secret and nothing else of Secrets Manager.
 *
 * @example
 * new SlackAlarmNotifier(this, 'SlackAlarms', { notifier, topic: alarmTopic.topic,
 *   webhookSecretName: 'unmogrowp/slack-alarms' });
 */
export class SlackAlarmNotifier extends Construct {
  readonly webhookSecret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: SlackAlarmNotifierProps) {
    super(scope, id);
    const fn = props.notifier.function;
    // Imported by name: the grant names `<name>-??????` (Secrets Manager's suffix), this secret only.
    this.webhookSecret = secretsmanager.Secret.fromSecretNameV2(
      this,
      'WebhookSecret',
      props.webhookSecretName,
    );
    this.webhookSecret.grantRead(fn);
    fn.addEnvironment(SLACK_ALARMS_ENV.webhookSecretName, props.webhookSecretName);
    props.topic.addSubscription(new subscriptions.LambdaSubscription(fn));
  }
}
