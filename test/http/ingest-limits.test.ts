import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, jsonHeaders, readStream, type TestApi } from '../support/api.js';

/**
 * Per-app ingest limits through the routes, against DynamoDB Local: over `rateLimitPerSecond` or
 * `dailyEventQuota`, 429 with Retry-After and nothing on the stream; the next window admits again.
 */

// 20:00:00.500 UTC today: 4 h (14,400 s) to the next UTC day, half a second to the next second.
const start = new Date();
start.setUTCHours(20, 0, 0, 500);
const clock = { now: start.getTime() };

function event(overrides: Record<string, unknown> = {}) {
  return {
    event_id: crypto.randomUUID(),
    type: 'install',
    timestamp: new Date(clock.now).toISOString(),
    device: { platform: 'android', advertising_id: crypto.randomUUID(), ip: '203.0.113.9' },
    ...overrides,
  };
}

describe('ingest limits', () => {
  let api: TestApi;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    api = await createTestApi({ now: () => clock.now });
    keys.rps = await api.onboard('acme', 'com.acme.rps', { settings: { rate_limit_per_second: 2 } });
    keys.quota = await api.onboard('acme', 'com.acme.quota', { settings: { daily_event_quota: 3 } });
    keys.other = await api.onboard('acme', 'com.acme.other', { settings: { daily_event_quota: 3 } });
  });

  const streamLength = async () => (await readStream(api.clients.kinesis, api.resources.stream)).length;
  const postEvents = (key: string, count: number) =>
    api.call({
      method: 'POST',
      path: '/v1/events',
      headers: jsonHeaders({ 'x-api-key': key }),
      body: JSON.stringify({ events: Array.from({ length: count }, () => event()) }),
    });

  it('answers 429 with Retry-After over rateLimitPerSecond, publishes nothing, and admits again next second', async () => {
    clock.now = start.getTime();
    expect((await postEvents(keys.rps ?? '', 1)).statusCode).toBe(202);
    expect((await postEvents(keys.rps ?? '', 1)).statusCode).toBe(202);
    const before = await streamLength();

    const refused = await postEvents(keys.rps ?? '', 1);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers?.['retry-after']).toBe('1');
    const body = JSON.parse(refused.body ?? '{}');
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toContain('2 requests per second');
    expect(body.error.details[0].field).toBe('settings.rate_limit_per_second');

    const touchpoints = await api.call({
      method: 'POST',
      path: '/v1/touchpoints',
      headers: jsonHeaders({ 'x-api-key': keys.rps ?? '' }),
      body: JSON.stringify({
        touchpoints: [{ type: 'click', network: 'meta', timestamp: new Date(clock.now).toISOString() }],
      }),
    });
    expect(touchpoints.statusCode).toBe(429);
    const click = await api.call({
      method: 'GET',
      path: '/v1/click/com.acme.rps',
      query: { network: 'meta' },
      headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 14)' },
    });
    expect(click.statusCode).toBe(429);
    expect(click.headers?.location).toBeUndefined();
    expect(await streamLength()).toBe(before);

    clock.now += 1000;
    expect((await postEvents(keys.rps ?? '', 1)).statusCode).toBe(202);
    expect(await streamLength()).toBe(before + 1);
  });

  it('refuses a batch that would pass the daily quota whole, per app, until the next UTC day', async () => {
    clock.now = start.getTime();
    expect((await postEvents(keys.quota ?? '', 2)).statusCode).toBe(202);
    const before = await streamLength();

    const refused = await postEvents(keys.quota ?? '', 2);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers?.['retry-after']).toBe(String(4 * 3600));
    const body = JSON.parse(refused.body ?? '{}');
    expect(body.error.details[0].field).toBe('settings.daily_event_quota');
    expect(body.error.message).toContain('1 of its daily quota of 3 events left');
    expect(await streamLength()).toBe(before);

    // Another app's quota is its own.
    expect((await postEvents(keys.other ?? '', 3)).statusCode).toBe(202);
    // What is left still fits.
    expect((await postEvents(keys.quota ?? '', 1)).statusCode).toBe(202);
    expect((await postEvents(keys.quota ?? '', 1)).statusCode).toBe(429);

    clock.now = start.getTime() + 4 * 3600 * 1000;
    expect((await postEvents(keys.quota ?? '', 3)).statusCode).toBe(202);
  });

  it('counts only the accepted events of a batch against the quota', async () => {
    clock.now = start.getTime() + 8 * 3600 * 1000; // another day again, for a fresh quota
    const mixed = await api.call({
      method: 'POST',
      path: '/v1/events',
      headers: jsonHeaders({ 'x-api-key': keys.other ?? '' }),
      body: JSON.stringify({ events: [event(), event({ event_id: undefined }), event(), event()] }),
    });
    expect(mixed.statusCode).toBe(202);
    expect(JSON.parse(mixed.body ?? '{}')).toMatchObject({ accepted: 3, rejected: [{ index: 1 }] });
  });

  it('validates the limit settings, naming the field', async () => {
    const token = await api.token('owner', '*');
    const res = await api.call({
      method: 'PUT',
      path: '/v1/tenants/acme/apps/com.acme.other',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { rate_limit_per_second: 500_000 } }),
    });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body ?? '{}').error.message).toContain('settings.rate_limit_per_second');
    const read = await api.call({
      method: 'GET',
      path: '/v1/tenants/acme/apps/com.acme.rps',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(JSON.parse(read.body ?? '{}').effective_settings).toMatchObject({
      rate_limit_per_second: 2,
      daily_event_quota: 1_000_000,
    });
  });
});
