import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { DeadLetterSink, DeliveryQueue, DeliveryRef } from '../../app/postbacks/ports.js';
import type { PostbackSender } from '../../app/postbacks/sender.js';

/** SQS's own limits: 10 messages a batch call, 12 hours of visibility timeout. */
const SQS_BATCH = 10;
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/** The delivery queue in SQS: each message names one delivery record. */
export class SqsDeliveryQueue implements DeliveryQueue, DeadLetterSink {
  constructor(
    private readonly options: {
      readonly client: SQSClient;
      readonly queueUrl: string;
      /** Where `deadLetter` puts deliveries out of retries (the queue's redrive DLQ). */
      readonly deadLetterQueueUrl: string;
    },
  ) {}

  async enqueue(refs: readonly DeliveryRef[]): Promise<void> {
    for (let i = 0; i < refs.length; i += SQS_BATCH) {
      const chunk = refs.slice(i, i + SQS_BATCH);
      const result = await this.options.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((ref, n) => ({ Id: String(n), MessageBody: JSON.stringify(ref) })),
        }),
      );
      if (result.Failed?.length)
        throw new Error(
          `SQS refused ${result.Failed.length} postback jobs: ${result.Failed.map((f) => f.Code).join(', ')}`,
        );
    }
  }

  async deadLetter(ref: DeliveryRef, reason: string): Promise<void> {
    await this.options.client.send(
      new SendMessageCommand({
        QueueUrl: this.options.deadLetterQueueUrl,
        MessageBody: JSON.stringify({ ...ref, reason }),
      }),
    );
  }
}

export interface SqsSenderOptions {
  readonly send: PostbackSender;
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Jobs of one batch sent at once. @default 10 */
  readonly concurrency?: number;
  readonly logger?: { error(message: string, extra?: Record<string, unknown>): void };
}

/**
 * The sender Lambda's SQS handler, with partial batch responses: a job to retry gets its message's
 * visibility timeout set to its back-off delay (at most 12 h) and is reported failed, so SQS hands it
 * back then; a job that threw is reported failed and comes back after the queue's visibility timeout.
 * A message that is not a delivery reference is dropped (logged): retrying cannot fix it.
 */
export function createSqsSenderHandler(options: SqsSenderOptions) {
  const concurrency = options.concurrency ?? 10;
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: string[] = [];
    const queue = [...event.Records];
    const work = async (record: SQSRecord) => {
      const ref = parseRef(record.body);
      if (!ref) {
        options.logger?.error('postback message is not a delivery reference', {
          messageId: record.messageId,
        });
        return;
      }
      try {
        const result = await options.send(ref);
        if (result.outcome !== 'retry') return;
        await options.client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: options.queueUrl,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(result.delayMs / 1000)),
          }),
        );
        failures.push(record.messageId);
      } catch (error) {
        options.logger?.error('postback job failed', { error, jobId: ref.jobId });
        failures.push(record.messageId);
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
        for (let record = queue.shift(); record; record = queue.shift()) await work(record);
      }),
    );
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export function parseRef(body: string): DeliveryRef | undefined {
  try {
    const value = JSON.parse(body) as Partial<DeliveryRef>;
    if (
      typeof value.tenantId === 'string' &&
      typeof value.appId === 'string' &&
      typeof value.jobId === 'string'
    )
      return { tenantId: value.tenantId, appId: value.appId, jobId: value.jobId };
  } catch {
    // not JSON: falls through
  }
  return undefined;
}
