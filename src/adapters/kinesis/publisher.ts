import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
  type PutRecordsRequestEntry,
  ResourceInUseException,
} from '@aws-sdk/client-kinesis';
import { StreamPublishError } from '../../app/errors.js';
import { rawRow } from '../../app/lake-rows.js';
import { recordScope, tenantOf } from '../../app/pipeline-record.js';
import type { RecordPublisher } from '../../app/ports/record-publisher.js';
import { LAKE_RECORD_FIELDS } from '../../definitions/lake.js';
import type { PipelineRecord } from '../../domain/records.js';

/**
 * Puts pipeline records on the ingest stream with PutRecords: at most 500 records or 5 MiB a call,
 * retrying only the records a partial failure returns (bounded, exponential backoff with jitter).
 * The partition key keeps one device's records on one shard, in order.
 */

export interface KinesisPublisherOptions {
  readonly client: KinesisClient;
  /** Stream of a tenant: silo tenants have their own, the others share the default. */
  readonly streamFor: (tenantId: string) => string;
  /** Attempts per record before giving up. @default 4 */
  readonly maxAttempts?: number;
  /** First backoff, doubled per attempt. @default 50 */
  readonly baseDelayMs?: number;
}

const MAX_RECORDS_PER_CALL = 500;
const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;

/**
 * The partition key of a record: tenant, app and the device's strongest identifier, so one device's
 * clicks and events land on one shard in order. Records without a device id spread by their own id.
 */
export function partitionKeyOf(record: PipelineRecord): string {
  const r = record.kind === 'event' ? record.event : record.touchpoint;
  const scope = recordScope(record);
  const device =
    r.advertisingId?.toLowerCase() ??
    r.vendorId?.toLowerCase() ??
    (record.kind === 'event' ? record.event.customerUserId : undefined) ??
    scope.id;
  // Kinesis partition keys are at most 256 characters.
  return `${scope.tenantId}#${scope.appId}#${device}`.slice(0, 256);
}

/**
 * The JSON put on the stream, read by two consumers: the attribution consumer decodes the pipeline
 * record itself (`kind`, `receivedAtMs`, `event` | `touchpoint`), and the stream's Firehose partitions by
 * the lake routing fields (`record_type`, `tenant_id`, `app_id`, `timestamp`) and converts the columns of
 * `RAW_RECORD_COLUMNS` to Parquet (its JSON SerDe ignores the other keys). Hence both shapes, side by side.
 */
export function encodeRecord(record: PipelineRecord): string {
  const raw = rawRow(record);
  return JSON.stringify({
    ...record,
    ...raw.row,
    [LAKE_RECORD_FIELDS.tenantId]: raw.tenantId,
    [LAKE_RECORD_FIELDS.appId]: raw.appId,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class KinesisPublisher implements RecordPublisher {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;

  constructor(private readonly options: KinesisPublisherOptions) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 50;
  }

  async publish(records: readonly PipelineRecord[]): Promise<void> {
    const byStream = new Map<string, PutRecordsRequestEntry[]>();
    for (const record of records) {
      const tenantId = tenantOf(record);
      const stream = this.options.streamFor(tenantId);
      const entries = byStream.get(stream) ?? [];
      entries.push({ Data: Buffer.from(encodeRecord(record), 'utf8'), PartitionKey: partitionKeyOf(record) });
      byStream.set(stream, entries);
    }
    await Promise.all(
      [...byStream].flatMap(([stream, entries]) => splitCalls(entries).map((call) => this.put(stream, call))),
    );
  }

  private async put(stream: string, entries: PutRecordsRequestEntry[]): Promise<void> {
    let pending = entries;
    let lastError: string | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) {
        const base = this.baseDelayMs * 2 ** (attempt - 2);
        await sleep(base / 2 + Math.random() * (base / 2));
      }
      let response: PutRecordsCommandOutput;
      try {
        response = await this.options.client.send(
          new PutRecordsCommand({ StreamName: stream, Records: pending }),
        );
      } catch (error) {
        lastError = (error as Error).name;
        if (attempt === this.maxAttempts) {
          throw new StreamPublishError(
            `PutRecords to ${stream} failed: ${lastError}`,
            pending.length,
            { stream },
            {
              cause: error,
            },
          );
        }
        continue;
      }
      if (!response.FailedRecordCount) return;
      // Keep only the records that failed, in their original order.
      const failed: PutRecordsRequestEntry[] = [];
      (response.Records ?? []).forEach((result, i) => {
        const entry = pending[i];
        if (result.ErrorCode && entry) {
          failed.push(entry);
          lastError = result.ErrorCode;
        }
      });
      pending = failed;
      if (pending.length === 0) return;
    }
    throw new StreamPublishError(
      `${pending.length} records could not be put on ${stream} after ${this.maxAttempts} attempts (${lastError})`,
      pending.length,
      { stream, lastError },
    );
  }
}

function splitCalls(entries: PutRecordsRequestEntry[]): PutRecordsRequestEntry[][] {
  const calls: PutRecordsRequestEntry[][] = [];
  let current: PutRecordsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = (entry.Data?.byteLength ?? 0) + (entry.PartitionKey?.length ?? 0);
    if (current.length >= MAX_RECORDS_PER_CALL || (current.length > 0 && bytes + size > MAX_BYTES_PER_CALL)) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

/** Creates a stream (if missing) and waits until it is active (local mode, tests). */
export async function createStream(client: KinesisClient, streamName: string, shardCount = 1): Promise<void> {
  try {
    await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let i = 0; i < 100; i++) {
    const { StreamDescriptionSummary } = await client.send(
      new DescribeStreamSummaryCommand({ StreamName: streamName }),
    );
    if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(50);
  }
  throw new Error(`stream ${streamName} did not become ACTIVE`);
}
