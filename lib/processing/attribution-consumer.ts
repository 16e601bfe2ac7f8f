import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { PlatformFunction } from '../compute/platform-function.js';
import { QUEUE_SEND_ACTIONS, QUEUE_SEND_KMS_ACTIONS } from '../postbacks/postback-delivery.js';

export interface AttributionConsumerProps {
  /** The consumer function (built with {@link PlatformFunction}). */
  readonly function: PlatformFunction;
  /** The stream it consumes. */
  readonly stream: kinesis.IStream;
  /** Physical name of the on-failure queue (dashboards address it by name). */
  readonly onFailureQueueName: string;
  /** Encrypts the on-failure queue. */
  readonly encryptionKey: kms.IKey;
  /** Records per invocation. */
  readonly batchSize: number;
  /** Concurrent batches per shard. */
  readonly parallelizationFactor: number;
  /** Retries of a failing batch (halved each time) before its records go to the on-failure queue. */
  readonly retryAttempts: number;
  /** Records older than this go to the on-failure queue without further retries. */
  readonly maxRecordAge: Duration;
  /**
   * Time the event source waits to fill a batch.
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
}

/**
 * Wires the attribution consumer to its stream with safe failure handling: partial batch responses,
 * bisect on error, bounded retries and record age, and an encrypted on-failure queue that alarms as
 * soon as anything lands in it (lib/observability: the `DeadLetters` alarm).
 */
export class AttributionConsumer extends Construct {
  readonly onFailureQueue: sqs.Queue;
  /** Id (UUID) of the Kinesis event source mapping: the dimension of its `EventCount` metrics. */
  readonly eventSourceMappingId: string;
  readonly function: lambda.IFunction;

  constructor(scope: Construct, id: string, props: AttributionConsumerProps) {
    super(scope, id);
    if (props.parallelizationFactor < 1 || props.parallelizationFactor > 10) {
      throw new Error(
        `parallelizationFactor must be between 1 and 10. Received ${props.parallelizationFactor}`,
      );
    }
    this.function = props.function.function;

    this.onFailureQueue = new sqs.Queue(this, 'OnFailureQueue', {
      queueName: props.onFailureQueueName,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    new CfnOutput(this, 'OnFailureQueueUrl', {
      description:
        'Dead letters of the attribution consumer: `npx unmogrowp dlq capture --queue-url <this>` keeps their payloads.',
      value: this.onFailureQueue.queueUrl,
    });

    Validations.of(this.onFailureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter (on-failure) destination of the stream event source.',
    });

    const eventSource = new KinesisEventSource(withPollGrant(props.stream), {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: props.batchSize,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(1),
      parallelizationFactor: props.parallelizationFactor,
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: props.retryAttempts,
      maxRecordAge: props.maxRecordAge,
      onFailure: new SendOnlyOnFailureQueue(this.onFailureQueue),
      // Polled, dropped and on-failure record counts per mapping (lib/observability alarms on them).
      metricsConfig: { metrics: [lambda.MetricType.EVENT_COUNT] },
    });
    props.function.function.addEventSource(eventSource);
    this.eventSourceMappingId = eventSource.eventSourceMappingId;
  }
}

/**
 * What the event source mapping does to the stream as the function's role: standard iterators (no
 * enhanced fan-out consumer, so no SubscribeToShard, DescribeStreamConsumer or ListStreams).
 */
export const STREAM_POLL_ACTIONS = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
] as const;

/**
 * The stream as `KinesisEventSource` sees it: the same stream (same ARN, node and logical ids), except
 * that the `grantRead` the event source calls grants {@link STREAM_POLL_ACTIONS} and the key's decrypt
 * instead of aws-cdk-lib's whole read group.
 */
function withPollGrant(stream: kinesis.IStream): kinesis.IStream {
  const grantRead = (grantee: iam.IGrantable): iam.Grant => {
    stream.encryptionKey?.grantDecrypt(grantee);
    return stream.grant(grantee, ...STREAM_POLL_ACTIONS);
  };
  return new Proxy(stream, {
    get: (target, property) => (property === 'grantRead' ? grantRead : Reflect.get(target, property, target)),
  });
}

/**
 * The on-failure destination of the stream's event source mapping: Lambda sends the pointer of a batch
 * it gave up on with the function's role, which needs `sqs:SendMessage` (and the queue's key) and no
 * other queue action (aws-cdk-lib's `SqsDlq` grants `grantSendMessages`, which adds two more).
 */
class SendOnlyOnFailureQueue implements lambda.IEventSourceDlq {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    this.queue.grant(targetHandler, ...QUEUE_SEND_ACTIONS);
    this.queue.encryptionMasterKey?.grant(targetHandler, ...QUEUE_SEND_KMS_ACTIONS);
    return { destination: this.queue.queueArn };
  }
}
