import { beforeAll, describe, expect, it } from 'vitest';
import {
  attributionConsumerFor,
  createTestApi,
  jsonHeaders,
  kinesisEvent,
  readStream,
  type TestApi,
} from '../support/api.js';

const PIXEL = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36';

describe('query and admin routes', () => {
  let api: TestApi;
  let acmeKey: string;
  let globexKey: string;
  let owner: string;
  const adid = crypto.randomUUID();

  const drainStream = async () => {
    const consume = attributionConsumerFor(api);
    return consume(kinesisEvent(await readStream(api.clients.kinesis, api.resources.stream)));
  };

  beforeAll(async () => {
    api = await createTestApi();
    acmeKey = await api.onboard('acme', 'com.acme.game');
    globexKey = await api.onboard('globex', 'com.globex.app');
    owner = await api.token('owner', '*');
    const click = await api.call({
      method: 'GET',
      path: '/v1/click/com.acme.game',
      query: { network: 'meta', campaign: 'winter' },
      headers: { 'user-agent': PIXEL },
    });
    const clickId = click.headers?.['x-click-id'];
    await new Promise((r) => setTimeout(r, 20));
    const events = await api.call({
      method: 'POST',
      path: '/v1/events',
      headers: jsonHeaders({ 'x-api-key': acmeKey }),
      body: JSON.stringify({
        events: [
          {
            event_id: 'e-1',
            type: 'install',
            timestamp: new Date(Date.now() + 60_000).toISOString(),
            install_referrer: `ugp_click_id=${clickId}`,
            device: { platform: 'android', advertising_id: adid, ip: '203.0.113.50' },
          },
          {
            event_id: 'e-2',
            type: 'purchase',
            timestamp: new Date(Date.now() + 120_000).toISOString(),
            device: { platform: 'android', advertising_id: adid },
            revenue: { amount: 4.99, currency: 'USD' },
          },
        ],
      }),
    });
    expect(events.statusCode).toBe(202);
    expect((await drainStream()).batchItemFailures).toEqual([]);
  });

  describe('GET /v1/attribution/{appId}', () => {
    it('answers the attribution with its explanation', async () => {
      const res = await api.call({
        method: 'GET',
        path: '/v1/attribution/com.acme.game',
        query: { advertising_id: adid },
        headers: { 'x-api-key': acmeKey },
      });
      expect(res.statusCode).toBe(200);
      const body = JSON.parse(res.body ?? '');
      expect(body).toMatchObject({
        status: 'attributed',
        kind: 'install',
        network: 'meta',
        match: 'click_id',
      });
      expect(body.explanation).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^Rule 1 \(install\): first install of device dev_[0-9a-f]{16}/),
          expect.stringMatching(
            /^Rule 2 \(precedence\): winner click [0-9a-f]{32} \(meta \/ winter\), matched by the click id in the install referrer/,
          ),
          'Result: attributed to meta / winter.',
        ]),
      );
    });

    it("answers 404 for another tenant's app, an unknown app and an unknown device alike", async () => {
      for (const [path, key] of [
        ['/v1/attribution/com.acme.game', globexKey],
        ['/v1/attribution/com.nobody', acmeKey],
      ] as const) {
        const res = await api.call({
          method: 'GET',
          path,
          query: { advertising_id: adid },
          headers: { 'x-api-key': key },
        });
        expect(res.statusCode).toBe(404);
        expect(JSON.parse(res.body ?? '').error.code).toBe('not_found');
      }
      const unknown = await api.call({
        method: 'GET',
        path: '/v1/attribution/com.acme.game',
        query: { advertising_id: crypto.randomUUID() },
        headers: { 'x-api-key': acmeKey },
      });
      expect(unknown.statusCode).toBe(404);
    });

    it('answers 400 without exactly one identifier', async () => {
      const res = await api.call({
        method: 'GET',
        path: '/v1/attribution/com.acme.game',
        headers: { 'x-api-key': acmeKey },
      });
      expect(res.statusCode).toBe(400);
    });
  });

  describe('GET /v1/reports/{appId}/installs', () => {
    const day = new Date().toISOString().slice(0, 10);

    it('aggregates installs and revenue by network and campaign from the counters', async () => {
      const res = await api.call({
        method: 'GET',
        path: '/v1/reports/com.acme.game/installs',
        query: { from: day, to: day, group_by: 'network,campaign' },
        headers: { authorization: `Bearer ${await api.token('analyst', 'acme')}` },
      });
      expect(res.statusCode).toBe(200);
      const body = JSON.parse(res.body ?? '');
      expect(body.source).toBe('counters');
      expect(body.rows).toEqual([
        expect.objectContaining({
          network: 'meta',
          campaign: 'winter',
          installs: 1,
          events: 1,
          revenue: { USD: 4.99 },
        }),
      ]);
    });

    it("answers 404 for another tenant's analyst and 401 without a token", async () => {
      const other = await api.call({
        method: 'GET',
        path: '/v1/reports/com.acme.game/installs',
        query: { from: day, to: day },
        headers: { authorization: `Bearer ${await api.token('admin', 'globex')}` },
      });
      expect(other.statusCode).toBe(404);
      const none = await api.call({
        method: 'GET',
        path: '/v1/reports/com.acme.game/installs',
        query: { from: day, to: day },
      });
      expect(none.statusCode).toBe(401);
      const forged = await api.call({
        method: 'GET',
        path: '/v1/reports/com.acme.game/installs',
        query: { from: day, to: day },
        headers: {
          authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6Im93bmVyIiwidGVuYW50IjoiKiJ9.',
        },
      });
      expect(forged.statusCode).toBe(401);
    });

    it('answers 400 for a bad range or grouping', async () => {
      const token = await api.token('analyst', 'acme');
      for (const query of [
        { from: 'x', to: day },
        { from: day, to: '2020-01-01' },
        { from: day, to: day, group_by: 'ip' },
      ]) {
        const res = await api.call({
          method: 'GET',
          path: '/v1/reports/com.acme.game/installs',
          query,
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.statusCode).toBe(400);
      }
    });
  });

  describe('onboarding and settings', () => {
    it('lets only the platform owner create tenants, and refuses duplicates with 409', async () => {
      const body = JSON.stringify({ tenant_id: 'initech' });
      const admin = await api.call({
        method: 'POST',
        path: '/v1/tenants',
        headers: jsonHeaders({ authorization: `Bearer ${await api.token('admin', 'acme')}` }),
        body,
      });
      expect(admin.statusCode).toBe(403);
      const ok = await api.call({
        method: 'POST',
        path: '/v1/tenants',
        headers: jsonHeaders({ authorization: `Bearer ${owner}` }),
        body,
      });
      expect(ok.statusCode).toBe(201);
      const again = await api.call({
        method: 'POST',
        path: '/v1/tenants',
        headers: jsonHeaders({ authorization: `Bearer ${owner}` }),
        body,
      });
      expect(again.statusCode).toBe(409);
      const bad = await api.call({
        method: 'POST',
        path: '/v1/tenants',
        headers: jsonHeaders({ authorization: `Bearer ${owner}` }),
        body: JSON.stringify({ tenant_id: 'Not Valid!' }),
      });
      expect(bad.statusCode).toBe(400);
    });

    it('reads and changes app settings live, validated against the settings schema', async () => {
      const admin = `Bearer ${await api.token('admin', 'acme')}`;
      const put = await api.call({
        method: 'PUT',
        path: '/v1/tenants/acme/apps/com.acme.game',
        headers: jsonHeaders({ authorization: admin }),
        body: JSON.stringify({ settings: { click_lookback_hours: 48 } }),
      });
      expect(put.statusCode).toBe(200);
      expect(JSON.parse(put.body ?? '').effective_settings.click_lookback_hours).toBe(48);
      const invalid = await api.call({
        method: 'PUT',
        path: '/v1/tenants/acme/apps/com.acme.game',
        headers: jsonHeaders({ authorization: admin }),
        body: JSON.stringify({ settings: { click_lookback_hours: -1 } }),
      });
      expect(invalid.statusCode).toBe(400);
      expect(JSON.parse(invalid.body ?? '').error.details[0].field).toBe('settings.click_lookback_hours');
      // SPEC §4.1: snake_case on the wire; a camelCase or unknown key is refused naming it, never ignored.
      for (const [key, expected] of [
        [
          'clickLookbackHours',
          'unknown setting "clickLookbackHours" (settings are snake_case: "click_lookback_hours")',
        ],
        ['lookback', 'unknown setting "lookback"'],
      ]) {
        const refused = await api.call({
          method: 'PUT',
          path: '/v1/tenants/acme/apps/com.acme.game',
          headers: jsonHeaders({ authorization: admin }),
          body: JSON.stringify({ settings: { [key as string]: 24 } }),
        });
        expect(refused.statusCode).toBe(400);
        const error = JSON.parse(refused.body ?? '').error;
        expect(error.code).toBe('invalid_request');
        expect(error.message).toBe(`settings: ${expected}`);
      }
      const read = JSON.parse(put.body ?? '');
      expect(read.settings).toEqual({ click_lookback_hours: 48 });
      expect(Object.keys(read.effective_settings).every((k: string) => k === k.toLowerCase())).toBe(true);
      expect(read.effective_settings.probabilistic_matching).toEqual({ enabled: true, window_hours: 24 });
      const viewer = await api.call({
        method: 'PUT',
        path: '/v1/tenants/acme/apps/com.acme.game',
        headers: jsonHeaders({ authorization: `Bearer ${await api.token('viewer', 'acme')}` }),
        body: JSON.stringify({ settings: {} }),
      });
      expect(viewer.statusCode).toBe(403);
      const crossTenant = await api.call({
        method: 'GET',
        path: '/v1/tenants/acme/apps/com.acme.game',
        headers: { authorization: `Bearer ${await api.token('owner', 'globex')}` },
      });
      expect(crossTenant.statusCode).toBe(404);
      const ownerRead = await api.call({
        method: 'GET',
        path: '/v1/tenants/acme/apps/com.acme.game',
        headers: { authorization: `Bearer ${owner}` },
      });
      expect(JSON.parse(ownerRead.body ?? '')).not.toHaveProperty('api_key');
    });
  });

  describe('POST /v1/privacy/erasure', () => {
    it("erases the identity's device, identifiers, touchpoints and attributions", async () => {
      const res = await api.call({
        method: 'POST',
        path: '/v1/privacy/erasure',
        headers: jsonHeaders({ authorization: `Bearer ${await api.token('admin', 'acme')}` }),
        body: JSON.stringify({ app_id: 'com.acme.game', advertising_id: adid }),
      });
      expect(res.statusCode).toBe(202);
      const body = JSON.parse(res.body ?? '');
      expect(body.request_id).toMatch(/^[0-9a-f]{32}$/);
      expect(body.erased).toMatchObject({ devices: 1, attributions: 1 });
      const lookup = await api.call({
        method: 'GET',
        path: '/v1/attribution/com.acme.game',
        query: { advertising_id: adid },
        headers: { 'x-api-key': acmeKey },
      });
      expect(lookup.statusCode).toBe(404);
    });

    it("refuses an analyst (403) and another tenant's admin (404)", async () => {
      const body = JSON.stringify({ app_id: 'com.acme.game', advertising_id: adid });
      const analyst = await api.call({
        method: 'POST',
        path: '/v1/privacy/erasure',
        headers: jsonHeaders({ authorization: `Bearer ${await api.token('analyst', 'acme')}` }),
        body,
      });
      expect(analyst.statusCode).toBe(403);
      const other = await api.call({
        method: 'POST',
        path: '/v1/privacy/erasure',
        headers: jsonHeaders({ authorization: `Bearer ${await api.token('admin', 'globex')}` }),
        body,
      });
      expect(other.statusCode).toBe(404);
    });
  });

  it('answers 404 route_not_found for an unknown route', async () => {
    const res = await api.call({ method: 'DELETE', path: '/v1/events' });
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body ?? '').error.code).toBe('route_not_found');
  });
});
