import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { PlatformFunction } from '../../../lib/compute/platform-function.js';
import { PostbackDelivery, type PostbackDeliveryProps } from '../../../lib/postbacks/postback-delivery.js';
import {
  POSTBACK_DELIVERY_KEY_PREFIX,
  POSTBACK_ENV,
  POSTBACK_QUEUE,
} from '../../../src/definitions/postbacks.js';
import {
  buildTestPlatform,
  nagErrors,
  PROJECT_ROOT,
  regionOf,
  templateOf,
  testApp,
} from '../support/platform.js';

function deliveryIn(overrides: Partial<PostbackDeliveryProps> = {}) {
  const stack = new Stack(testApp(), 'S');
  const sender = new PlatformFunction(stack, 'Sender', {
    handler: 'postbackSender',
    functionName: 'sender',
    serviceName: 'postback-sender',
    projectRoot: PROJECT_ROOT,
    logRetention: logs.RetentionDays.ONE_WEEK,
  });
  const delivery = new PostbackDelivery(stack, 'Postbacks', {
    sender,
    senderServiceName: 'postback-sender',
    encryptionKey: new kms.Key(stack, 'Key'),
    queueName: 'postbacks',
    deadLetterQueueName: 'postbacks-dlq',
    alarmAction: new SnsAction(new sns.Topic(stack, 'Alarms')),
    alarmNamePrefix: 'unmogrowp-test',
    ...overrides,
  });
  return { stack, delivery };
}

describe('PostbackDelivery', () => {
  it('keeps jobs in a KMS queue that redrives to a KMS dead-letter queue', () => {
    const template = Template.fromStack(deliveryIn().stack);
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'postbacks',
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: POSTBACK_QUEUE.retentionDays * 86_400,
      VisibilityTimeout: POSTBACK_QUEUE.visibilityTimeoutSeconds,
      RedrivePolicy: {
        deadLetterTargetArn: Match.anyValue(),
        maxReceiveCount: POSTBACK_QUEUE.maxReceiveCount,
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'postbacks-dlq',
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: 14 * 86_400,
    });
  });

  it('runs the sender on the queue with partial batch responses', () => {
    const template = Template.fromStack(deliveryIn().stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [POSTBACK_ENV.queueUrl]: Match.anyValue(),
          [POSTBACK_ENV.deadLetterQueueUrl]: Match.anyValue(),
        }),
      },
    });
  });

  it('lets the sender receive, delete and delay jobs, and send to the dead-letter queue, nothing more', () => {
    const template = Template.fromStack(deliveryIn().stack);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const sqsStatements = statements
      .filter((st) => [st.Action].flat().some((action) => action.startsWith('sqs:')))
      .map((st) => ({
        actions: [st.Action].flat(),
        queue: (st.Resource as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
      }));
    expect(sqsStatements).toEqual([
      {
        // Sorted, as the recommended flags write actions.
        actions: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
        ],
        queue: expect.stringMatching(/^PostbacksQueue/),
      },
      { actions: ['sqs:SendMessage'], queue: expect.stringMatching(/^PostbacksDeadLetterQueue/) },
    ]);
  });

  it('attaches the sender to the queue with partial batch responses', () => {
    Template.fromStack(deliveryIn().stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PostbacksQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('alarms on the age of the oldest job and on any dead letter', () => {
    const { stack } = deliveryIn({ oldestMessageAgeThreshold: Duration.minutes(30) });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'unmogrowp-test-PostbackBacklog',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Namespace: 'AWS/SQS',
      Threshold: 1800,
      AlarmActions: [Match.anyValue()],
      OKActions: [Match.anyValue()],
      AlarmDescription: Match.stringLikeRegexp('Runbook: docs/operations.md#runbook-postback-backlog$'),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('offers widgets for deliveries by status, latency by destination, queue age and dead letters', () => {
    const { delivery } = deliveryIn();
    expect(delivery.widgets()).toHaveLength(4);
  });

  it('rejects a batch size the sender cannot report on', () => {
    expect(() => deliveryIn({ batchSize: 11 })).toThrow(
      'batchSize must be an integer between 1 and 10. Received 11',
    );
  });

  it('rejects a negative dead-letter threshold', () => {
    expect(() => deliveryIn({ deadLetterDepthThreshold: -1 })).toThrow(
      'deadLetterDepthThreshold must be 0 or more. Received -1',
    );
  });
});

describe('postbacks in the platform', () => {
  let platform: ReturnType<typeof buildTestPlatform>;
  beforeAll(() => {
    platform = buildTestPlatform();
  });

  it('passes cdk-nag with zero errors in the processing and API stacks', () => {
    const region = regionOf(platform, 'us-east-1');
    expect(nagErrors(region.processing)).toEqual([]);
    expect(nagErrors(region.api)).toEqual([]);
  });

  it('lets the consumer enqueue jobs and write only delivery records of the registry', () => {
    const template = templateOf(regionOf(platform, 'us-east-1').processing);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
            Condition: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${POSTBACK_DELIVERY_KEY_PREFIX}*`] },
            },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.stringLikeRegexp('consumer$'),
      Environment: { Variables: Match.objectLike({ [POSTBACK_ENV.queueUrl]: Match.anyValue() }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.stringLikeRegexp('postback-sender$'),
    });
  });

  it('tells the admin function the queue, for retries', () => {
    templateOf(regionOf(platform, 'us-east-1').api).hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.stringLikeRegexp('admin$'),
      Environment: { Variables: Match.objectLike({ [POSTBACK_ENV.queueUrl]: Match.anyValue() }) },
    });
  });

  it('charts the postback stage on the regional dashboard', () => {
    const dashboard = templateOf(regionOf(platform, 'us-east-1').observability).findResources(
      'AWS::CloudWatch::Dashboard',
    );
    const body = JSON.stringify(Object.values(dashboard));
    expect(body).toContain('Postbacks sent / failed / dead');
    expect(body).toContain('Postback latency by destination');
  });
});
