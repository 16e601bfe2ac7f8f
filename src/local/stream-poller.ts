import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type _Record,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { DeadLetter } from '../adapters/dead-letters/records.js';

export type { DeadLetter };

/**
 * Runs a Kinesis consumer handler against a local stream the way a Lambda event source mapping with
 * `ReportBatchItemFailures` does: batches per shard in order, a failed item makes the batch restart from
 * that item's sequence number, a thrown error retries the whole batch (bisecting it, as
 * `bisectBatchOnError`), and after `maxRetries` the records go to the dead-letter sink and the shard moves on.
 */

export type KinesisBatchHandler = (
  event: KinesisStreamEvent,
) => Promise<KinesisStreamBatchResponse | undefined> | Promise<void>;

/**
 * Where the poller reads records: a Kinesis stream (`KinesisShardSource`) or the embedded log
 * (`src/local/embedded/log-source.ts`). Iterators are opaque positions, as Kinesis shard iterators.
 */
export interface ShardSource {
  listShards(): Promise<string[]>;
  /** A position after `afterSequence`, or at the oldest record kept when undefined. */
  iterator(shardId: string, afterSequence: string | undefined): Promise<string | undefined>;
  read(iterator: string, limit: number): Promise<{ records: _Record[]; nextIterator?: string }>;
}

/** Keeps each shard's last handled sequence number across restarts. */
export interface CheckpointStore {
  load(): Record<string, string>;
  save(shardId: string, sequenceNumber: string, all: Readonly<Record<string, string>>): void | Promise<void>;
}

/** Reads a Kinesis stream (kinesalite, in `--emulators` local mode) with shard iterators. */
export class KinesisShardSource implements ShardSource {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
  ) {}

  async listShards(): Promise<string[]> {
    const description = await this.client.send(new DescribeStreamCommand({ StreamName: this.streamName }));
    return (description.StreamDescription?.Shards ?? []).flatMap((s) => (s.ShardId ? [s.ShardId] : []));
  }

  async iterator(shardId: string, after: string | undefined): Promise<string | undefined> {
    const out = await this.client.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return out.ShardIterator;
  }

  async read(iterator: string, limit: number): Promise<{ records: _Record[]; nextIterator?: string }> {
    const out = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    return {
      records: out.Records ?? [],
      ...(out.NextShardIterator ? { nextIterator: out.NextShardIterator } : {}),
    };
  }
}

/** The checkpoints as a JSON file. */
export function fileCheckpoints(file: string): CheckpointStore {
  return {
    load() {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
      } catch {
        return {};
      }
    },
    save(_shardId, _sequenceNumber, all) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(all));
    },
  };
}

export interface StreamPollerOptions {
  /** A Kinesis client for `streamName`. @default none: `source` is required then */
  readonly client?: KinesisClient;
  /** The records' source. @default the Kinesis stream `streamName` through `client` */
  readonly source?: ShardSource;
  /** Names the stream in the records' ARN and in errors. */
  readonly streamName: string;
  readonly handler: KinesisBatchHandler;
  /** Records per handler call. @default 100 */
  readonly batchSize?: number;
  /** Retries of a failing batch before its records go to the dead-letter sink. @default 3 */
  readonly maxRetries?: number;
  /** Pause between polls of an idle shard, ms. @default 200 */
  readonly idleMs?: number;
  /** Where dead letters go. */
  readonly onDeadLetter?: (letter: DeadLetter) => void | Promise<void>;
  /** File that keeps each shard's last processed sequence number across restarts. @default none */
  readonly checkpointFile?: string;
  /** Where checkpoints are kept (wins over `checkpointFile`). @default `checkpointFile`, or none */
  readonly checkpoints?: CheckpointStore;
  readonly region?: string;
  /**
   * Called after every handler call with its outcome, for metrics (lag, throughput): `handled` records
   * are done (those before the first failed one), `failed` the records the handler reported failed.
   */
  readonly onBatch?: (info: {
    shardId: string;
    records: number;
    handled: number;
    failed: number;
    lagMs: number;
  }) => void;
}

interface ShardState {
  iterator?: string;
  /** Records read but not yet handled successfully (a retried batch is served from here). */
  pending: _Record[];
  attempts: number;
}

export class StreamPoller {
  private running = false;
  private loop?: Promise<void>;
  private readonly shards = new Map<string, ShardState>();
  private checkpoints: Record<string, string> = {};
  private processed = 0;
  private readonly options: Required<
    Omit<
      StreamPollerOptions,
      'onDeadLetter' | 'checkpointFile' | 'onBatch' | 'client' | 'source' | 'checkpoints'
    >
  > &
    StreamPollerOptions;
  private readonly source: ShardSource;
  private readonly checkpointStore?: CheckpointStore;

  constructor(options: StreamPollerOptions) {
    this.options = { batchSize: 100, maxRetries: 3, idleMs: 200, region: 'us-east-1', ...options };
    if (options.source) this.source = options.source;
    else if (options.client) this.source = new KinesisShardSource(options.client, options.streamName);
    else throw new TypeError('StreamPoller needs a source or a Kinesis client. Received neither');
    const store =
      options.checkpoints ?? (options.checkpointFile ? fileCheckpoints(options.checkpointFile) : undefined);
    if (store) {
      this.checkpointStore = store;
      this.checkpoints = store.load();
    }
  }

  /** Records handled successfully since start. */
  get processedRecords(): number {
    return this.processed;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.saving;
  }

  /**
   * Start time of the latest poll cycle that found every shard read to its end with nothing pending:
   * every record put before it has been handled.
   */
  get caughtUpAtMs(): number {
    return this.caughtUp;
  }

  /** Resolves once every record put on the stream before this call has been handled. */
  async drain(timeoutMs = 60_000): Promise<void> {
    const since = Date.now();
    const deadline = since + timeoutMs;
    while (this.caughtUp < since) {
      if (Date.now() > deadline)
        throw new Error(`stream ${this.options.streamName} not drained within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  private caughtUp = 0;
  /** The latest checkpoint write (they run one after another, in order). */
  private saving: Promise<void> | undefined;

  private async run(): Promise<void> {
    while (this.running) {
      const cycleStartedAt = Date.now();
      let busy = false;
      try {
        await this.refreshShards();
        // Shards are consumed concurrently, one batch in flight per shard, as the event source mapping does.
        const results = await Promise.all(
          [...this.shards].map(([shardId, state]) => this.pollShard(shardId, state)),
        );
        busy = results.some(Boolean);
        if (!busy) this.caughtUp = cycleStartedAt;
      } catch (error) {
        process.stderr.write(`stream poller: ${(error as Error).message}\n`);
      }
      if (!busy) await sleep(this.options.idleMs);
    }
  }

  private async refreshShards(): Promise<void> {
    if (this.shards.size > 0) return;
    for (const shardId of await this.source.listShards())
      this.shards.set(shardId, { pending: [], attempts: 0 });
  }

  private iteratorFor(shardId: string): Promise<string | undefined> {
    return this.source.iterator(shardId, this.checkpoints[shardId]);
  }

  /** Reads and handles one batch of a shard; true when it did any work. */
  private async pollShard(shardId: string, state: ShardState): Promise<boolean> {
    const { batchSize } = this.options;
    // A failed batch is retried as it was (no records added): its retry starts at the same record and
    // holds the same records, so the consumer's lake objects for it are overwritten, not duplicated.
    if (state.pending.length < batchSize && state.attempts === 0) {
      state.iterator ??= await this.iteratorFor(shardId);
      if (state.iterator) {
        const out = await this.source.read(state.iterator, batchSize - state.pending.length);
        state.iterator = out.nextIterator;
        state.pending.push(...out.records);
      }
    }
    if (state.pending.length === 0) return false;
    const batch = state.pending.slice(0, batchSize);
    const failedFrom = await this.invoke(shardId, batch);
    if (failedFrom === undefined) {
      this.succeeded(shardId, state, batch.length);
      return true;
    }
    // Records before the first failure are done: checkpoint them, retry from the failure.
    if (failedFrom > 0) {
      this.succeeded(shardId, state, failedFrom);
      return true;
    }
    state.attempts += 1;
    if (state.attempts > this.options.maxRetries) {
      // Retries exhausted: split the batch down to single records, as bisectBatchOnError does, so only
      // the poisoned records go to the dead-letter sink and the shard moves on.
      // Each record alone gets the same retries as its batch: a transient fault that strikes a record
      // on its own must not send it to the dead letters.
      for (const record of batch) {
        let alone = 0;
        while ((await this.invoke(shardId, [record])) !== undefined) {
          alone += 1;
          if (alone > this.options.maxRetries) break;
          await sleep(retryDelayMs(alone));
        }
        if (alone > this.options.maxRetries) {
          await this.deadLetter(
            shardId,
            [record],
            `handler failed ${state.attempts} times on its batch and ${alone} times alone`,
          );
        } else {
          this.processed += 1;
        }
      }
      this.succeeded(shardId, state, batch.length, false);
      return true;
    }
    await sleep(retryDelayMs(state.attempts));
    return true;
  }

  private succeeded(shardId: string, state: ShardState, count: number, countAsProcessed = true): void {
    const done = state.pending.splice(0, count);
    const last = done.at(-1)?.SequenceNumber;
    if (countAsProcessed) this.processed += done.length;
    state.attempts = 0;
    if (last) {
      this.checkpoints[shardId] = last;
      this.saving = Promise.resolve(this.saving)
        .then(async () => {
          await this.checkpointStore?.save(shardId, last, { ...this.checkpoints });
        })
        .catch((error: unknown) => {
          process.stderr.write(`stream poller: checkpoint not saved: ${(error as Error).message}\n`);
        });
    }
  }

  /** Calls the handler; returns the index of the first failed record, or undefined when all succeeded. */
  private async invoke(shardId: string, batch: readonly _Record[]): Promise<number | undefined> {
    const event: KinesisStreamEvent = { Records: batch.map((r) => this.toLambdaRecord(shardId, r)) };
    const started = Date.now();
    let failedIndex: number | undefined;
    let failedCount = 0;
    try {
      const response = await this.options.handler(event);
      const failures = response?.batchItemFailures ?? [];
      if (failures.length > 0) {
        const failedIds = new Set(failures.map((f) => f.itemIdentifier));
        failedCount = failures.length;
        failedIndex = batch.findIndex(
          (r) => r.SequenceNumber !== undefined && failedIds.has(r.SequenceNumber),
        );
        // An identifier that names no record of the batch fails the whole batch (Lambda does the same).
        if (failedIndex < 0) failedIndex = 0;
      }
    } catch (error) {
      process.stderr.write(`consumer: batch of ${batch.length} failed: ${(error as Error).message}\n`);
      failedIndex = 0;
      failedCount = batch.length;
    }
    const oldest = batch[0]?.ApproximateArrivalTimestamp?.getTime() ?? started;
    this.options.onBatch?.({
      shardId,
      records: batch.length,
      handled: failedIndex ?? batch.length,
      failed: failedCount,
      lagMs: started - oldest,
    });
    return failedIndex;
  }

  private toLambdaRecord(shardId: string, r: _Record): KinesisStreamRecord {
    const { region, streamName } = this.options;
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.PartitionKey ?? '',
        sequenceNumber: r.SequenceNumber ?? '',
        data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${r.SequenceNumber ?? ''}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/local',
      awsRegion: region,
      eventSourceARN: `arn:aws:kinesis:${region}:000000000000:stream/${streamName}`,
    };
  }

  private async deadLetter(shardId: string, records: readonly _Record[], reason: string): Promise<void> {
    await this.options.onDeadLetter?.({
      shardId,
      reason,
      failedAt: new Date().toISOString(),
      records: records.map((r) => ({
        sequenceNumber: r.SequenceNumber ?? '',
        partitionKey: r.PartitionKey ?? '',
        data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
      })),
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Back-off before retry `attempt` (1, 2, …) of a batch or of a record alone: 100 ms doubling, at most 1 s. */
const retryDelayMs = (attempt: number) => Math.min(1000, 50 * 2 ** attempt);
