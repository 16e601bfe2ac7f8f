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

export interface StreamPollerOptions {
  readonly client: KinesisClient;
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
    Omit<StreamPollerOptions, 'onDeadLetter' | 'checkpointFile' | 'onBatch'>
  > &
    StreamPollerOptions;

  constructor(options: StreamPollerOptions) {
    this.options = { batchSize: 100, maxRetries: 3, idleMs: 200, region: 'us-east-1', ...options };
    if (options.checkpointFile) {
      try {
        this.checkpoints = JSON.parse(readFileSync(options.checkpointFile, 'utf8')) as Record<string, string>;
      } catch {
        this.checkpoints = {};
      }
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
    const { client, streamName } = this.options;
    const description = await client.send(new DescribeStreamCommand({ StreamName: streamName }));
    for (const shard of description.StreamDescription?.Shards ?? []) {
      if (!shard.ShardId) continue;
      this.shards.set(shard.ShardId, { pending: [], attempts: 0 });
    }
  }

  private async iteratorFor(shardId: string): Promise<string | undefined> {
    const { client, streamName } = this.options;
    const after = this.checkpoints[shardId];
    const out = await client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return out.ShardIterator;
  }

  /** Reads and handles one batch of a shard; true when it did any work. */
  private async pollShard(shardId: string, state: ShardState): Promise<boolean> {
    const { client, batchSize } = this.options;
    // A failed batch is retried as it was (no records added): its retry starts at the same record and
    // holds the same records, so the consumer's lake objects for it are overwritten, not duplicated.
    if (state.pending.length < batchSize && state.attempts === 0) {
      state.iterator ??= await this.iteratorFor(shardId);
      if (state.iterator) {
        const out = await client.send(
          new GetRecordsCommand({ ShardIterator: state.iterator, Limit: batchSize - state.pending.length }),
        );
        state.iterator = out.NextShardIterator;
        state.pending.push(...(out.Records ?? []));
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
      for (const record of batch) {
        if ((await this.invoke(shardId, [record])) !== undefined) {
          await this.deadLetter(
            shardId,
            [record],
            `handler failed ${state.attempts} times on its batch and alone`,
          );
        } else {
          this.processed += 1;
        }
      }
      this.succeeded(shardId, state, batch.length, false);
      return true;
    }
    await sleep(Math.min(1000, 50 * 2 ** state.attempts));
    return true;
  }

  private succeeded(shardId: string, state: ShardState, count: number, countAsProcessed = true): void {
    const done = state.pending.splice(0, count);
    const last = done.at(-1)?.SequenceNumber;
    if (countAsProcessed) this.processed += done.length;
    state.attempts = 0;
    if (last) {
      this.checkpoints[shardId] = last;
      this.saveCheckpoints();
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

  private saveCheckpoints(): void {
    const file = this.options.checkpointFile;
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(this.checkpoints));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
