import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  readonly topicName: string;
  /** Encrypts the topic; CloudWatch is allowed to use it to publish. */
  readonly encryptionKey: kms.IKey;
  /** Who is told when an alarm fires. */
  readonly email: string;
}

/**
 * The encrypted SNS topic every platform alarm notifies, with the operators' e-mail subscribed. It lives
 * with the stateful resources because the e-mail subscription, once confirmed, is state.
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  /** Use as `alarm.addAlarmAction(alarmTopic.action)`. */
  readonly action: cloudwatchActions.SnsAction;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: 'UnMoGrowP alarms',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    // CloudWatch publishes as a service: it needs the key to encrypt the message, and only for this
    // account's alarms (no confused deputy).
    const stack = Stack.of(this);
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.action = new cloudwatchActions.SnsAction(this.topic);
  }
}
