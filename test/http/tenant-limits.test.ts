import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuntimeConfig } from '../../src/config/runtime.js';
import { ENV } from '../../src/definitions/environment.js';
import { createTestApi, jsonHeaders, type TestApi } from '../support/api.js';

/**
 * Tenant-wide limits (a configured tenant's `usagePlan`) are enforced by the ingest handlers, across the
 * tenant's apps: API Gateway no longer meters app keys (issue 12, item 1).
 */

// 20:00:00.500 UTC today: half a second to the next second.
const start = new Date();
start.setUTCHours(20, 0, 0, 500);
const clock = { now: start.getTime() };

describe('tenant limits', () => {
  let api: TestApi;
  const keys: string[] = [];

  beforeAll(async () => {
    api = await createTestApi({
      now: () => clock.now,
      tenantLimits: {
        acme: { rateLimitPerSecond: 3, monthlyRequestQuota: 0 },
        initech: { rateLimitPerSecond: 100, monthlyRequestQuota: 2 },
      },
    });
    keys.push(await api.onboard('acme', 'com.acme.one'), await api.onboard('acme', 'com.acme.two'));
    keys.push(await api.onboard('initech', 'com.initech.one'));
  });

  const post = (key: string) =>
    api.call({
      method: 'POST',
      path: '/v1/events',
      headers: jsonHeaders({ 'x-api-key': key }),
      body: JSON.stringify({
        events: [
          {
            event_id: crypto.randomUUID(),
            type: 'install',
            timestamp: new Date(clock.now).toISOString(),
            device: { platform: 'android', advertising_id: crypto.randomUUID() },
          },
        ],
      }),
    });

  it("counts every app of a tenant against the tenant's requests per second", async () => {
    // Act
    const answers = [await post(keys[0] ?? ''), await post(keys[1] ?? ''), await post(keys[0] ?? '')];
    const refused = await post(keys[1] ?? '');
    clock.now += 1000;
    const nextSecond = await post(keys[1] ?? '');

    // Assess
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202]);
    expect(refused.statusCode).toBe(429);
    const body = JSON.parse(refused.body ?? '{}');
    expect(body.error.message).toContain('tenant acme is over its limit of 3 requests per second');
    expect(body.error.details[0].field).toBe('tenants[].usagePlan.rateLimit');
    expect(nextSecond.statusCode).toBe(202);
  });

  it("refuses a tenant's requests over its monthly quota until the next month", async () => {
    const answers = [await post(keys[2] ?? ''), await post(keys[2] ?? ''), await post(keys[2] ?? '')];

    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 429]);
    expect(JSON.parse(answers[2]?.body ?? '{}').error.details[0].field).toBe(
      'tenants[].usagePlan.monthlyQuota',
    );
  });

  it('reads the limits from UNMOGROWP_TENANT_LIMITS, naming a bad entry', () => {
    const config = loadRuntimeConfig({
      [ENV.tenantLimits]: JSON.stringify({ acme: { rateLimitPerSecond: 100, monthlyRequestQuota: 0 } }),
    });

    expect(config.tenantLimits).toEqual({ acme: { rateLimitPerSecond: 100, monthlyRequestQuota: 0 } });
    expect(() => loadRuntimeConfig({ [ENV.tenantLimits]: '{"acme":{"rateLimitPerSecond":0}}' })).toThrow(
      'UNMOGROWP_TENANT_LIMITS.acme needs rateLimitPerSecond > 0',
    );
  });
});
