import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, jsonHeaders, readStream, type TestApi } from '../support/api.js';

const PIXEL = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';

function event(overrides: Record<string, unknown> = {}) {
  return {
    event_id: crypto.randomUUID(),
    type: 'install',
    timestamp: new Date().toISOString(),
    device: { platform: 'android', advertising_id: crypto.randomUUID(), ip: '203.0.113.9' },
    ...overrides,
  };
}

describe('ingest routes', () => {
  let api: TestApi;
  let apiKey: string;
  let otherKey: string;

  beforeAll(async () => {
    api = await createTestApi();
    apiKey = await api.onboard('acme', 'com.acme.game');
    otherKey = await api.onboard('globex', 'com.globex.app');
  });

  const streamLength = async () => (await readStream(api.clients.kinesis, api.resources.stream)).length;

  describe('GET /v1/click/{appId}', () => {
    it('marks a click retargeting with retargeting=1 and refuses a value that is not a flag', async () => {
      const click = (retargeting: string) =>
        api.call({
          method: 'GET',
          path: '/v1/click/com.acme.game',
          query: { network: 'criteo', retargeting },
          headers: { 'user-agent': PIXEL },
        });
      const marked = await click('1');
      expect(marked.statusCode).toBe(302);
      const id = marked.headers?.['x-click-id'];
      const records = (await readStream(api.clients.kinesis, api.resources.stream)).map((r) =>
        JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()),
      );
      const mine = records.filter((r) => r.kind === 'touchpoint' && r.touchpoint.id === id);
      expect(mine).toHaveLength(1);
      expect(mine[0].touchpoint.retargeting).toBe(true);
      const refused = await click('maybe');
      expect(refused.statusCode).toBe(400);
      expect(JSON.parse(refused.body ?? '').error).toMatchObject({ code: 'invalid_touchpoint' });
      expect(JSON.parse(refused.body ?? '').error.message).toContain('retargeting');
    });

    it('redirects Android to Play with our click id in the install referrer', async () => {
      const res = await api.call({
        method: 'GET',
        path: '/v1/click/com.acme.game',
        query: { network: 'meta', campaign: 'winter' },
        headers: { 'user-agent': PIXEL },
      });
      expect(res.statusCode).toBe(302);
      const location = new URL(res.headers?.location ?? '');
      expect(location.hostname).toBe('play.google.com');
      expect(location.searchParams.get('referrer')).toBe(`ugp_click_id=${res.headers?.['x-click-id']}`);
      expect(res.headers?.location).toContain(`referrer=ugp_click_id%3D${res.headers?.['x-click-id']}`);
    });

    it('redirects iOS to the App Store', async () => {
      const res = await api.call({
        method: 'GET',
        path: '/v1/click/com.acme.game',
        query: { network: 'tiktok' },
        headers: { 'user-agent': IPHONE },
      });
      expect(res.statusCode).toBe(302);
      expect(res.headers?.location).toBe('https://apps.apple.com/app/id123456789');
    });

    it('follows a redirect override only to an allowed host', async () => {
      const ok = await api.call({
        method: 'GET',
        path: '/v1/click/com.acme.game',
        query: { network: 'meta', redirect: 'https://landing.example.com/promo' },
        headers: { 'user-agent': IPHONE },
      });
      expect(ok.statusCode).toBe(302);
      expect(ok.headers?.location).toBe('https://landing.example.com/promo');
      const before = await streamLength();
      const bad = await api.call({
        method: 'GET',
        path: '/v1/click/com.acme.game',
        query: { network: 'meta', redirect: 'https://evil.example.net/' },
      });
      expect(bad.statusCode).toBe(400);
      expect(JSON.parse(bad.body ?? '').error.code).toBe('redirect_not_allowed');
      expect(await streamLength()).toBe(before);
    });

    it('answers 404 for an unknown app and 400 without a network, writing nothing', async () => {
      const before = await streamLength();
      const unknown = await api.call({
        method: 'GET',
        path: '/v1/click/com.nobody',
        query: { network: 'meta' },
      });
      expect(unknown.statusCode).toBe(404);
      const noNetwork = await api.call({
        method: 'GET',
        path: '/v1/click/com.acme.game',
        headers: { 'user-agent': PIXEL },
      });
      expect(noNetwork.statusCode).toBe(400);
      expect(JSON.parse(noNetwork.body ?? '').error).toMatchObject({ code: 'invalid_touchpoint' });
      expect(await streamLength()).toBe(before);
    });
  });

  describe('GET /v1/impression/{appId}', () => {
    it('records an impression with 204', async () => {
      const before = await streamLength();
      const res = await api.call({
        method: 'GET',
        path: '/v1/impression/com.acme.game',
        query: { network: 'unity' },
      });
      expect(res.statusCode).toBe(204);
      expect(await streamLength()).toBe(before + 1);
    });
  });

  describe('POST /v1/events', () => {
    it('keeps the valid events of a batch and rejects the others by index', async () => {
      const before = await streamLength();
      const res = await api.call({
        method: 'POST',
        path: '/v1/events',
        headers: jsonHeaders({ 'x-api-key': apiKey }),
        body: JSON.stringify({
          events: [
            event(),
            event({ timestamp: 'yesterday' }),
            event({ type: 'purchase', revenue: { amount: 4.99, currency: 'USD' } }),
            event({ timestamp: '2020-01-01T00:00:00Z' }),
          ],
        }),
      });
      expect(res.statusCode).toBe(202);
      const body = JSON.parse(res.body ?? '');
      expect(body.accepted).toBe(2);
      expect(body.rejected).toEqual([
        { index: 1, code: 'invalid_event', message: 'events[1].timestamp: expected ISO-8601 date-time' },
        {
          index: 3,
          code: 'timestamp_out_of_range',
          message: 'events[3].timestamp: more than 400 days in the past',
        },
      ]);
      expect(await streamLength()).toBe(before + 2);
    });

    it.each([
      ['malformed JSON', { body: '{"events": [', headers: jsonHeaders() }, 400, 'invalid_json'],
      ['a body that is not an object', { body: '[1,2]', headers: jsonHeaders() }, 400, 'invalid_request'],
      [
        'events of the wrong type',
        { body: '{"events": "many"}', headers: jsonHeaders() },
        400,
        'invalid_request',
      ],
      ['missing events', { body: '{}', headers: jsonHeaders() }, 400, 'invalid_request'],
      [
        'a wrong content type',
        { body: '{"events": []}', headers: { 'content-type': 'text/plain' } },
        415,
        'unsupported_media_type',
      ],
      [
        'an oversize body',
        {
          body: JSON.stringify({ events: [event({ properties: { blob: 'x'.repeat(1_100_000) } })] }),
          headers: jsonHeaders(),
        },
        413,
        'body_too_large',
      ],
      [
        'an oversize batch',
        {
          body: JSON.stringify({ events: Array.from({ length: 501 }, () => event()) }),
          headers: jsonHeaders(),
        },
        413,
        'batch_too_large',
      ],
    ])('rejects %s with its status and writes nothing', async (_name, request, status, code) => {
      const before = await streamLength();
      const res = await api.call({
        method: 'POST',
        path: '/v1/events',
        ...request,
        headers: { ...request.headers, 'x-api-key': apiKey },
      });
      expect(res.statusCode).toBe(status);
      const body = JSON.parse(res.body ?? '');
      expect(body.error.code).toBe(code);
      expect(typeof body.error.message).toBe('string');
      expect(Array.isArray(body.error.details)).toBe(true);
      expect(res.body).not.toMatch(/at .*\.ts:\d+/);
      expect(await streamLength()).toBe(before);
    });

    it.each([
      ['no key', {}],
      ['a wrong key', { 'x-api-key': 'ugp_not-a-real-key-at-all-000000000' }],
      ['garbage', { 'x-api-key': 'hello' }],
    ])('answers 401 for %s', async (_name, headers) => {
      const res = await api.call({
        method: 'POST',
        path: '/v1/events',
        headers: jsonHeaders(headers),
        body: JSON.stringify({ events: [event()] }),
      });
      expect(res.statusCode).toBe(401);
      expect(JSON.parse(res.body ?? '').error.code).toBe('unauthorized');
    });

    it("writes another tenant's events under that tenant only (the key decides, not the body)", async () => {
      const sent = event();
      const res = await api.call({
        method: 'POST',
        path: '/v1/events',
        headers: jsonHeaders({ 'x-api-key': otherKey }),
        body: JSON.stringify({ events: [sent], tenant_id: 'acme', app_id: 'com.acme.game' }),
      });
      expect(res.statusCode).toBe(202);
      const records = await readStream(api.clients.kinesis, api.resources.stream);
      // Shards are read one after another: find the record by its event id, not by its position.
      const mine = records
        .map((r) => JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()))
        .filter((r) => r.kind === 'event' && r.event.eventId === sent.event_id);
      expect(mine).toHaveLength(1);
      expect(mine[0].event).toMatchObject({ tenantId: 'globex', appId: 'com.globex.app' });
    });
  });

  describe('POST /v1/touchpoints', () => {
    it('accepts S2S clicks and returns our ids', async () => {
      const res = await api.call({
        method: 'POST',
        path: '/v1/touchpoints',
        headers: jsonHeaders({ 'x-api-key': apiKey }),
        body: JSON.stringify({
          touchpoints: [
            {
              type: 'click',
              network: 'meta',
              timestamp: new Date().toISOString(),
              device: { advertising_id: crypto.randomUUID() },
            },
            { type: 'swipe', network: 'meta', timestamp: new Date().toISOString() },
          ],
        }),
      });
      expect(res.statusCode).toBe(202);
      const body = JSON.parse(res.body ?? '');
      expect(body.accepted).toBe(1);
      expect(body.rejected).toEqual([{ index: 1, code: 'invalid_touchpoint', message: expect.any(String) }]);
      expect(body.touchpoints).toEqual([{ index: 0, id: expect.stringMatching(/^[0-9a-f]{32}$/) }]);
    });

    it('accepts the S2S retargeting flag and refuses a non-boolean one naming the field', async () => {
      const res = await api.call({
        method: 'POST',
        path: '/v1/touchpoints',
        headers: jsonHeaders({ 'x-api-key': apiKey }),
        body: JSON.stringify({
          touchpoints: [
            { type: 'click', network: 'criteo', retargeting: true, timestamp: new Date().toISOString() },
            { type: 'click', network: 'criteo', retargeting: 'yes', timestamp: new Date().toISOString() },
          ],
        }),
      });
      const body = JSON.parse(res.body ?? '');
      expect(body.accepted).toBe(1);
      expect(body.rejected).toEqual([
        expect.objectContaining({
          index: 1,
          code: 'invalid_touchpoint',
          message: expect.stringContaining('retargeting'),
        }),
      ]);
    });
  });

  describe('batch limits (SPEC §3: at most 500 a request), both sides', () => {
    const touchpoint = () => ({ type: 'click', network: 'meta', timestamp: new Date().toISOString() });
    it.each([
      ['touchpoints', 500, 202],
      ['touchpoints', 501, 413],
      ['events', 500, 202],
      ['events', 501, 413],
    ] as const)('a batch of %s with %i items answers %i', async (kind, n, status) => {
      const before = await streamLength();
      const items = Array.from({ length: n }, () => (kind === 'events' ? event() : touchpoint()));
      const res = await api.call({
        method: 'POST',
        path: `/v1/${kind}`,
        headers: jsonHeaders({ 'x-api-key': apiKey }),
        body: JSON.stringify({ [kind]: items }),
      });
      expect(res.statusCode).toBe(status);
      const body = JSON.parse(res.body ?? '');
      if (status === 202) {
        expect(body.accepted).toBe(n);
        expect(body.rejected).toEqual([]);
        expect(await streamLength()).toBe(before + n);
      } else {
        expect(body.error.code).toBe('batch_too_large');
        expect(await streamLength()).toBe(before);
      }
    });
  });

  it('answers 503 when the stream is unavailable, and the caller may retry', async () => {
    const failing = await createTestApi();
    const key = await failing.onboard('initech', 'com.initech.app');
    const { KinesisPublisher } = await import('../../src/adapters/kinesis/publisher.js');
    const broken = new KinesisPublisher({
      client: failing.clients.kinesis,
      streamFor: () => 'no-such-stream',
      maxAttempts: 2,
      baseDelayMs: 1,
    });
    const api2 = await createTestApi({ publisher: broken, registry: failing.services.registry });
    const res = await api2.call({
      method: 'POST',
      path: '/v1/events',
      headers: jsonHeaders({ 'x-api-key': key }),
      body: JSON.stringify({ events: [event()] }),
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(JSON.parse(res.body ?? '').error.code).toBe('service_unavailable');
  });
});
