import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type DeadLetterEntry, type DeadRecord, putRecordsAll } from './records.js';

/**
 * The body of a message the consumer's event source mapping sends to its SQS on-failure destination:
 * it points at the records (shard and sequence range), it does not carry them.
 */
export interface KinesisFailureMessage {
  readonly timestamp?: string;
  readonly requestContext?: { readonly condition?: string; readonly functionArn?: string };
  readonly responseContext?: { readonly functionError?: string; readonly statusCode?: number };
  readonly KinesisBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

export interface SqsDeadLettersOptions {
  readonly sqs: SQSClient;
  readonly kinesis: KinesisClient;
  readonly queueUrl: string;
  /** Messages read per `list`/`replay`. @default 100 */
  readonly maxMessages?: number;
  /** Seconds a received message stays hidden from other readers while we work on it. @default 60 */
  readonly visibilityTimeoutSeconds?: number;
}

/** `arn:aws:kinesis:<region>:<account>:stream/<name>` → `<name>`. */
export function streamNameOf(streamArn: string): string {
  const name = /:stream\/(.+)$/.exec(streamArn)?.[1];
  if (!name) throw new Error(`not a Kinesis stream ARN: ${streamArn}`);
  return name;
}

/**
 * The cloud dead letters: messages of the consumer's SQS on-failure destination. Each message's
 * records are read back from the stream (AT_SEQUENCE_NUMBER its start, up to its end), so a letter
 * whose records are past the stream's retention shows a `problem` and is never deleted unreplayed.
 */
export class SqsDeadLetters {
  constructor(private readonly options: SqsDeadLettersOptions) {}

  /** The letters in the queue with their records; the messages stay in the queue. */
  async list(): Promise<DeadLetterEntry[]> {
    const messages = await this.receive();
    try {
      return await Promise.all(messages.map((m) => this.entry(m)));
    } finally {
      await this.release(messages);
    }
  }

  /**
   * Puts the records of the chosen letters back on their stream, then deletes their messages (so a
   * letter is replayed once). Letters whose records cannot be read are left in the queue. With
   * `dryRun` nothing is put or deleted.
   */
  async replay(
    ids: readonly string[] | 'all',
    options: { dryRun?: boolean } = {},
  ): Promise<{ replayed: DeadLetterEntry[]; skipped: DeadLetterEntry[] }> {
    const messages = await this.receive();
    const replayed: DeadLetterEntry[] = [];
    const skipped: DeadLetterEntry[] = [];
    const untouched: Message[] = [];
    try {
      for (const message of messages) {
        if (ids !== 'all' && !ids.includes(message.MessageId ?? '')) {
          untouched.push(message);
          continue;
        }
        const entry = await this.entry(message);
        if (entry.problem || options.dryRun) {
          (entry.problem ? skipped : replayed).push(entry);
          untouched.push(message);
          continue;
        }
        await putRecordsAll(this.options.kinesis, { streamName: entry.stream }, entry.records);
        await this.options.sqs.send(
          new DeleteMessageCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        replayed.push(entry);
      }
    } finally {
      await this.release(untouched);
    }
    if (ids !== 'all') {
      const seen = new Set(messages.map((m) => m.MessageId));
      const unknown = ids.filter((id) => !seen.has(id));
      if (unknown.length > 0) throw new Error(`no dead letter with id ${unknown.join(', ')} in the queue`);
    }
    return { replayed, skipped };
  }

  /**
   * Keeps the chosen letters' records with their payloads elsewhere (`keep`, e.g. `S3DeadLetters.capture`),
   * then deletes their messages: the payloads then outlive the stream's retention. Letters whose records
   * can no longer be read stay in the queue. With `dryRun` nothing is kept or deleted.
   */
  async capture(
    keep: (entry: DeadLetterEntry, streamArn: string) => Promise<void>,
    options: { dryRun?: boolean } = {},
  ): Promise<{ captured: DeadLetterEntry[]; skipped: DeadLetterEntry[] }> {
    const messages = await this.receive();
    const captured: DeadLetterEntry[] = [];
    const skipped: DeadLetterEntry[] = [];
    const untouched: Message[] = [];
    try {
      for (const message of messages) {
        const entry = await this.entry(message);
        if (entry.problem || options.dryRun) {
          (entry.problem ? skipped : captured).push(entry);
          untouched.push(message);
          continue;
        }
        const streamArn = (JSON.parse(message.Body ?? '{}') as KinesisFailureMessage).KinesisBatchInfo
          .streamArn;
        await keep(entry, streamArn);
        await this.options.sqs.send(
          new DeleteMessageCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        captured.push(entry);
      }
    } finally {
      await this.release(untouched);
    }
    return { captured, skipped };
  }

  /** Reads up to `maxMessages` messages, each once (received messages stay hidden until released). */
  private async receive(): Promise<Message[]> {
    const max = this.options.maxMessages ?? 100;
    const messages = new Map<string, Message>();
    while (messages.size < max) {
      const out = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: Math.min(10, max - messages.size),
          VisibilityTimeout: this.options.visibilityTimeoutSeconds ?? 60,
          WaitTimeSeconds: 0,
        }),
      );
      const batch = (out.Messages ?? []).filter((m) => m.MessageId && !messages.has(m.MessageId));
      if (batch.length === 0) break;
      for (const m of batch) messages.set(m.MessageId ?? '', m);
    }
    return [...messages.values()];
  }

  /** Makes messages visible again at once (they were only read). */
  private async release(messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      await this.options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((m, j) => ({
            Id: String(j),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }

  private async entry(message: Message): Promise<DeadLetterEntry> {
    const id = message.MessageId ?? '';
    let body: KinesisFailureMessage;
    try {
      body = JSON.parse(message.Body ?? '') as KinesisFailureMessage;
      if (!body.KinesisBatchInfo?.streamArn) throw new Error('no KinesisBatchInfo');
    } catch (error) {
      return {
        id,
        source: 'sqs',
        shardId: '',
        reason: '',
        failedAt: '',
        stream: '',
        records: [],
        problem: `not a Kinesis on-failure message (${error instanceof Error ? error.message : String(error)})`,
      };
    }
    const info = body.KinesisBatchInfo;
    const reason = [body.requestContext?.condition, body.responseContext?.functionError]
      .filter(Boolean)
      .join(': ');
    const base = {
      id,
      source: 'sqs' as const,
      shardId: info.shardId,
      reason,
      failedAt: body.timestamp ?? '',
      stream: streamNameOf(info.streamArn),
    };
    try {
      const records = await this.readRange(base.stream, info);
      return records.length === 0
        ? { ...base, records, problem: 'its records are no longer on the stream (past retention?)' }
        : { ...base, records };
    } catch (error) {
      return { ...base, records: [], problem: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The records from the start to the end sequence number of one shard, at most `batchSize`. */
  private async readRange(
    streamName: string,
    info: KinesisFailureMessage['KinesisBatchInfo'],
  ): Promise<DeadRecord[]> {
    const { kinesis } = this.options;
    const end = BigInt(info.endSequenceNumber);
    const iterator = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: info.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: info.startSequenceNumber,
      }),
    );
    const records: DeadRecord[] = [];
    let next = iterator.ShardIterator;
    // A shard can answer empty pages before the range: stop after a few at the stream's tip (and 200 in all).
    for (
      let pages = 0, emptyPages = 0;
      next && records.length < info.batchSize && emptyPages < 5 && pages < 200;
      pages++
    ) {
      const out = await kinesis.send(
        new GetRecordsCommand({
          ShardIterator: next,
          Limit: Math.min(10_000, info.batchSize - records.length),
        }),
      );
      const page: _Record[] = out.Records ?? [];
      if (page.length === 0) emptyPages += out.MillisBehindLatest === 0 ? 1 : 0;
      for (const r of page) {
        if (BigInt(r.SequenceNumber ?? '0') > end) return records;
        records.push({
          sequenceNumber: r.SequenceNumber ?? '',
          partitionKey: r.PartitionKey ?? '',
          data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
        });
      }
      next = out.NextShardIterator;
    }
    return records;
  }
}
