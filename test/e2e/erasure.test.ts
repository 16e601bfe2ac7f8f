import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { liveAttributionsSql, REPORT_QUERIES, REPORT_QUERY_LIST } from '../../src/definitions/queries.js';
import { DEMO_APP, type LocalPlatform, startLocalPlatform } from '../../src/local/platform.js';

/**
 * GDPR erasure end to end in local mode (issue 6): identities X and Y click, install and buy; X is erased
 * over HTTP; then look-ups, the lake's named queries (DuckDB over the s3rver files, the SQL Athena runs)
 * and a device-level lake query no longer return X, while Y is untouched.
 */

const X = { adid: 'a1b2c3d4-0000-4e5f-8a9b-0c1d2e3f4a5b', cuid: 'customer-x' };
const Y = { adid: 'f0e1d2c3-1111-4b5a-9c8d-7e6f5a4b3c2d' };
const UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36';
/**
 * The clock is pinned to noon UTC of a fixed day (and runs on from there): the test's click an hour back and
 * its purchases a minute ahead all land in one daily lake partition whatever the wall-clock time of the run.
 * Only `Date` is faked; the platform runs in this process, so the server, the consumer and the lake see the
 * same clock.
 */
const PINNED_NOON_UTC = Date.parse('2026-06-15T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const today = () => iso(Date.now()).slice(0, 10);

let factsDir: string;
let platform: LocalPlatform;
let base: string;
let apiKey: string;
let scope: { tenantId: string; appId: string; fromDay: string; toDay: string };

async function api(path: string, init: RequestInit & { key?: boolean; token?: boolean } = {}) {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
  if (init.body) headers['content-type'] = 'application/json';
  if (init.key) headers['x-api-key'] = apiKey;
  if (init.token) headers.authorization = `Bearer ${platform.facts.adminToken}`;
  return fetch(`${base}${path}`, { ...init, headers, redirect: 'manual' });
}

async function drain(): Promise<void> {
  expect((await api('/health?drain=1')).status).toBe(200);
}

const lookup = (advertisingId: string) =>
  api(`/v1/attribution/${DEMO_APP}?advertising_id=${advertisingId}`, { key: true });

const rawRows = () => platform.lake.report(REPORT_QUERIES.rawRecords, scope);

function purchase(eventId: string, advertisingId: string, timestampMs: number, amount: number) {
  return {
    event_id: eventId,
    type: 'purchase',
    timestamp: iso(timestampMs),
    device: { platform: 'android', advertising_id: advertisingId },
    revenue: { amount, currency: 'USD' },
  };
}

describe('erasure end to end (local mode)', () => {
  let erasure: Record<string, unknown>;

  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: PINNED_NOON_UTC, shouldAdvanceTime: true });
    factsDir = mkdtempSync(join(tmpdir(), 'ugp-erasure-'));
    platform = await startLocalPlatform({ port: 0, factsDir });
    base = platform.endpoint;
    apiKey = platform.facts.tenants[0]?.apps[0]?.apiKey ?? '';
    scope = { tenantId: 'demo', appId: DEMO_APP, fromDay: today(), toDay: today() };

    // Prepare: X comes through a meta tracking link, Y through a tiktok S2S click; both install and buy.
    const now = Date.now();
    const click = await api(`/v1/click/${DEMO_APP}?network=meta&campaign=spring&advertising_id=${X.adid}`, {
      headers: { 'user-agent': UA },
    });
    const referrer = new URL(click.headers.get('location') ?? '').searchParams.get('referrer') ?? '';
    const touch = await api('/v1/touchpoints', {
      method: 'POST',
      key: true,
      body: JSON.stringify({
        touchpoints: [
          {
            type: 'click',
            network: 'tiktok',
            campaign: 'creators',
            timestamp: iso(now - 3_600_000),
            device: { advertising_id: Y.adid },
          },
        ],
      }),
    });
    expect(touch.status).toBe(202);
    const events = await api('/v1/events', {
      method: 'POST',
      key: true,
      body: JSON.stringify({
        events: [
          {
            event_id: 'x-install',
            type: 'install',
            timestamp: iso(now + 60_000),
            install_referrer: referrer,
            customer_user_id: X.cuid,
            device: { platform: 'android', advertising_id: X.adid.toUpperCase(), user_agent: UA },
          },
          {
            event_id: 'y-install',
            type: 'install',
            timestamp: iso(now + 50_000),
            device: { platform: 'android', advertising_id: Y.adid },
          },
          purchase('x-buy', X.adid, now + 90_000, 4.99),
          purchase('y-buy', Y.adid, now + 80_000, 9.99),
        ],
      }),
    });
    expect(await events.json()).toMatchObject({ accepted: 4, rejected: [] });
    await drain();

    // Before the erasure the lake holds X (so the assertions below can fail).
    const before = await platform.lake.report(REPORT_QUERIES.installsByNetworkCampaignDaily, scope);
    expect(before).toEqual(
      expect.arrayContaining([expect.objectContaining({ network: 'meta', installs: '1' })]),
    );
    expect((await rawRows()).filter((r) => String(r.advertising_id).toLowerCase() === X.adid)).toHaveLength(
      3,
    );

    // Act: erase X, named by its advertising id.
    const res = await api('/v1/privacy/erasure', {
      method: 'POST',
      token: true,
      body: JSON.stringify({ app_id: DEMO_APP, advertising_id: X.adid }),
    });
    expect(res.status).toBe(202);
    erasure = (await res.json()) as Record<string, unknown>;
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    rmSync(factsDir, { recursive: true, force: true });
    vi.useRealTimers();
  });

  it("answers X's look-up 404 and still attributes Y", async () => {
    expect((await lookup(X.adid)).status).toBe(404);
    const y = await lookup(Y.adid);
    expect(y.status).toBe(200);
    expect(await y.json()).toMatchObject({ status: 'attributed', network: 'tiktok' });
  });

  it('leaves X out of every named lake query and keeps Y', async () => {
    const installs = await platform.lake.report(REPORT_QUERIES.installsByNetworkCampaignDaily, scope);
    expect(installs.map((r) => [r.network, r.installs])).toEqual([['tiktok', '1']]);
    const revenue = await platform.lake.report(REPORT_QUERIES.inAppRevenueBySource, scope);
    expect(revenue).toEqual([expect.objectContaining({ network: 'tiktok', events: '1', revenue: 9.99 })]);
    const cohorts = await platform.lake.report(REPORT_QUERIES.retentionCohorts, scope);
    expect(cohorts.map((r) => [r.network, r.cohort_size])).toEqual([['tiktok', '1']]);
    expect(await platform.lake.report(REPORT_QUERIES.fraudRejectionsByReason, scope)).toEqual([]);
    for (const query of REPORT_QUERY_LIST) {
      const text = JSON.stringify(await platform.lake.report(query, scope)).toLowerCase();
      expect(text, query.name).not.toContain(X.adid);
      expect(text, query.name).not.toContain(X.cuid);
    }
  });

  it("leaves X's raw events, touchpoints and device-level rows out", async () => {
    const raw = await rawRows();
    expect(raw.map((r) => r.event_id).sort()).toEqual(expect.arrayContaining(['y-buy', 'y-install']));
    expect(raw.filter((r) => String(r.advertising_id).toLowerCase() === X.adid)).toEqual([]);
    expect(raw.filter((r) => r.customer_user_id === X.cuid)).toEqual([]);
    expect(raw.filter((r) => r.advertising_id === Y.adid)).toHaveLength(3);

    const erasedDevices = await platform.lake.sql(
      "SELECT device_id FROM erasures WHERE tenant_id = ? AND key_kind = 'device'",
      ['demo'],
    );
    expect(erasedDevices).toHaveLength(1);
    const deviceId = String(erasedDevices[0]?.device_id);
    const byDevice = `SELECT event_id FROM (${liveAttributionsSql('dt BETWEEN ? AND ?')}) WHERE device_id = ?`;
    const values = ['demo', DEMO_APP, 'demo', DEMO_APP, today(), today()];
    expect(await platform.lake.sql(byDevice, [...values, deviceId])).toEqual([]);
    // The rows are still in the files: the tombstone, not a rewrite, hides them.
    const stored = await platform.lake.sql('SELECT COUNT(*) AS n FROM attributions WHERE device_id = ?', [
      deviceId,
    ]);
    expect(Number(stored[0]?.n)).toBeGreaterThan(0);
  });

  it('answers the request completed, with its counts, on the status route', async () => {
    expect(erasure).toMatchObject({
      status: 'completed',
      erased: { devices: 1, identifiers: 2, attributions: 1, lake_tombstones: 3 },
    });
    const status = await api(`/v1/privacy/erasure/${erasure.request_id}?tenant_id=demo`, { token: true });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      request_id: erasure.request_id,
      status: 'completed',
      app_id: DEMO_APP,
      erased: erasure.erased,
    });
  });

  it('treats events of X after the erasure as new data', async () => {
    const later = await api('/v1/events', {
      method: 'POST',
      key: true,
      body: JSON.stringify({ events: [purchase('x-later', X.adid, Date.now() + 100_000, 1.99)] }),
    });
    expect(later.status).toBe(202);
    await drain();
    const raw = await rawRows();
    expect(
      raw.filter((r) => String(r.advertising_id).toLowerCase() === X.adid).map((r) => r.event_id),
    ).toEqual(['x-later']);
    // The graph knows the device again, with no install and so no attribution of its erased history.
    expect(await (await lookup(X.adid)).json()).toMatchObject({ status: 'pending' });
  });
});
