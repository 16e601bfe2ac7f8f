import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PLATFORM_CONFIG } from '../../../lib/config/default-config.js';
import { parsePlatformConfig } from '../../../lib/config/index.js';
import type { Platform } from '../../../lib/platform.js';
import { SLACK_ALARMS_ENV } from '../../../src/definitions/observability.js';
import { allStacks, buildTestPlatform, nagErrors, regionOf, templateOf } from '../support/platform.js';

/**
 * `monitoring.slackWebhookSecretName`: in every region, a notifier function subscribed to the alarm topic,
 * allowed to read that one secret.
 */

const SECRET_NAME = 'unmogrowp/slack-alarms';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

function statementsOfRole(platform: Platform, region: string, rolePrefix: string): Statement[] {
  const template = templateOf(regionOf(platform, region).observability);
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([, policy]) =>
      (policy.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(rolePrefix)),
    )
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

describe('alarms to Slack', () => {
  let platform: Platform;
  beforeAll(() => {
    platform = buildTestPlatform({ monitoring: { slackWebhookSecretName: SECRET_NAME } });
  });

  it.each(['us-east-1', 'eu-west-1'])(
    'runs a notifier in %s with the secret name in its environment',
    (region) => {
      const template = templateOf(regionOf(platform, region).observability);
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: 'unmogrowp-dev-slack-alarms',
        Environment: {
          Variables: Match.objectLike({
            [SLACK_ALARMS_ENV.webhookSecretName]: SECRET_NAME,
            POWERTOOLS_SERVICE_NAME: 'slack-alarms',
          }),
        },
      });
    },
  );

  it.each(['us-east-1', 'eu-west-1'])('subscribes the notifier to the alarm topic of %s', (region) => {
    const template = templateOf(regionOf(platform, region).observability);
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription'));
    expect(subscriptions).toHaveLength(1);
    const subscription = subscriptions[0]?.Properties;
    expect(subscription).toMatchObject({
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [expect.stringMatching(/^SlackAlarmsFunction/), 'Arn'] },
    });
    // The alarm topic of the same region's stateful stack.
    const topic = JSON.stringify(subscription?.TopicArn);
    expect(topic).toContain('AlarmsTopic');
    expect(topic).toContain(`UnMoGrowP-dev-${region}-Stateful`);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map(
      (p) => p.Properties,
    );
    expect(permissions).toContainEqual(
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Principal: 'sns.amazonaws.com',
        SourceArn: subscription?.TopicArn,
        SourceAccount: expect.anything(),
      }),
    );
  });

  it.each(['us-east-1', 'eu-west-1'])(
    'alarms in %s when the notifier fails, on the alarm topic (its e-mail still tells someone)',
    (region) => {
      const template = templateOf(regionOf(platform, region).observability);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'unmogrowp-dev-Errors-unmogrowp-dev-slack-alarms',
        Metrics: [
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: 'Errors',
                Dimensions: [{ Name: 'FunctionName', Value: 'unmogrowp-dev-slack-alarms' }],
              },
            }),
          }),
        ],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmDescription: Match.stringLikeRegexp('Runbook: .*#runbook-function-errors$'),
        AlarmActions: [Match.anyValue()],
        OKActions: [Match.anyValue()],
      });
    },
  );

  it('lets the notifier read that one secret, and nothing else of Secrets Manager', () => {
    const statements = statementsOfRole(platform, 'eu-west-1', 'SlackAlarmsFunctionRole');
    const secrets = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
    expect(secrets).toHaveLength(1);
    expect(actionsOf(secrets[0] as Statement).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(JSON.stringify(secrets[0]?.Resource)).toContain(`:secret:${SECRET_NAME}-??????`);
    expect(JSON.stringify(secrets[0]?.Resource)).not.toContain('*');
  });

  it('keeps cdk-nag clean', () => {
    for (const stack of allStacks(platform)) expect(nagErrors(stack), stack.stackName).toEqual([]);
  });

  it('adds no notifier when the field is left out', () => {
    const plain = buildTestPlatform();
    for (const { observability } of plain.regions) {
      const template = templateOf(observability);
      template.resourcePropertiesCountIs(
        'AWS::Lambda::Function',
        { FunctionName: 'unmogrowp-dev-slack-alarms' },
        0,
      );
      template.resourceCountIs('AWS::SNS::Subscription', 0);
    }
  });

  it('refuses an ARN in place of the secret name, saying what it expects', () => {
    expect(() =>
      parsePlatformConfig({
        ...DEFAULT_PLATFORM_CONFIG,
        monitoring: { slackWebhookSecretName: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack' },
      }),
    ).toThrow(/monitoring\.slackWebhookSecretName.*expected a Secrets Manager secret name/s);
  });
});
