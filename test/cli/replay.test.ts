import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakeReplayHistory } from '../../src/adapters/athena/replay-history.js';
import { lakeObjectKey } from '../../src/adapters/s3/lake-writer.js';
import { rawRow } from '../../src/app/lake-rows.js';
import { CLI_ENV, type CliIo } from '../../src/cli/api-client.js';
import { formatReplay, type ReplayAnswer, run } from '../../src/cli/replay.js';
import { lowerCaseHeaders } from '../../src/http/request.js';
import { LocalLakeQueries } from '../../src/local/lake-sql.js';
import { ADID, click, DAY_MS, HOUR_MS, install, T0, toRecord } from '../domain/factories.js';
import { createTestApi, type TestApi } from '../support/api.js';

/**
 * `npx unmogrowp replay` against the test API behind a real HTTP server, over a DuckDB lake holding one
 * meta install 30 hours after its click: a 24-hour click lookback would make it organic.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP = { tenantId: 'cli-replay', appId: 'com.cli.replay' };
const DAY = new Date(T0).toISOString().slice(0, 10);

let workDir: string;
let lake: LocalLakeQueries;
let api: TestApi;
let server: Server;
let env: Record<string, string>;

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, cwd: workDir };
  const code = await run(args, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

function writeJson(name: string, value: unknown): string {
  writeFileSync(join(workDir, name), typeof value === 'string' ? value : JSON.stringify(value));
  return name;
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'ugp-cli-replay-'));
  const lakeDir = join(workDir, 'lake');
  lake = new LocalLakeQueries(lakeDir);
  api = await createTestApi({
    replay: {
      history: new LakeReplayHistory({ run: (query, parameters) => lake.report(query, parameters) as never }),
      dataCenterCidrs: [],
    },
    now: () => T0 + DAY_MS,
  });
  await api.onboard(APP.tenantId, APP.appId);
  for (const item of [
    click({ ...APP, id: 'tp-meta', network: 'meta', advertisingId: ADID, timestampMs: T0 - 30 * HOUR_MS }),
    install({ ...APP, eventId: 'ev-meta', advertisingId: ADID, timestampMs: T0 }),
  ]) {
    const row = rawRow(toRecord(item));
    const path = join(lakeDir, lakeObjectKey(row, 'shard-0-1'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(row.row)}\n`, { flag: 'a' });
  }
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const answer = await api.call({
      method: req.method ?? 'GET',
      path: url.pathname,
      headers: lowerCaseHeaders(req.headers),
      query: Object.fromEntries(url.searchParams),
      body: Buffer.concat(chunks).toString('utf8'),
    });
    res.writeHead(answer.statusCode, answer.headers as Record<string, string>);
    res.end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  env = {
    [CLI_ENV.endpoint]: `http://127.0.0.1:${port}`,
    [CLI_ENV.token]: await api.token('analyst', APP.tenantId),
  };
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await lake?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('npx unmogrowp replay', () => {
  it('prints the installs that would change source, and why', async () => {
    const settings = writeJson('new.json', { click_lookback_hours: 24 });

    const { code, stdout, stderr } = await cli([
      '--app',
      APP.appId,
      '--settings',
      settings,
      '--from',
      DAY,
      '--to',
      DAY,
    ]);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`replayed ${APP.appId} ${DAY}..${DAY}`);
    expect(stdout).toMatch(/1 decisions would change:\n\s+1 {2}meta → organic/);
    expect(stdout).toContain('event ev-meta: install attributed to meta (tp-meta');
  });

  it('says so when nothing would change', async () => {
    const settings = writeJson('same.json', {});

    const { code, stdout } = await cli([
      '--app',
      APP.appId,
      '--settings',
      settings,
      '--from',
      DAY,
      '--to',
      DAY,
    ]);

    expect(code).toBe(0);
    expect(stdout).toContain('no install would change source under the new settings');
  });

  it('answers the API document with --json', async () => {
    const settings = writeJson('new.json', { click_lookback_hours: 24 });

    const { code, stdout } = await cli(['--app', APP.appId, '--settings', settings, '--json']);

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      app_id: APP.appId,
      changed: 1,
      changes: [{ event_id: 'ev-meta' }],
    });
  });

  it('names the setting the API refuses', async () => {
    const settings = writeJson('bad.json', { click_lookback_hours: 0 });

    const { code, stderr } = await cli(['--app', APP.appId, '--settings', settings]);

    expect(code).toBe(1);
    expect(stderr).toContain('400 invalid_request: settings.click_lookback_hours:');
  });

  it('refuses a settings file that is not JSON, and missing flags, with the usage', async () => {
    const notJson = writeJson('broken.json', '{ click_lookback_hours: ');

    const broken = await cli(['--app', APP.appId, '--settings', notJson]);
    const missing = await cli(['--settings', notJson]);

    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('is not JSON');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing --app <appId>');
    expect(missing.stderr).toContain('usage:');
  });

  it('is a command of npx unmogrowp, with --help', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(ROOT, 'bin/unmogrowp.mjs'),
      'replay',
      '--help',
    ]);

    expect(stdout).toContain('npx unmogrowp replay --app <appId> --settings new.json');
  });
});

describe('the replay answer for people', () => {
  const side = (network: string, match: string) => ({
    status: network === 'organic' ? 'organic' : 'attributed',
    kind: 'install',
    network,
    match,
    fraud: [],
  });
  const change = (eventId: string, before: ReturnType<typeof side>, after: ReturnType<typeof side>) => ({
    event_id: eventId,
    device_id: `dev-${eventId}`,
    before,
    after,
    description: `event ${eventId}: ${before.network} (${before.match}) → ${after.network} (${after.match})`,
    why: [`why ${eventId}`],
  });
  const answer: ReplayAnswer = {
    app_id: 'com.cli.replay',
    from: DAY,
    to: DAY,
    records: { events: 3, touchpoints: 3 },
    decisions: 3,
    changed: 3,
    moves: [{ from: 'meta', to: 'organic', count: 1 }],
    changes: [
      change('e1', side('tiktok', 'device_id'), side('tiktok', 'probabilistic')),
      change('e2', side('meta', 'click_id'), side('organic', 'none')),
      change('e3', side('unity_ads', 'device_id'), side('unity_ads', 'view_through')),
    ],
  };

  it('counts the changes that keep their source, so the lines add up to the changes', () => {
    const text = formatReplay(answer, 20);

    expect(text).toContain(
      '3 decisions would change:\n       1  meta → organic\n       2  keep their source (another touchpoint, match or fraud reason)\n',
    );
  });

  it('lists the changes of source first, then the others in their order', () => {
    const text = formatReplay(answer, 2);

    const listed = [...text.matchAll(/^event (e\d):/gm)].map((m) => m[1]);
    expect(listed).toEqual(['e2', 'e1']);
    expect(text).toContain('… and 1 more (--limit N, or --json for all)');
  });
});
