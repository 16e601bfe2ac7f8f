import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { BatchOutcome, StreamRecord } from '../../app/attribution-consumer.js';
import { decodeKinesisRecord } from './decode.js';

/**
 * The Kinesis edge of the attribution consumer: a Lambda Kinesis event in, decoded stream records to
 * the use case, its failed records back as `batchItemFailures` (with `reportBatchItemFailures`).
 */

/** A Kinesis record as the consumer takes it: decoded (or poisoned), with its shard and sequence number. */
export function toStreamRecord(record: KinesisStreamRecord): StreamRecord {
  // eventID is `shardId-…:sequenceNumber`: the part before the colon names the shard.
  const shardId = record.eventID === undefined ? undefined : record.eventID.split(':')[0];
  return {
    sequenceNumber: record.kinesis.sequenceNumber,
    ...(shardId === undefined ? {} : { shardId }),
    ...(record.eventID === undefined ? {} : { eventId: record.eventID }),
    data: record.kinesis.data,
    decoded: decodeKinesisRecord(record),
  };
}

/**
 * Wraps a batch use case as a Kinesis event handler.
 * @example
 * export const handler = kinesisBatchHandler(createAttributionConsumer(deps));
 */
export function kinesisBatchHandler(
  consume: (batch: readonly StreamRecord[]) => Promise<BatchOutcome>,
): (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse> {
  return async (event) => {
    const outcome = await consume(event.Records.map(toStreamRecord));
    return {
      batchItemFailures: outcome.failedSequenceNumbers.map((itemIdentifier) => ({ itemIdentifier })),
    };
  };
}
