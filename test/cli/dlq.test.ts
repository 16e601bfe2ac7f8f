import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createKinesisClient } from '../../src/adapters/clients.js';
import { DEAD_LETTER_FILE, REPLAY_LOG_FILE } from '../../src/adapters/dead-letters/local.js';
import { summarizeRecord } from '../../src/adapters/dead-letters/records.js';
import { createStream } from '../../src/adapters/kinesis/publisher.js';
import { run } from '../../src/cli/dlq.js';
import type { DeadLetter } from '../../src/local/stream-poller.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

function letter(shardId: string, first: number, count: number): DeadLetter {
  return {
    shardId,
    reason: 'handler failed 4 times',
    failedAt: '2026-11-29T04:00:00.000Z',
    records: Array.from({ length: count }, (_, i) => ({
      sequenceNumber: String(first + i),
      partitionKey: `device-${first + i}`,
      data: b64({ kind: 'event', event: { tenantId: 't1', appId: 'a1', name: `e${first + i}` } }),
    })),
  };
}

/** Runs the CLI, returning its exit code and what it wrote. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    return { code: await run(args), out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('npx unmogrowp dlq, local mode', () => {
  const endpoint = inject('localEndpoints').kinesis;
  const kinesis = createKinesisClient('us-east-1', endpoint);
  const stream = `dlq-${randomUUID().slice(0, 8)}`;
  let dataDir: string;
  let source: string[];

  beforeAll(async () => {
    await createStream(kinesis, stream);
  });

  afterEach(() => vi.restoreAllMocks());

  function freshDataDir(letters: DeadLetter[]) {
    dataDir = mkdtempSync(join(tmpdir(), 'unmogrowp-dlq-'));
    writeFileSync(join(dataDir, DEAD_LETTER_FILE), letters.map((l) => `${JSON.stringify(l)}\n`).join(''));
    // No local.json here: the facts file named does not exist, so the flags are all there is.
    source = [
      '--data-dir',
      dataDir,
      '--stream',
      stream,
      '--kinesis-endpoint',
      endpoint,
      '--facts',
      join(dataDir, 'none.json'),
    ];
  }

  async function streamRecords(): Promise<{ partitionKey: string; data: string }[]> {
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
    const out: { partitionKey: string; data: string }[] = [];
    for (const shard of shards.Shards ?? []) {
      const it = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
      for (const r of got.Records ?? [])
        out.push({ partitionKey: r.PartitionKey ?? '', data: Buffer.from(r.Data ?? []).toString('base64') });
    }
    return out;
  }

  it('lists the letters of the file with their decoded records', async () => {
    freshDataDir([letter('shardId-000000000000', 100, 2), letter('shardId-000000000001', 200, 1)]);
    const text = await cli('list', ...source);
    expect(text.code).toBe(0);
    expect(text.out).toContain('shardId-000000000000/100');
    expect(text.out).toContain('event tenant=t1 app=a1 name=e101');
    expect(text.out).toContain('pending');

    const json = await cli('list', ...source, '--json');
    const entries = JSON.parse(json.out) as { id: string; records: { summary: string }[] }[];
    expect(entries.map((e) => [e.id, e.records.length])).toEqual([
      ['shardId-000000000000/100', 2],
      ['shardId-000000000001/200', 1],
    ]);
  });

  it('replays one letter onto the stream once, and --all replays the rest', async () => {
    const letters = [letter('shardId-000000000000', 300, 3), letter('shardId-000000000001', 400, 2)];
    freshDataDir(letters);
    const before = (await streamRecords()).length;

    const dry = await cli('replay', ...source, '--id', 'shardId-000000000000/300', '--dry-run');
    expect(dry.out).toContain('would replay shardId-000000000000/300: 3 records');
    expect((await streamRecords()).length).toBe(before);

    const first = await cli('replay', ...source, '--id', 'shardId-000000000000/300');
    expect(first.code).toBe(0);
    const after = await streamRecords();
    expect(after.length).toBe(before + 3);
    expect(after.slice(-3)).toEqual(
      letters[0]?.records.map((r) => ({ partitionKey: r.partitionKey, data: r.data })),
    );

    const again = await cli('replay', ...source, '--id', 'shardId-000000000000/300');
    expect(again.out).toContain('skipped shardId-000000000000/300: already replayed');
    expect((await streamRecords()).length).toBe(before + 3);

    const rest = await cli('replay', ...source, '--all', '--json');
    expect(JSON.parse(rest.out).replayed.map((l: { id: string }) => l.id)).toEqual([
      'shardId-000000000001/400',
    ]);
    expect((await streamRecords()).length).toBe(before + 5);
    expect(readFileSync(join(dataDir, REPLAY_LOG_FILE), 'utf8').trim().split('\n')).toHaveLength(2);

    const listed = await cli('list', ...source, '--json');
    expect((JSON.parse(listed.out) as { replayedAt?: string }[]).every((e) => e.replayedAt)).toBe(true);
  });

  it('rejects an unknown id, a replay without --id or --all, and unknown flags, replaying nothing', async () => {
    freshDataDir([letter('shardId-000000000000', 500, 1)]);
    const before = (await streamRecords()).length;
    const unknown = await cli('replay', ...source, '--id', 'shardId-000000000000/999');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no dead letter with id shardId-000000000000/999');
    const bare = await cli('replay', ...source);
    expect(bare.code).toBe(2);
    expect(bare.err).toContain('--id ID (repeatable) or --all');
    expect((await cli('list', ...source, '--bogus')).code).toBe(2);
    expect((await cli('list', '--facts', join(dataDir, 'none.json'))).err).toContain('--data-dir or --local');
    expect((await streamRecords()).length).toBe(before);
  });

  it('summarises records it cannot decode as such', () => {
    expect(
      summarizeRecord({
        sequenceNumber: '1',
        partitionKey: 'p',
        data: Buffer.from('{oops').toString('base64'),
      }),
    ).toBe('undecodable 5 B');
  });
});
