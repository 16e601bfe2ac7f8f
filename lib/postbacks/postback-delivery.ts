import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../src/definitions/index.js';
import { POSTBACK_ENV, POSTBACK_METRICS, POSTBACK_QUEUE } from '../../src/definitions/postbacks.js';
import type { PlatformFunction } from '../compute/platform-function.js';
import type { AlarmSpec } from '../observability/alarm-specs.js';
import { createPlatformAlarm } from '../observability/platform-alarm.js';

/** The ids of the alarms {@link PostbackDelivery} creates (named `<prefix>-<id>`). */
export const POSTBACK_ALARM_IDS = ['PostbackBacklog', 'PostbackDeadLetters'] as const;

/**
 * What the sender does to the delivery queue: its event source mapping receives, deletes and reads the
 * queue's attributes (AWS's documented set), the sender sets a retried job's visibility.
 */
export const SENDER_QUEUE_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:ChangeMessageVisibility',
] as const;
/** What a producer does to a queue: one SendMessage (SendMessageBatch is authorised by it too). */
export const QUEUE_SEND_ACTIONS = ['sqs:SendMessage'] as const;
/** KMS of a producer on an SSE-KMS queue: a data key to encrypt with, and decrypt to reuse it. */
export const QUEUE_SEND_KMS_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;
/** KMS of a consumer on an SSE-KMS queue. */
export const QUEUE_RECEIVE_KMS_ACTIONS = ['kms:Decrypt'] as const;

export interface PostbackDeliveryProps {
  /** The sender (`handler: 'postbackSender'`); this construct attaches the queue to it. */
  readonly sender: PlatformFunction;
  /** Powertools service name of the sender: the `service` dimension of its delivery metrics. */
  readonly senderServiceName: string;
  readonly encryptionKey: kms.IKey;
  /** Physical name of the delivery queue. */
  readonly queueName: string;
  /** Physical name of its dead-letter queue. */
  readonly deadLetterQueueName: string;
  /**
   * Jobs one sender invocation takes (1-10: the sender reports each one separately).
   * @default POSTBACK_QUEUE.batchSize (10)
   */
  readonly batchSize?: number;
  /**
   * Alarm when the oldest fresh job has waited this long. SQS leaves out of this metric the jobs received
   * three times or more, so receivers failing for hours (their jobs back off) do not keep it raised.
   * @default Duration.minutes(15)
   */
  readonly oldestMessageAgeThreshold?: Duration;
  /**
   * Alarm when the dead-letter queue holds more than this many deliveries.
   * @default 0 (any dead letter alarms)
   */
  readonly deadLetterDepthThreshold?: number;
  /** Where the alarms notify, firing and recovering (the region's alarm topic). */
  readonly alarmAction: cloudwatch.IAlarmAction;
  /** Prefix of the alarm names (see `MonitoredResources.alarmNamePrefix`). */
  readonly alarmNamePrefix: string;
  /**
   * Where the runbooks are published.
   * @default 'docs/operations.md'
   */
  readonly runbookBaseUrl?: string;
}

/**
 * The postback stage in AWS (SPEC §7): a KMS-encrypted SQS queue of delivery jobs with a dead-letter
 * queue and redrive, the sender Lambda on it with partial batch responses, and alarms on the age of the
 * oldest job and the dead-letter depth. The consumer enqueues (`grantEnqueue`), the sender retries by
 * setting a job's visibility to its back-off delay and dead-letters after 24 hours; SQS's own redrive
 * catches only jobs that keep crashing the sender.
 *
 * @example
 * const delivery = new PostbackDelivery(this, 'Postbacks', { sender, senderServiceName: 'postback-sender',
 *   encryptionKey, queueName: 'unmogrowp-dev-postbacks', deadLetterQueueName: 'unmogrowp-dev-postbacks-dlq' });
 * delivery.grantEnqueue(consumer.function);
 */
export class PostbackDelivery extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly oldestMessageAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  private readonly senderServiceName: string;
  private readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: PostbackDeliveryProps) {
    super(scope, id);
    const batchSize = props.batchSize ?? POSTBACK_QUEUE.batchSize;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10)
      throw new Error(`batchSize must be an integer between 1 and 10. Received ${batchSize}`);
    const deadLetterDepth = props.deadLetterDepthThreshold ?? 0;
    if (deadLetterDepth < 0)
      throw new Error(`deadLetterDepthThreshold must be 0 or more. Received ${deadLetterDepth}`);
    this.senderServiceName = props.senderServiceName;
    this.encryptionKey = props.encryptionKey;

    this.deadLetterQueue = this.createDeadLetterQueue(props);
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.queueName,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(POSTBACK_QUEUE.retentionDays),
      visibilityTimeout: Duration.seconds(POSTBACK_QUEUE.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: POSTBACK_QUEUE.maxReceiveCount },
    });
    this.attachSender(props.sender.function, batchSize);

    this.oldestMessageAlarm = this.createAlarm(props, {
      id: POSTBACK_ALARM_IDS[0],
      runbook: 'postback-backlog',
      summary: 'Postback jobs wait to be sent: the sender is failing or too slow',
      metric: this.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: (props.oldestMessageAgeThreshold ?? Duration.minutes(15)).toSeconds(),
      evaluationPeriods: 5,
    });
    this.deadLetterAlarm = this.createAlarm(props, {
      id: POSTBACK_ALARM_IDS[1],
      runbook: 'postback-dead-letters',
      summary: 'Postback deliveries were dead-lettered (24 h of failures, or refused for good)',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: deadLetterDepth,
      evaluationPeriods: 1,
    });
  }

  private createDeadLetterQueue(props: PostbackDeliveryProps): sqs.Queue {
    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: props.deadLetterQueueName,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(POSTBACK_QUEUE.deadLetterRetentionDays),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the postback delivery queue.',
    });
    return deadLetterQueue;
  }

  /** The sender reads the queue through its own event source mapping and may dead-letter jobs. */
  private attachSender(sender: lambda.Function, batchSize: number): void {
    sender.addEnvironment(POSTBACK_ENV.queueUrl, this.queue.queueUrl);
    sender.addEnvironment(POSTBACK_ENV.deadLetterQueueUrl, this.deadLetterQueue.queueUrl);
    // A mapping of its own rather than aws-cdk-lib's SqsEventSource, whose grantConsumeMessages adds
    // sqs:GetQueueUrl, which neither the mapping nor the sender calls.
    sender.addEventSourceMapping('QueueSource', {
      eventSourceArn: this.queue.queueArn,
      batchSize,
      reportBatchItemFailures: true,
    });
    // Exact actions (test/lib/iam-coverage.test.ts): the event source mapping receives and deletes, the
    // sender sets a retried job's visibility (its back-off) and dead-letters with one SendMessage.
    this.queue.grant(sender, ...SENDER_QUEUE_ACTIONS);
    this.encryptionKey.grant(sender, ...QUEUE_RECEIVE_KMS_ACTIONS);
    this.grantSend(this.deadLetterQueue, sender, this.encryptionKey);
  }

  private createAlarm(props: PostbackDeliveryProps, spec: AlarmSpec): cloudwatch.Alarm {
    return createPlatformAlarm(this, spec, {
      alarmName: `${props.alarmNamePrefix}-${spec.id}`,
      alarmAction: props.alarmAction,
      ...(props.runbookBaseUrl ? { runbookBaseUrl: props.runbookBaseUrl } : {}),
    });
  }

  /** Lets `grantee` put jobs on the queue (the consumer; the admin function for retries): SendMessage only. */
  grantEnqueue(grantee: iam.IGrantable): iam.Grant {
    return this.grantSend(this.queue, grantee, this.encryptionKey);
  }

  private grantSend(queue: sqs.IQueue, grantee: iam.IGrantable, key: kms.IKey): iam.Grant {
    key.grant(grantee, ...QUEUE_SEND_KMS_ACTIONS);
    return queue.grant(grantee, ...QUEUE_SEND_ACTIONS);
  }

  /** Sets the queue URL on a function that enqueues. */
  configure(fn: lambda.Function): void {
    fn.addEnvironment(POSTBACK_ENV.queueUrl, this.queue.queueUrl);
  }

  /** Deliveries by status per 5 minutes (`sent`, `failed`, `dead`, `suppressed`), from the sender's EMF. */
  metricDeliveries(
    status: keyof typeof POSTBACK_METRICS & ('sent' | 'failed' | 'dead' | 'suppressed'),
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: POSTBACK_METRICS[status],
      dimensionsMap: { service: this.senderServiceName },
      statistic: 'Sum',
      period: Duration.minutes(5),
      label: `${status} ${Stack.of(this).region}`,
    });
  }

  /** p95 delivery latency of each destination (a search over the `Destination` dimension). */
  metricLatencyByDestination(): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},Destination,service} MetricName="${POSTBACK_METRICS.latency}" service="${this.senderServiceName}"', 'p95', 300)`,
      label: `p95 latency ${Stack.of(this).region}`,
      period: Duration.minutes(5),
    });
  }

  /** Dashboard widgets: deliveries by status, latency by destination, queue age and dead letters. */
  widgets(): cloudwatch.IWidget[] {
    const width = 6;
    return [
      new cloudwatch.GraphWidget({
        title: 'Postbacks sent / failed / dead',
        left: (['sent', 'failed', 'dead', 'suppressed'] as const).map((s) => this.metricDeliveries(s)),
        width,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Postback latency by destination p95 (ms)',
        left: [this.metricLatencyByDestination()],
        width,
        height: 6,
      }),
      new cloudwatch.AlarmWidget({
        title: 'Postback oldest job (s)',
        alarm: this.oldestMessageAlarm,
        width,
        height: 6,
      }),
      new cloudwatch.AlarmWidget({
        title: 'Postback dead letters',
        alarm: this.deadLetterAlarm,
        width,
        height: 6,
      }),
    ];
  }
}
