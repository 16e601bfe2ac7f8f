import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DeadLetterEntry, type DeadRecord, putRecordsAll } from './records.js';
import { streamNameOf } from './sqs.js';

/**
 * Dead letters kept with their payloads in S3, so they stay replayable for as long as the bucket keeps
 * them (the stream keeps records 7 days). One object per failed batch, in the shape of the Lambda event
 * source mapping's S3 on-failure invocation record: `KinesisBatchInfo`, `requestContext`,
 * `responseContext`, `timestamp`, and `payload`, the invocation event (`{"Records": [...]}`) as JSON
 * text or object. Objects written by Lambda itself (an S3 on-failure destination) and those copied by
 * `unmogrowp dlq capture` from the SQS pointers read the same. A replayed letter gets a marker object
 * beside it (`<key>.replayed`), so it is replayed once.
 */

export interface S3DeadLettersOptions {
  readonly s3: S3Client;
  readonly kinesis: KinesisClient;
  readonly bucket: string;
  /** Key prefix of the letters. @default "dead-letters/" */
  readonly prefix?: string;
  /** Letters read per `list`/`replay`. @default 1000 */
  readonly maxLetters?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Key prefix `dlq capture` writes under by default. */
export const DEAD_LETTER_PREFIX = 'dead-letters/';
const REPLAYED_SUFFIX = '.replayed';

interface InvocationRecord {
  readonly timestamp?: string;
  readonly requestContext?: { readonly condition?: string };
  readonly responseContext?: { readonly functionError?: string };
  readonly KinesisBatchInfo?: { readonly shardId?: string; readonly streamArn?: string };
  readonly payload?: unknown;
}

interface PayloadRecord {
  readonly eventSourceARN?: string;
  readonly kinesis?: {
    readonly sequenceNumber?: string;
    readonly partitionKey?: string;
    readonly data?: string;
  };
}

export class S3DeadLetters {
  private readonly prefix: string;

  constructor(private readonly options: S3DeadLettersOptions) {
    this.prefix = options.prefix ?? DEAD_LETTER_PREFIX;
  }

  /**
   * Keeps one letter (with its records) as an object under the prefix; returns its key.
   * @throws when the letter has a `problem` or no records (there is nothing to replay)
   */
  async keep(entry: DeadLetterEntry, streamArn: string): Promise<string> {
    if (entry.problem || entry.records.length === 0) {
      throw new Error(
        `dead letter ${entry.id} has no records to keep${entry.problem ? `: ${entry.problem}` : ''}`,
      );
    }
    const first = entry.records[0]?.sequenceNumber ?? 'unknown';
    const key = `${this.prefix}${entry.shardId || 'shard'}/${first}.json`;
    const [condition, functionError] = entry.reason.split(': ');
    const record = {
      version: '1.0',
      timestamp: entry.failedAt,
      requestContext: { condition },
      responseContext: functionError ? { functionError } : {},
      KinesisBatchInfo: {
        shardId: entry.shardId,
        startSequenceNumber: first,
        endSequenceNumber: entry.records.at(-1)?.sequenceNumber ?? first,
        batchSize: entry.records.length,
        streamArn,
      },
      capturedFrom: entry.id,
      payload: JSON.stringify({
        Records: entry.records.map((r) => ({
          eventSourceARN: streamArn,
          kinesis: { sequenceNumber: r.sequenceNumber, partitionKey: r.partitionKey, data: r.data },
        })),
      }),
    };
    await this.options.s3.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: JSON.stringify(record),
        ContentType: 'application/json',
      }),
    );
    return key;
  }

  /** Every letter under the prefix, with its records and whether it was replayed. */
  async list(): Promise<DeadLetterEntry[]> {
    const keys = await this.keys();
    const replayed = new Map<string, string>();
    for (const marker of keys.filter((k) => k.endsWith(REPLAYED_SUFFIX))) {
      replayed.set(marker.slice(0, -REPLAYED_SUFFIX.length), await this.text(marker));
    }
    const entries: DeadLetterEntry[] = [];
    for (const key of keys.filter((k) => !k.endsWith(REPLAYED_SUFFIX))) {
      const entry = await this.entry(key);
      const at = replayed.get(key);
      entries.push(at ? { ...entry, replayedAt: at } : entry);
    }
    return entries;
  }

  /**
   * Puts the records of the chosen letters back on their stream and marks each replayed. Letters
   * already replayed, or whose payload cannot be read, are skipped. With `dryRun` nothing is put.
   * @throws when an id names no letter
   */
  async replay(
    ids: readonly string[] | 'all',
    options: { dryRun?: boolean; streamName?: string } = {},
  ): Promise<{ replayed: DeadLetterEntry[]; skipped: DeadLetterEntry[] }> {
    const entries = await this.list();
    if (ids !== 'all') {
      const known = new Set(entries.map((e) => e.id));
      const unknown = ids.filter((id) => !known.has(id));
      if (unknown.length > 0)
        throw new Error(
          `no dead letter with id ${unknown.join(', ')} under s3://${this.options.bucket}/${this.prefix}`,
        );
    }
    const replayed: DeadLetterEntry[] = [];
    const skipped: DeadLetterEntry[] = [];
    for (const entry of entries) {
      if (ids !== 'all' && !ids.includes(entry.id)) continue;
      // With --all, letters replayed before are simply done; named ones are reported as skipped.
      if (entry.replayedAt && ids === 'all') continue;
      if (entry.problem || entry.replayedAt) {
        skipped.push(entry);
        continue;
      }
      if (!options.dryRun) {
        await putRecordsAll(
          this.options.kinesis,
          { streamName: options.streamName ?? entry.stream },
          entry.records,
        );
        await this.options.s3.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: `${entry.id}${REPLAYED_SUFFIX}`,
            Body: (this.options.now?.() ?? new Date()).toISOString(),
            ContentType: 'text/plain',
          }),
        );
      }
      replayed.push(entry);
    }
    return { replayed, skipped };
  }

  private async keys(): Promise<string[]> {
    const max = this.options.maxLetters ?? 1000;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.s3.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token && keys.length < 2 * max);
    return keys.sort().slice(0, 2 * max);
  }

  private async text(key: string): Promise<string> {
    const out = await this.options.s3.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
    return (await out.Body?.transformToString('utf8')) ?? '';
  }

  private async entry(key: string): Promise<DeadLetterEntry> {
    const base = {
      id: key,
      source: 's3' as const,
      shardId: '',
      reason: '',
      failedAt: '',
      stream: '',
      records: [],
    };
    let body: InvocationRecord;
    try {
      body = JSON.parse(await this.text(key)) as InvocationRecord;
    } catch (error) {
      return {
        ...base,
        problem: `not an on-failure record (${error instanceof Error ? error.message : String(error)})`,
      };
    }
    const info = body.KinesisBatchInfo ?? {};
    const described = {
      ...base,
      shardId: info.shardId ?? '',
      reason: [body.requestContext?.condition, body.responseContext?.functionError]
        .filter(Boolean)
        .join(': '),
      failedAt: body.timestamp ?? '',
    };
    let payload: { Records?: PayloadRecord[] } | undefined;
    try {
      payload = (
        typeof body.payload === 'string' ? JSON.parse(body.payload) : body.payload
      ) as typeof payload;
    } catch {
      payload = undefined;
    }
    const sourceArn = info.streamArn ?? payload?.Records?.[0]?.eventSourceARN;
    const stream = sourceArn ? safeStreamName(sourceArn) : '';
    if (!Array.isArray(payload?.Records)) {
      return {
        ...described,
        stream,
        problem: 'the record carries no payload (a pointer only): read it from the stream with --queue-url',
      };
    }
    const records: DeadRecord[] = payload.Records.map((r) => ({
      sequenceNumber: r.kinesis?.sequenceNumber ?? '',
      partitionKey: r.kinesis?.partitionKey ?? '',
      data: r.kinesis?.data ?? '',
    }));
    if (records.some((r) => !r.data || !r.partitionKey)) {
      return {
        ...described,
        stream,
        records,
        problem: 'a record of the payload has no data or partition key',
      };
    }
    return stream ? { ...described, stream, records } : { ...described, records, problem: 'no stream named' };
  }
}

function safeStreamName(arn: string): string {
  try {
    return streamNameOf(arn);
  } catch {
    return '';
  }
}
