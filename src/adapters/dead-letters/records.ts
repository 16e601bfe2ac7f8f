import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';

/**
 * What the dead-letter sources have in common: a letter is one failed batch (its id, why and when it
 * failed, and its stream records), and replaying it puts those records back on a stream.
 */

/** One stream record of a dead letter; `data` is base64. */
export interface DeadRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: string;
}

export interface DeadLetterEntry {
  /** Stable id: `<shardId>/<first sequence number>` locally, the SQS message id in the cloud. */
  readonly id: string;
  readonly source: 'local' | 'sqs' | 's3' | 'quarantine';
  readonly shardId: string;
  readonly reason: string;
  readonly failedAt: string;
  /** Stream the records came from (name or ARN). */
  readonly stream: string;
  readonly records: readonly DeadRecord[];
  /** When it was replayed (local letters, from the replay log). */
  readonly replayedAt?: string;
  /** Why its records could not be read (cloud: past the stream's retention). */
  readonly problem?: string;
}

/** A short, printable view of one record: its JSON's kind, tenant, app and name, else its size. */
export function summarizeRecord(record: DeadRecord): string {
  const text = Buffer.from(record.data, 'base64').toString('utf8');
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    const inner = [value.event, value.touchpoint, value].find(
      (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && 'tenantId' in v,
    );
    const parts = [
      typeof value.kind === 'string' ? value.kind : undefined,
      inner && `tenant=${String(inner.tenantId)}`,
      inner && 'appId' in inner ? `app=${String(inner.appId)}` : undefined,
      inner && typeof inner.name === 'string' ? `name=${inner.name}` : undefined,
    ].filter(Boolean);
    return parts.length > 0 ? parts.join(' ') : `json ${text.length} B`;
  } catch {
    return `undecodable ${text.length} B`;
  }
}

/** At most 500 records per PutRecords call (the Kinesis limit). */
const PUT_RECORDS_MAX = 500;

/**
 * Puts records on a stream in order-preserving chunks, retrying the entries Kinesis rejected
 * (throttling) up to `attempts` times. Returns how many were put; throws if some never were.
 */
export async function putRecordsAll(
  client: KinesisClient,
  stream: { streamName?: string; streamArn?: string },
  records: readonly DeadRecord[],
  attempts = 4,
): Promise<number> {
  let put = 0;
  for (let start = 0; start < records.length; start += PUT_RECORDS_MAX) {
    let pending = records.slice(start, start + PUT_RECORDS_MAX);
    for (let attempt = 1; pending.length > 0; attempt++) {
      const out = await client.send(
        new PutRecordsCommand({
          ...(stream.streamArn ? { StreamARN: stream.streamArn } : { StreamName: stream.streamName }),
          Records: pending.map((r) => ({
            PartitionKey: r.partitionKey,
            Data: Buffer.from(r.data, 'base64'),
          })),
        }),
      );
      const failed = pending.filter((_, i) => out.Records?.[i]?.ErrorCode !== undefined);
      put += pending.length - failed.length;
      if (failed.length > 0 && attempt >= attempts)
        throw new Error(
          `${failed.length} of ${records.length} records were not put back on the stream after ${attempts} attempts (${out.Records?.find((r) => r.ErrorCode)?.ErrorCode})`,
        );
      if (failed.length > 0) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      pending = failed;
    }
  }
  return put;
}

/** Records the local stream poller gave up on (one shard, one reason): what `dlq` lists and replays. */
export interface DeadLetter {
  readonly shardId: string;
  readonly reason: string;
  readonly failedAt: string;
  readonly records: readonly {
    readonly sequenceNumber: string;
    readonly partitionKey: string;
    readonly data: string;
  }[];
}
