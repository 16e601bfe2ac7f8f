import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { END, openEmbeddedDatabase, SEP } from '../../src/adapters/embedded/database.js';
import { EmbeddedIdentityGraph } from '../../src/adapters/embedded/identity-graph.js';
import { LocalLakeQueries } from '../../src/local/lake-sql.js';

/**
 * Durability of the embedded stack: `npm start` in a child process, killed with SIGKILL while its
 * consumer is mid-way (a batch committed, its checkpoint not yet written), then started again on the
 * same data directory. Nothing accepted is lost, nothing is counted twice.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const dataDir = mkdtempSync(join(tmpdir(), 'unmogrowp-crash-'));
const workDir = mkdtempSync(join(tmpdir(), 'unmogrowp-crash-cwd-'));
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  endpoint: string;
  apiKey: string;
}

/** `npm start` on the data directory, in its own process (its working directory a scratch one). */
function start(env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'scripts/start.ts')], {
    cwd: workDir,
    env: { ...process.env, PORT: '0', UNMOGROWP_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const endpoint = /"endpoint": "([^"]+)"/.exec(out)?.[1];
      const apiKey = /"apiKey": "([^"]+)"/.exec(out)?.[1];
      if (endpoint && apiKey) resolve({ child, endpoint, apiKey });
    });
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before it started: ${out}`)));
  });
}

const exited = (child: ChildProcess) => new Promise((r) => child.once('exit', r));

const DEVICES = 1200;
const PURCHASES = 600;
const adid = (i: number) => `7e57ab1e-0000-4000-8000-${String(i).padStart(12, '0')}`;
const isoAgo = (ms: number) => new Date(Date.now() - ms).toISOString();

async function post(s: Started, path: string, body: unknown): Promise<number> {
  const res = await fetch(`${s.endpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': s.apiKey },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { accepted: number }).accepted;
}

async function consumed(s: Started): Promise<number> {
  const res = await fetch(`${s.endpoint}/health`);
  return ((await res.json()) as { pipeline: { consumedRecords: number } }).pipeline.consumedRecords;
}

describe('embedded local mode across a crash (kill -9) and a restart', () => {
  it('loses and doubles nothing when killed between a commit and its checkpoint', async () => {
    // Prepare: every record accepted (202, on disk) before the crash.
    const first = await start({ UNMOGROWP_TEST_COMMIT_PAUSE_MS: '1000' });
    let accepted = 0;
    const touchpoints = Array.from({ length: DEVICES / 2 }, (_, i) => ({
      type: 'click',
      network: 'meta',
      campaign: 'crash',
      timestamp: isoAgo(3_600_000),
      device: { platform: 'android', advertising_id: adid(i) },
    }));
    accepted += await post(first, '/v1/touchpoints', { touchpoints: touchpoints.slice(0, 300) });
    accepted += await post(first, '/v1/touchpoints', { touchpoints: touchpoints.slice(300) });
    for (let i = 0; i < DEVICES; i += 400) {
      const events = Array.from({ length: 400 }, (_, j) => ({
        event_id: `install-${i + j}`,
        type: 'install',
        timestamp: isoAgo(1_800_000),
        device: { platform: 'android', advertising_id: adid(i + j) },
      }));
      accepted += await post(first, '/v1/events', { events });
    }
    const purchases = Array.from({ length: PURCHASES }, (_, i) => ({
      event_id: `purchase-${i}`,
      type: 'purchase',
      timestamp: isoAgo(600_000),
      device: { platform: 'android', advertising_id: adid(i) },
      revenue: { amount: 1.25, currency: 'USD' },
    }));
    accepted += await post(first, '/v1/events', { events: purchases.slice(0, 300) });
    accepted += await post(first, '/v1/events', { events: purchases.slice(300) });
    const total = DEVICES / 2 + DEVICES + PURCHASES;
    expect(accepted).toBe(total);

    // Act: SIGKILL once the consumer is part-way through.
    let before = 0;
    while (before < 300) {
      before = await consumed(first);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(before).toBeLessThan(total);
    // The crash left committed records behind the checkpoints: their redelivery must count nothing twice.
    const crashed = openEmbeddedDatabase(dataDir);
    try {
      const markers = [...crashed.graph.getKeys({ start: `E${SEP}`, end: `E${END}` })].length;
      const clicks = [...crashed.graph.getKeys({ start: `M${SEP}`, end: `M${END}` })].filter((k) =>
        String(k).includes('#click#'),
      ).length;
      const checkpointed = [...crashed.checkpoints.getRange({})].reduce((n, e) => n + Number(e.value), 0);
      expect(markers + clicks).toBeGreaterThan(checkpointed);
    } finally {
      await crashed.close();
    }

    const second = await start();
    await fetch(`${second.endpoint}/health?drain=1`);
    second.child.kill('SIGINT');
    await exited(second.child);

    // Assess: the store and the lake hold every record exactly once.
    const db = openEmbeddedDatabase(dataDir);
    try {
      const graph = new EmbeddedIdentityGraph({ db: db.graph });
      const day0 = '2000-01-01';
      const rows = await graph.readCounters('demo', 'com.demo.game', day0, '2100-01-01');
      const sum = (metric: string) =>
        rows.filter((r) => r.metric === metric).reduce((n, r) => n + r.value, 0);
      expect(sum('installs')).toBe(DEVICES);
      expect(sum('events')).toBe(PURCHASES);
      expect(sum('revenue')).toBeCloseTo(PURCHASES * 1.25, 6);
      const devices = [...db.graph.getKeys({ start: `D${SEP}`, end: `D${END}` })].length;
      expect(devices).toBe(DEVICES);
    } finally {
      await db.close();
    }
    const lake = new LocalLakeQueries(join(dataDir, 'lake'));
    try {
      const [events] = await lake.sql(
        'SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS d FROM events',
      );
      expect(events).toEqual({ n: DEVICES + PURCHASES, d: DEVICES + PURCHASES });
      const [attributions] = await lake.sql(
        "SELECT count(*)::INT AS n FROM attributions WHERE subject = 'install'",
      );
      expect(attributions?.n).toBe(DEVICES);
    } finally {
      await lake.close();
    }
  }, 180_000);
});
