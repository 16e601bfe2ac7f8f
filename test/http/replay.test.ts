import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakeReplayHistory } from '../../src/adapters/athena/replay-history.js';
import { lakeObjectKey } from '../../src/adapters/s3/lake-writer.js';
import { rawRow } from '../../src/app/lake-rows.js';
import { createSettingsResolver } from '../../src/app/settings.js';
import { createHttpApp } from '../../src/http/app.js';
import { LocalLakeQueries } from '../../src/local/lake-sql.js';
import { ADID, ADID_2, click, DAY_MS, HOUR_MS, install, T0, toRecord } from '../domain/factories.js';
import { createTestApi, jsonHeaders, type TestApi } from '../support/api.js';

/**
 * `POST /v1/reports/{appId}/replay` over a real lake layout (DuckDB, the SQL Athena runs): tenant A's app
 * has a meta install 30 hours after its click and a google install an hour after its click; tenant B's
 * app has history of its own.
 */

const A = { tenantId: 'replay-a', appId: 'com.replay.a' };
const B = { tenantId: 'replay-b', appId: 'com.replay.b' };
const DAY = new Date(T0).toISOString().slice(0, 10);

let lakeDir: string;
let lake: LocalLakeQueries;
let api: TestApi;
let analystA: string;
let ownerB: string;

function putHistory(items: Parameters<typeof toRecord>[0][]): void {
  for (const item of items) {
    const row = rawRow(toRecord(item));
    const path = join(lakeDir, lakeObjectKey(row, 'shard-0-1'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(row.row)}\n`, { flag: 'a' });
  }
}

const replay = (appId: string, token: string, body: unknown) =>
  api.call({
    method: 'POST',
    path: `/v1/reports/${appId}/replay`,
    headers: jsonHeaders({ authorization: `Bearer ${token}` }),
    body: JSON.stringify(body),
  });
const answer = (res: { body?: string }) => JSON.parse(res.body ?? '{}');

beforeAll(async () => {
  lakeDir = mkdtempSync(join(tmpdir(), 'replay-lake-'));
  lake = new LocalLakeQueries(lakeDir);
  api = await createTestApi({
    replay: {
      history: new LakeReplayHistory({ run: (query, parameters) => lake.report(query, parameters) as never }),
      dataCenterCidrs: [],
    },
    now: () => T0 + DAY_MS,
  });
  await api.onboard(A.tenantId, A.appId);
  await api.onboard(B.tenantId, B.appId);
  analystA = await api.token('analyst', A.tenantId);
  ownerB = await api.token('owner', B.tenantId);
  putHistory([
    click({ ...A, id: 'tp-meta', network: 'meta', advertisingId: ADID, timestampMs: T0 - 30 * HOUR_MS }),
    install({ ...A, eventId: 'ev-meta', advertisingId: ADID, timestampMs: T0 }),
    click({ ...A, id: 'tp-google', network: 'google', advertisingId: ADID_2, timestampMs: T0 - HOUR_MS }),
    install({ ...A, eventId: 'ev-google', advertisingId: ADID_2, timestampMs: T0 + 10 * 60_000 }),
    click({ ...B, id: 'tp-b', network: 'tiktok', advertisingId: ADID, timestampMs: T0 - 30 * HOUR_MS }),
    install({ ...B, eventId: 'ev-b', advertisingId: ADID, timestampMs: T0 }),
  ]);
});

afterAll(async () => {
  await lake?.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

describe('replay of new settings', () => {
  it('shows the install that a 24-hour click lookback would make organic, and why', async () => {
    const res = await replay(A.appId, analystA, {
      settings: { click_lookback_hours: 24 },
      from: DAY,
      to: DAY,
    });

    expect(res.statusCode).toBe(200);
    const body = answer(res);
    expect(body).toMatchObject({
      app_id: A.appId,
      from: DAY,
      to: DAY,
      records: { events: 2, touchpoints: 2 },
      decisions: 2,
      changed: 1,
      moves: [{ from: 'meta', to: 'organic', count: 1 }],
    });
    const [change] = body.changes;
    expect(change).toMatchObject({
      event_id: 'ev-meta',
      before: { status: 'attributed', network: 'meta', touchpoint_id: 'tp-meta' },
      after: { status: 'organic', network: 'organic' },
    });
    expect(change.description).toBe(
      'event ev-meta: install attributed to meta (tp-meta, device_id) → install organic',
    );
    expect(change.why).toContain(
      'Not counted: click tp-meta (meta / summer), matched by a device id (click), is outside the 24 h click lookback window by 6 h.',
    );
  });

  it('changes nothing under the settings the app already has', async () => {
    const res = await replay(A.appId, analystA, { settings: {}, from: DAY, to: DAY });

    expect(answer(res)).toMatchObject({ decisions: 2, changed: 0, moves: [], changes: [] });
  });

  it('replays the last 30 days when the body names no range', async () => {
    const res = await replay(A.appId, analystA, { settings: { click_lookback_hours: 24 } });

    const today = new Date(T0 + DAY_MS).toISOString().slice(0, 10);
    expect(answer(res)).toMatchObject({
      from: new Date(T0 + DAY_MS - 29 * DAY_MS).toISOString().slice(0, 10),
      to: today,
      changed: 1,
    });
  });
});

describe('replay under platform defaults', () => {
  it("replays the app's effective settings: the platform's 24-hour lookback now, the app's 7 days after", async () => {
    // The platform narrows the click lookback to 24 hours; the candidate settings widen it again.
    const app = createHttpApp({
      ...api.services,
      effectiveSettings: createSettingsResolver({ clickLookbackHours: 24 }),
    });

    const res = await app({
      method: 'POST',
      path: `/v1/reports/${A.appId}/replay`,
      headers: jsonHeaders({ authorization: `Bearer ${analystA}` }),
      query: {},
      sourceIp: '198.51.100.4',
      body: JSON.stringify({ settings: { click_lookback_hours: 168 }, from: DAY, to: DAY }),
    });

    expect(answer(res)).toMatchObject({ changed: 1, moves: [{ from: 'organic', to: 'meta', count: 1 }] });
  });
});

describe('replay tenant isolation', () => {
  it("answers 404 for another tenant's app, as for an unknown one", async () => {
    const res = await replay(A.appId, ownerB, { settings: { click_lookback_hours: 24 }, from: DAY, to: DAY });

    expect(res.statusCode).toBe(404);
    expect(answer(res).error.code).toBe('not_found');
    expect(res.body).not.toContain('ev-meta');
  });

  it("reads only the caller's app's history", async () => {
    const res = await replay(B.appId, ownerB, { settings: { click_lookback_hours: 24 }, from: DAY, to: DAY });

    expect(answer(res)).toMatchObject({
      records: { events: 1, touchpoints: 1 },
      moves: [{ from: 'tiktok', to: 'organic', count: 1 }],
    });
    expect(res.body).not.toContain('ev-meta');
  });
});

describe('replay refusals', () => {
  it('answers 400 naming the setting that is out of range', async () => {
    const res = await replay(A.appId, analystA, { settings: { click_lookback_hours: -5 } });

    expect(res.statusCode).toBe(400);
    const { error } = answer(res);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(/^settings\.click_lookback_hours: /);
    expect(error.details[0].field).toBe('settings.click_lookback_hours');
  });

  it('answers 400 naming an unknown setting', async () => {
    const res = await replay(A.appId, analystA, { settings: { clickLookbackHourz: 24 } });

    expect(res.statusCode).toBe(400);
    expect(answer(res).error.message).toContain('clickLookbackHourz');
  });

  it('answers 400 for a range over 90 days or backwards', async () => {
    const long = await replay(A.appId, analystA, { settings: {}, from: '2026-01-01', to: '2026-11-20' });
    const backwards = await replay(A.appId, analystA, { settings: {}, from: '2026-11-20', to: '2026-11-01' });

    expect(long.statusCode).toBe(400);
    expect(answer(long).error.message).toContain('at most 90');
    expect(backwards.statusCode).toBe(400);
    expect(answer(backwards).error.message).toContain('is after');
  });

  it('answers 401 without a bearer token', async () => {
    const res = await api.call({
      method: 'POST',
      path: `/v1/reports/${A.appId}/replay`,
      headers: jsonHeaders(),
      body: JSON.stringify({ settings: {} }),
    });

    expect(res.statusCode).toBe(401);
  });

  it('answers 503 where no lake can be read', async () => {
    const { replay: _lake, ...withoutLake } = api.services;
    const noLake = createHttpApp(withoutLake);

    const res = await noLake({
      method: 'POST',
      path: `/v1/reports/${A.appId}/replay`,
      headers: jsonHeaders({ authorization: `Bearer ${analystA}` }),
      query: {},
      body: JSON.stringify({ settings: {} }),
    });

    expect(res.statusCode).toBe(503);
    expect(answer(res).error.code).toBe('service_unavailable');
  });
});
