import {
  type FirehoseClient,
  type _Record as FirehoseRecord,
  PutRecordBatchCommand,
  type PutRecordBatchCommandOutput,
} from '@aws-sdk/client-firehose';
import { LakeDeliveryError } from '../../app/errors.js';
import type { LakeRow, LakeTable } from '../../app/lake-rows.js';
import type { LakeSink, LakeWriteResult } from '../../app/ports/lake-sink.js';
import { LAKE_RECORD_FIELDS } from '../../definitions/lake.js';

/**
 * Puts the consumer's attribution rows (install decisions and event credits) on the attribution
 * delivery stream, which partitions them by `tenant_id`/`app_id`/`dt` with jq and converts them to
 * Parquet through the Glue schema of the `attributions` table.
 *
 * PutRecordBatch takes at most 500 records and 4 MiB a call; a call can succeed while some of its
 * records fail (`FailedPutCount`), so only the records whose `RequestResponses` entry carries an
 * `ErrorCode` are retried, bounded, with exponential backoff and jitter.
 */

export interface FirehoseAttributionSinkOptions {
  readonly client: FirehoseClient;
  /** Name of the direct-put delivery stream (`ATTRIBUTION_DELIVERY_STREAM`). */
  readonly deliveryStreamName: string;
  /**
   * Attempts per record (the first put included) before the write fails.
   * @default 4
   */
  readonly maxAttempts?: number;
  /**
   * First backoff in milliseconds, doubled per attempt.
   * @default 100
   */
  readonly baseDelayMs?: number;
  /**
   * Waits between attempts (tests pass an instant one).
   * @default setTimeout
   */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** PutRecordBatch limits (Firehose quotas, not adjustable). */
export const FIREHOSE_BATCH_LIMITS = {
  recordsPerCall: 500,
  bytesPerCall: 4 * 1024 * 1024,
  bytesPerRecord: 1000 * 1024,
} as const;

/** The lake table this sink carries. */
const ATTRIBUTIONS: LakeTable = 'attributions';

/** Errors of a whole call worth another attempt; others (bad stream name, no permission) fail at once. */
const RETRYABLE_CALL_ERRORS = new Set([
  'ServiceUnavailableException',
  'ThrottlingException',
  'LimitExceededException',
  'InternalFailure',
  'InternalServerError',
  'RequestTimeout',
  'TimeoutError',
]);

function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const fault = (error as { $fault?: string }).$fault;
  // SDK service errors carry `$fault`; network errors (reset, timeout) do not and are worth retrying.
  return RETRYABLE_CALL_ERRORS.has(error.name) || fault === 'server' || fault === undefined;
}

/**
 * The Firehose record of one attribution row: the row's columns plus the partition fields the delivery
 * stream's jq reads (`tenant_id`, `app_id`; `timestamp` is a column), one newline-terminated JSON.
 */
export function attributionDeliveryRecord(row: LakeRow): string {
  return `${JSON.stringify({
    ...row.row,
    [LAKE_RECORD_FIELDS.tenantId]: row.tenantId,
    [LAKE_RECORD_FIELDS.appId]: row.appId,
  })}\n`;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class FirehoseAttributionSink implements LakeSink {
  readonly tables: ReadonlySet<LakeTable> = new Set([ATTRIBUTIONS]);
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: FirehoseAttributionSinkOptions) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Puts the batch's attribution rows (rows of other tables are not this sink's and are skipped). */
  async write(batchId: string, rows: readonly LakeRow[]): Promise<LakeWriteResult> {
    const records: Uint8Array[] = [];
    for (const row of rows) {
      if (row.table !== ATTRIBUTIONS) continue;
      const data = Buffer.from(attributionDeliveryRecord(row), 'utf8');
      if (data.byteLength > FIREHOSE_BATCH_LIMITS.bytesPerRecord) {
        throw new LakeDeliveryError(
          `attribution row of event ${JSON.stringify(row.row.event_id)} is ${data.byteLength} bytes; ` +
            `Firehose takes at most ${FIREHOSE_BATCH_LIMITS.bytesPerRecord}`,
          1,
          { batchId, deliveryStream: this.options.deliveryStreamName },
        );
      }
      records.push(data);
    }
    // Calls go one after another: a consumer batch is small, and it keeps the stream's throughput fair.
    for (const call of splitCalls(records)) await this.put(batchId, call);
    return { objects: 0, records: records.length };
  }

  private async put(batchId: string, records: readonly Uint8Array[]): Promise<void> {
    const stream = this.options.deliveryStreamName;
    let pending: FirehoseRecord[] = records.map((Data) => ({ Data }));
    let lastError: string | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) {
        const base = this.baseDelayMs * 2 ** (attempt - 2);
        await this.sleep(base / 2 + Math.random() * (base / 2));
      }
      let response: PutRecordBatchCommandOutput;
      try {
        response = await this.options.client.send(
          new PutRecordBatchCommand({ DeliveryStreamName: stream, Records: pending }),
        );
      } catch (error) {
        lastError = (error as Error).name;
        if (attempt === this.maxAttempts || !isRetryable(error)) {
          throw new LakeDeliveryError(
            `PutRecordBatch to ${stream} failed: ${lastError}`,
            pending.length,
            { batchId, deliveryStream: stream, attempt },
            { cause: error },
          );
        }
        continue;
      }
      if (!response.FailedPutCount) return;
      // Keep only the records that failed, in their original order.
      const failed: FirehoseRecord[] = [];
      (response.RequestResponses ?? []).forEach((result, i) => {
        const record = pending[i];
        if (result.ErrorCode && record) {
          failed.push(record);
          lastError = result.ErrorCode;
        }
      });
      pending = failed;
      if (pending.length === 0) return;
    }
    throw new LakeDeliveryError(
      `${pending.length} attribution records could not be put on ${stream} after ${this.maxAttempts} attempts (${lastError})`,
      pending.length,
      { batchId, deliveryStream: stream, lastError },
    );
  }
}

/** Splits records into PutRecordBatch calls within the record-count and byte limits. */
export function splitCalls(records: readonly Uint8Array[]): Uint8Array[][] {
  const calls: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = record.byteLength;
    if (
      current.length >= FIREHOSE_BATCH_LIMITS.recordsPerCall ||
      (current.length > 0 && bytes + size > FIREHOSE_BATCH_LIMITS.bytesPerCall)
    ) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}
