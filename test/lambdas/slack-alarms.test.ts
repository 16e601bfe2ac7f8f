import type { Context, SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slackAlarmsFunction } from '../../src/composition/slack-alarms.js';
import { SLACK_ALARMS_ENV } from '../../src/definitions/observability.js';
import { POSTBACK_ENV } from '../../src/definitions/postbacks.js';
import { type Receiver, startReceiver } from '../postbacks/receiver.js';

/**
 * The alarm topic's Slack notifier (`monitoring.slackWebhookSecretName`): a CloudWatch alarm state change,
 * as SNS hands it to Lambda, becomes one Slack message posted to the webhook URL read from the secret.
 * The receiver stands for Slack on 127.0.0.1 (UNMOGROWP_ALLOW_LOOPBACK_POSTBACKS=1, outside Lambda only).
 */

const SECRET_NAME = 'unmogrowp-dev/slack-alarms';

/** An SNS event of a CloudWatch alarm notification, in the shapes AWS sends. */
function alarmEvent(
  alarm: { name: string; state: string; oldState: string; reason: string },
  messageId = 'm-1',
): SNSEvent {
  const message = {
    AlarmName: alarm.name,
    AlarmDescription:
      'Postback deliveries were dead-lettered (24 h of failures, or refused for good). Runbook: docs/operations.md#postback-dead-letters',
    AWSAccountId: '123456789012',
    AlarmConfigurationUpdatedTimestamp: '2026-11-30T09:00:00.000+0000',
    NewStateValue: alarm.state,
    NewStateReason: alarm.reason,
    StateChangeTime: '2026-12-01T05:40:00.000+0000',
    Region: 'EU (Ireland)',
    AlarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarm.name}`,
    OldStateValue: alarm.oldState,
    OKActions: ['arn:aws:sns:eu-west-1:123456789012:unmogrowp-dev-alarms'],
    AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:unmogrowp-dev-alarms'],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      StatisticType: 'Statistic',
      Statistic: 'MAXIMUM',
      Unit: null,
      Dimensions: [{ value: 'unmogrowp-dev-postbacks-dlq', name: 'QueueName' }],
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
    },
  };
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:unmogrowp-dev-alarms:2b1c7e0e',
        Sns: {
          Type: 'Notification',
          MessageId: messageId,
          TopicArn: 'arn:aws:sns:eu-west-1:123456789012:unmogrowp-dev-alarms',
          Subject: `ALARM: "${alarm.name}" in EU (Ireland)`,
          Message: JSON.stringify(message),
          Timestamp: '2026-12-01T05:40:00.123Z',
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-example.pem',
          UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}

const context = {
  functionName: 'slack-alarms',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

describe('Slack notifier of the alarm topic', () => {
  let receiver: Receiver;
  const secretReads: unknown[] = [];
  const handlerFor = (webhookUrl: string, env: Record<string, string> = {}) =>
    slackAlarmsFunction({
      env: {
        [SLACK_ALARMS_ENV.webhookSecretName]: SECRET_NAME,
        [POSTBACK_ENV.allowLoopback]: '1',
        AWS_REGION: 'eu-west-1',
        ...env,
      },
      secrets: {
        send: async (command: { input: unknown }) => {
          secretReads.push(command.input);
          return { SecretString: webhookUrl };
        },
      } as never,
    });

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());
  beforeEach(() => {
    receiver.received.length = 0;
    secretReads.length = 0;
  });

  it('posts an alarm state change as a Slack message to the URL in the secret', async () => {
    const handler = handlerFor(`${receiver.origin}/services/T000/B000/XXXX`);

    await handler(
      alarmEvent({
        name: 'unmogrowp-dev-eu-west-1-PostbackDeadLetters',
        state: 'ALARM',
        oldState: 'OK',
        reason: 'Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (0.0).',
      }),
      context,
    );

    expect(secretReads).toEqual([{ SecretId: SECRET_NAME }]);
    const [post] = receiver.at('/services/T000/B000/XXXX');
    expect(post?.method).toBe('POST');
    expect(post?.headers['content-type']).toBe('application/json; charset=utf-8');
    const message = JSON.parse(post?.body ?? '{}') as { text: string; blocks: { text: { text: string } }[] };
    expect(message.text).toBe(
      ':rotating_light: *unmogrowp-dev-eu-west-1-PostbackDeadLetters* in EU (Ireland) is ALARM (was OK): ' +
        'Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (0.0).',
    );
    expect(message.blocks.map((b) => b.text.text)).toEqual([
      message.text,
      'Postback deliveries were dead-lettered (24 h of failures, or refused for good). Runbook: docs/operations.md#postback-dead-letters',
    ]);
  });

  it('posts the return to OK', async () => {
    const handler = handlerFor(`${receiver.origin}/slack`);
    await handler(
      alarmEvent({ name: 'Backlog', state: 'OK', oldState: 'ALARM', reason: 'Recovered' }),
      context,
    );
    expect(JSON.parse(receiver.at('/slack')[0]?.body ?? '{}').text).toBe(
      ':large_green_circle: *Backlog* in EU (Ireland) is OK (was ALARM): Recovered',
    );
  });

  it('fails the invocation when Slack does not take the message, so Lambda retries it', async () => {
    receiver.script('/down', [500]);
    const handler = handlerFor(`${receiver.origin}/down`);
    await expect(
      handler(alarmEvent({ name: 'Backlog', state: 'ALARM', oldState: 'OK', reason: 'x' }), context),
    ).rejects.toThrow('alarm Backlog not sent to Slack: Slack answered 500');
  });

  it('sends nothing for a message on the topic that is not an alarm notification', async () => {
    const handler = handlerFor(`${receiver.origin}/slack`);
    const event = alarmEvent({ name: 'x', state: 'ALARM', oldState: 'OK', reason: 'x' });
    const record = event.Records[0];
    if (record) record.Sns.Message = 'hello from the console';
    await handler(event, context);
    expect(receiver.received).toEqual([]);
  });

  it('refuses a loopback webhook URL inside Lambda, whatever the environment says', async () => {
    const handler = handlerFor(`${receiver.origin}/slack`, {
      AWS_LAMBDA_FUNCTION_NAME: 'unmogrowp-dev-slack-alarms',
    });
    await expect(
      handler(alarmEvent({ name: 'Backlog', state: 'ALARM', oldState: 'OK', reason: 'x' }), context),
    ).rejects.toThrow('http: URLs are not allowed');
    expect(receiver.received).toEqual([]);
  });

  it('refuses to start without the secret name', () => {
    expect(() => slackAlarmsFunction({ env: {} })).toThrow(
      `${SLACK_ALARMS_ENV.webhookSecretName} is not set`,
    );
  });
});
