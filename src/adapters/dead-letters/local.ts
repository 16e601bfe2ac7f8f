import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { LAKE_QUARANTINE_PREFIX } from '../../definitions/lake.js';
import { type DeadLetter, type DeadLetterEntry, putRecordsAll } from './records.js';

/** The local pipeline's dead letters: `<dataDir>/dead-letters.jsonl`, one failed batch a line. */
export const DEAD_LETTER_FILE = 'dead-letters.jsonl';
/** Replays already done, one line each (`{ id, replayedAt, records }`), so none is replayed twice. */
export const REPLAY_LOG_FILE = 'dead-letters.replayed.jsonl';

export interface LocalDeadLettersOptions {
  /** The local platform's data directory. */
  readonly dataDir: string;
  /** Stream the records go back on. */
  readonly streamName: string;
  /** Needed to replay. */
  readonly kinesis?: KinesisClient;
  /** With the lake bucket: also list the records the consumer quarantined as undecodable. */
  readonly s3?: S3Client;
  readonly lakeBucket?: string;
  readonly now?: () => Date;
}

/**
 * Reads and replays the local dead letters. The dead-letter file is only appended to (the running
 * platform writes it); replays are recorded in a second file next to it.
 */
export class LocalDeadLetters {
  constructor(private readonly options: LocalDeadLettersOptions) {}

  /** Every letter in the file, oldest first, each with `replayedAt` once replayed. */
  list(): DeadLetterEntry[] {
    const replayed = this.replayed();
    return readJsonLines<DeadLetter>(join(this.options.dataDir, DEAD_LETTER_FILE)).map((letter) => {
      const id = `${letter.shardId}/${letter.records[0]?.sequenceNumber ?? letter.failedAt}`;
      const replayedAt = replayed.get(id);
      return {
        id,
        source: 'local' as const,
        shardId: letter.shardId,
        reason: letter.reason,
        failedAt: letter.failedAt,
        stream: this.options.streamName,
        records: letter.records,
        ...(replayedAt ? { replayedAt } : {}),
      };
    });
  }

  /**
   * Records the consumer quarantined (undecodable, so not replayable: they would be quarantined
   * again). Empty without the S3 client and bucket.
   */
  async quarantined(limit = 100): Promise<DeadLetterEntry[]> {
    const { s3, lakeBucket } = this.options;
    if (!s3 || !lakeBucket) return [];
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: lakeBucket, Prefix: LAKE_QUARANTINE_PREFIX, MaxKeys: limit }),
    );
    const entries: DeadLetterEntry[] = [];
    for (const object of listed.Contents ?? []) {
      if (!object.Key) continue;
      const body = await s3.send(new GetObjectCommand({ Bucket: lakeBucket, Key: object.Key }));
      const item = JSON.parse((await body.Body?.transformToString()) ?? '{}') as {
        reason?: string;
        sequenceNumber?: string;
        data?: string;
      };
      entries.push({
        id: object.Key,
        source: 'quarantine',
        shardId: '',
        reason: item.reason ?? '',
        failedAt: object.LastModified?.toISOString() ?? '',
        stream: this.options.streamName,
        records: [{ sequenceNumber: item.sequenceNumber ?? '', partitionKey: '', data: item.data ?? '' }],
      });
    }
    return entries;
  }

  /**
   * Puts the records of the given letters (not yet replayed) back on the stream, in file order, and
   * logs each replay. Returns the letters replayed; with `dryRun` nothing is put or logged.
   */
  async replay(
    ids: readonly string[] | 'all',
    options: { dryRun?: boolean } = {},
  ): Promise<DeadLetterEntry[]> {
    const letters = this.list();
    if (ids !== 'all') {
      const known = new Set(letters.map((l) => l.id));
      const unknown = ids.filter((id) => !known.has(id));
      if (unknown.length > 0) throw new Error(`no dead letter with id ${unknown.join(', ')}`);
    }
    const chosen = letters.filter((l) => !l.replayedAt && (ids === 'all' || ids.includes(l.id)));
    if (options.dryRun) return chosen;
    const { kinesis } = this.options;
    if (!kinesis) throw new Error('replaying needs the Kinesis client');
    const done: DeadLetterEntry[] = [];
    for (const letter of chosen) {
      await putRecordsAll(kinesis, { streamName: this.options.streamName }, letter.records);
      const replayedAt = (this.options.now?.() ?? new Date()).toISOString();
      appendFileSync(
        join(this.options.dataDir, REPLAY_LOG_FILE),
        `${JSON.stringify({ id: letter.id, replayedAt, records: letter.records.length })}\n`,
      );
      done.push({ ...letter, replayedAt });
    }
    return done;
  }

  private replayed(): Map<string, string> {
    const log = readJsonLines<{ id: string; replayedAt: string }>(
      join(this.options.dataDir, REPLAY_LOG_FILE),
    );
    return new Map(log.map((entry) => [entry.id, entry.replayedAt]));
  }
}

/** The JSON lines of a file (none if it does not exist); a torn last line (a write in progress) is skipped. */
function readJsonLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const out: T[] = [];
  for (const [i, line] of lines.entries()) {
    try {
      out.push(JSON.parse(line) as T);
    } catch (error) {
      if (i < lines.length - 1) throw new Error(`${path} line ${i + 1} is not JSON`, { cause: error });
    }
  }
  return out;
}
