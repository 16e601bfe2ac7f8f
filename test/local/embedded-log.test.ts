import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedDatabase, openEmbeddedDatabase } from '../../src/adapters/embedded/database.js';
import { EmbeddedLog } from '../../src/adapters/embedded/ordered-log.js';
import { EmbeddedShardSource, logCheckpoints } from '../../src/local/embedded/log-source.js';
import { type DeadLetter, StreamPoller, type StreamPollerOptions } from '../../src/local/stream-poller.js';

const opened: { dir: string; db: EmbeddedDatabase }[] = [];
function freshDatabase(dir = mkdtempSync(join(tmpdir(), 'unmogrowp-log-'))) {
  const db = openEmbeddedDatabase(dir);
  opened.push({ dir, db });
  return { dir, db };
}
afterEach(async () => {
  for (const { db } of opened.splice(0)) await db.close();
});

const text = (values: readonly string[], partitionKey = 'one-device') =>
  values.map((v) => ({ partitionKey, data: Buffer.from(v) }));
const decode = (event: KinesisStreamEvent) =>
  event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString('utf8'));

/** Runs a poller over a fresh one-shard log holding `values` until it is drained. */
async function pollAll(
  values: readonly string[],
  options: Partial<StreamPollerOptions> & Pick<StreamPollerOptions, 'handler'>,
) {
  const { db } = freshDatabase();
  const log = new EmbeddedLog({ db: db.log, checkpointDb: db.checkpoints, shards: 1 });
  await log.append(text(values));
  const poller = new StreamPoller({
    source: new EmbeddedShardSource(log),
    streamName: 'embedded',
    idleMs: 10,
    checkpoints: logCheckpoints(log, 'test'),
    ...options,
  });
  poller.start();
  await poller.drain();
  await poller.stop();
  return { log, poller };
}

describe('embedded ordered log', () => {
  it('keeps one partition key on one shard, in append order, with rising sequence numbers', async () => {
    const { db } = freshDatabase();
    const log = new EmbeddedLog({ db: db.log, shards: 4 });
    await log.append(text(['a', 'b'], 'device-1'));
    await log.append(text(['c'], 'device-1'));
    const shard = log.shardOf('device-1');

    const records = log.read(shard, undefined, 10);

    expect(records.map((r) => Buffer.from(r.data).toString())).toEqual(['a', 'b', 'c']);
    expect(records.map((r) => Number(r.sequenceNumber))).toEqual([1, 2, 3]);
    expect(log.read(shard, records[0]?.sequenceNumber, 10)).toHaveLength(2);
  });

  it('spreads partition keys over every shard', async () => {
    const { db } = freshDatabase();
    const log = new EmbeddedLog({ db: db.log, shards: 4 });
    const shards = new Set(Array.from({ length: 200 }, (_, i) => log.shardOf(`device-${i}`)));
    expect(shards).toEqual(new Set(log.shardIds));
  });

  it('refuses a shard count outside 1 to 64, naming the value', () => {
    const { db } = freshDatabase();
    expect(() => new EmbeddedLog({ db: db.log, shards: 0 })).toThrow(
      'shards must be an integer between 1 and 64. Received 0',
    );
  });

  it('keeps records and checkpoints when reopened from the same directory', async () => {
    const { dir, db } = freshDatabase();
    const log = new EmbeddedLog({ db: db.log, checkpointDb: db.checkpoints, shards: 1 });
    await log.append(text(['a', 'b', 'c']));
    await log.checkpoint('consumer', log.shardIds[0] as string, '1');
    await db.close();
    opened.pop();

    const reopened = freshDatabase(dir);
    const again = new EmbeddedLog({ db: reopened.db.log, checkpointDb: reopened.db.checkpoints, shards: 1 });

    expect(again.checkpoints('consumer')).toEqual({ [again.shardIds[0] as string]: '1' });
    expect(again.backlog('consumer')).toBe(2);
    await again.append(text(['d']));
    expect(again.read(again.shardIds[0] as string, '3', 10).map((r) => r.sequenceNumber)).toEqual([
      '00000000000000000004',
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('trims the records behind a checkpoint', async () => {
    const { db } = freshDatabase();
    const log = new EmbeddedLog({ db: db.log, checkpointDb: db.checkpoints, shards: 1, trimIntervalMs: 0 });
    await log.append(text(['a', 'b', 'c']));
    const shard = log.shardIds[0] as string;

    await log.checkpoint('consumer', shard, '2');

    expect(log.read(shard, undefined, 10).map((r) => Buffer.from(r.data).toString())).toEqual(['c']);
  });
});

describe('the stream poller over the embedded log (event source mapping semantics)', () => {
  it('delivers every record once, in order, in batches of at most batchSize, and checkpoints the end', async () => {
    const values = Array.from({ length: 25 }, (_, i) => `r${i}`);
    const seen: string[] = [];
    const batchSizes: number[] = [];
    const { log, poller } = await pollAll(values, {
      batchSize: 10,
      handler: async (event) => {
        batchSizes.push(event.Records.length);
        seen.push(...decode(event));
      },
    });
    expect(seen).toEqual(values);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(10);
    expect(poller.processedRecords).toBe(25);
    expect(log.backlog('test')).toBe(0);
  });

  it('restarts a batch from the first reported failure and does not redeliver records before it', async () => {
    const deliveries: string[][] = [];
    let failedOnce = false;
    await pollAll(['a', 'b', 'c', 'd'], {
      handler: async (event) => {
        const values = decode(event);
        deliveries.push(values);
        const c = event.Records[values.indexOf('c')];
        if (!failedOnce && c) {
          failedOnce = true;
          return { batchItemFailures: [{ itemIdentifier: c.kinesis.sequenceNumber }] };
        }
        return { batchItemFailures: [] };
      },
    });
    expect(deliveries).toEqual([
      ['a', 'b', 'c', 'd'],
      ['c', 'd'],
    ]);
  });

  it('retries a failing batch, bisects it, and sends only the poisoned record to the dead letters', async () => {
    const handled: string[] = [];
    const letters: DeadLetter[] = [];
    await pollAll(['ok-1', 'poison', 'ok-2'], {
      maxRetries: 2,
      handler: async (event) => {
        const values = decode(event);
        if (values.includes('poison')) throw new Error('cannot decode');
        handled.push(...values);
      },
      onDeadLetter: (letter) => {
        letters.push(letter);
      },
    });
    expect(handled).toEqual(['ok-1', 'ok-2']);
    expect(letters.map((l) => l.records.map((r) => Buffer.from(r.data, 'base64').toString()))).toEqual([
      ['poison'],
    ]);
    expect(letters[0]?.reason).toMatch(/failed 3 times/);
  });

  it('resumes after its checkpoint when started again', async () => {
    const { db } = freshDatabase();
    const log = new EmbeddedLog({ db: db.log, checkpointDb: db.checkpoints, shards: 1 });
    await log.append(text(['a', 'b']));
    const run = async () => {
      const seen: string[] = [];
      const poller = new StreamPoller({
        source: new EmbeddedShardSource(log),
        streamName: 'embedded',
        idleMs: 10,
        checkpoints: logCheckpoints(log, 'test'),
        handler: async (event) => {
          seen.push(...decode(event));
        },
      });
      poller.start();
      await poller.drain();
      await poller.stop();
      return seen;
    };
    expect(await run()).toEqual(['a', 'b']);
    await log.append(text(['c']));
    expect(await run()).toEqual(['c']);
  });
});
