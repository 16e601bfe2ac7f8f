import { createHash } from 'node:crypto';
import type { Database } from 'lmdb';
import type { RecordPublisher } from '../../app/ports/record-publisher.js';
import type { PipelineRecord } from '../../domain/records.js';
import { encodeRecord, partitionKeyOf } from '../kinesis/publisher.js';
import { END, key, SEP } from './database.js';

/**
 * The ingest stream of local mode as an ordered log in the embedded database: a fixed number of shards,
 * a record's shard chosen by the MD5 of its partition key (as Kinesis maps a key into its shards' hash
 * ranges, so one device's records stay on one shard, in order), per-shard sequence numbers, and each
 * shard's consumer checkpoint. An append is one write transaction, flushed before it resolves: a record
 * the API accepted survives a crash. Records at or before a shard's checkpoint are trimmed once that
 * checkpoint is on disk.
 *
 * | item        | key                         | value                                   |
 * | ----------- | --------------------------- | --------------------------------------- |
 * | record      | `R <shard> <sequence:20>`   | partition key, data, arrival time       |
 * | last number | `S <shard>`                 | the shard's last sequence number        |
 * | checkpoint  | `P <consumer> <shard>` (in `checkpointDb`) | the consumer's last handled sequence |
 */

export interface LogRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  readonly arrivalMs: number;
}

interface StoredRecord {
  readonly p: string;
  readonly d: Uint8Array;
  readonly a: number;
}

export interface EmbeddedLogOptions {
  /** The `log` database of `openEmbeddedDatabase`. */
  readonly db: Database;
  /**
   * Where consumers' checkpoints are kept: the consumer's own store, so a checkpoint never reaches the
   * disk before the commits it covers. @default `db`
   */
  readonly checkpointDb?: Database;
  /** Least milliseconds between two trims of consumed records. @default 1000 */
  readonly trimIntervalMs?: number;
  /** Shards of the log: a fixed count for the life of the data directory. @default 2 */
  readonly shards?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

const SEQUENCE_DIGITS = 20;
const shardName = (index: number) => `shardId-${String(index).padStart(12, '0')}`;
const recordKey = (shardId: string, sequence: number) =>
  key('R', shardId, String(sequence).padStart(SEQUENCE_DIGITS, '0'));

export class EmbeddedLog {
  private readonly db: Database;
  private readonly checkpointDb: Database;
  private readonly trimIntervalMs: number;
  private lastTrimMs = 0;
  readonly shardIds: readonly string[];
  private readonly now: () => number;

  constructor(options: EmbeddedLogOptions) {
    this.db = options.db;
    this.checkpointDb = options.checkpointDb ?? options.db;
    this.trimIntervalMs = options.trimIntervalMs ?? 1000;
    const shards = options.shards ?? 2;
    if (!Number.isInteger(shards) || shards < 1 || shards > 64)
      throw new RangeError(`shards must be an integer between 1 and 64. Received ${shards}`);
    this.shardIds = Array.from({ length: shards }, (_, i) => shardName(i));
    this.now = options.now ?? Date.now;
  }

  /** The shard of a partition key: its MD5 as a 128-bit number, cut into equal hash ranges. */
  shardOf(partitionKey: string): string {
    const hash = createHash('md5').update(partitionKey).digest();
    const top = hash.readUIntBE(0, 6) / 2 ** 48;
    return this.shardIds[Math.floor(top * this.shardIds.length)] ?? (this.shardIds[0] as string);
  }

  /** Appends records (each to its partition key's shard, in order); resolves once on disk. */
  async append(records: readonly { partitionKey: string; data: Uint8Array }[]): Promise<void> {
    if (records.length === 0) return;
    const arrivalMs = this.now();
    const committed = this.db.transaction(() => {
      const next = new Map<string, number>();
      for (const record of records) {
        const shardId = this.shardOf(record.partitionKey);
        const sequence =
          (next.get(shardId) ?? (this.db.get(key('S', shardId)) as number | undefined) ?? 0) + 1;
        next.set(shardId, sequence);
        const stored: StoredRecord = { p: record.partitionKey, d: record.data, a: arrivalMs };
        this.db.putSync(recordKey(shardId, sequence), stored);
      }
      for (const [shardId, sequence] of next) this.db.putSync(key('S', shardId), sequence);
    });
    await committed;
    // An accepted record survives a power cut too: the API answers 202 only once it is on disk.
    await this.db.flushed;
  }

  /** Up to `limit` records of a shard after `afterSequence` (from the oldest kept when undefined). */
  read(shardId: string, afterSequence: string | undefined, limit: number): LogRecord[] {
    const start =
      afterSequence === undefined
        ? `${key('R', shardId)}${SEP}`
        : recordKey(shardId, Number(afterSequence) + 1);
    const out: LogRecord[] = [];
    for (const { key: at, value } of this.db.getRange({ start, end: `${key('R', shardId)}${END}`, limit })) {
      const stored = value as StoredRecord;
      out.push({
        sequenceNumber: String(at).split(SEP)[2] ?? '',
        partitionKey: stored.p,
        data: stored.d,
        arrivalMs: stored.a,
      });
    }
    return out;
  }

  /** The consumer's checkpoint per shard. */
  checkpoints(consumer: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const shardId of this.shardIds) {
      const at = this.checkpointDb.get(key('P', consumer, shardId)) as string | undefined;
      if (at !== undefined) out[shardId] = at;
    }
    return out;
  }

  /** Records the consumer's progress on a shard; now and then trims the records it has consumed. */
  async checkpoint(consumer: string, shardId: string, sequenceNumber: string): Promise<void> {
    await this.checkpointDb.put(key('P', consumer, shardId), sequenceNumber);
    if (this.now() - this.lastTrimMs < this.trimIntervalMs) return;
    this.lastTrimMs = this.now();
    // Trim only behind checkpoints on disk: a power cut must not leave a checkpoint older than the trim.
    await this.checkpointDb.flushed;
    const done = this.checkpoints(consumer);
    await this.db.transaction(() => {
      for (const [shard, after] of Object.entries(done)) {
        const end = recordKey(shard, Number(after) + 1);
        for (const at of this.db.getKeys({ start: `${key('R', shard)}${SEP}`, end })) this.db.removeSync(at);
      }
    });
  }

  /** Records not yet past the consumer's checkpoint, over every shard. */
  backlog(consumer: string): number {
    const done = this.checkpoints(consumer);
    let n = 0;
    for (const shardId of this.shardIds) {
      const after = done[shardId];
      const start =
        after === undefined ? `${key('R', shardId)}${SEP}` : recordKey(shardId, Number(after) + 1);
      n += this.db.getKeysCount({ start, end: `${key('R', shardId)}${END}` });
    }
    return n;
  }
}

/** The API's record publisher onto the embedded log (the Kinesis publisher's encoding and keys). */
export class EmbeddedLogPublisher implements RecordPublisher {
  constructor(private readonly log: EmbeddedLog) {}

  async publish(records: readonly PipelineRecord[]): Promise<void> {
    await this.log.append(
      records.map((record) => ({
        partitionKey: partitionKeyOf(record),
        data: Buffer.from(encodeRecord(record), 'utf8'),
      })),
    );
  }
}
