import { beforeAll, describe, expect, it } from 'vitest';
import { createApiServices } from '../../src/composition/api.js';
import { loadRuntimeConfig, RUNTIME_ENV } from '../../src/config/runtime.js';
import { ENV } from '../../src/definitions/environment.js';
import { createHttpApp } from '../../src/http/app.js';
import type { HttpRequest, HttpResponse } from '../../src/http/request.js';
import { createTestApi, JWT_SECRET, jsonHeaders, type TestApi } from '../support/api.js';

/**
 * App keys are verified by the handlers against the tenant registry (a global table), never by API
 * Gateway: a key onboarded in one region works in every region as soon as the registry row is there,
 * and a region added later needs no key import (SPEC §6).
 */
describe('app keys in every region', () => {
  let home: TestApi;
  /** A second region: its own handlers and registry cache over the same (replicated) registry rows. */
  let otherRegion: (
    request: Partial<HttpRequest> & { method: string; path: string },
  ) => Promise<HttpResponse>;
  let apiKey: string;

  const batch = (eventId: string) =>
    JSON.stringify({
      events: [
        {
          event_id: eventId,
          type: 'install',
          timestamp: new Date().toISOString(),
          device: { platform: 'android', advertising_id: '3f1e2d4c-5b6a-4789-9abc-def012345678' },
        },
      ],
    });

  beforeAll(async () => {
    home = await createTestApi();
    apiKey = await home.onboard('acme', 'com.acme.regions');
    const config = loadRuntimeConfig({
      ...home.resources.env,
      [ENV.region]: 'eu-west-1',
      [RUNTIME_ENV.jwtSecret]: JWT_SECRET,
    });
    const app = createHttpApp(createApiServices(config, home.clients));
    otherRegion = (request) => app({ headers: {}, query: {}, sourceIp: '198.51.100.9', ...request });
  });

  it('accepts a key onboarded in another region at once, without any API Gateway call', async () => {
    // Act
    const res = await otherRegion({
      method: 'POST',
      path: '/v1/events',
      headers: jsonHeaders({ 'x-api-key': apiKey }),
      body: batch('evt-region-1'),
    });

    // Assess
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body ?? '{}')).toMatchObject({ accepted: 1 });
  });

  it('answers 401 in the SPEC error shape for an unknown key, in every region', async () => {
    for (const call of [home.call, otherRegion]) {
      const res = await call({
        method: 'POST',
        path: '/v1/events',
        headers: jsonHeaders({ 'x-api-key': 'ugp_not-a-key-of-anyone' }),
        body: batch('evt-region-2'),
      });
      expect(res.statusCode).toBe(401);
      expect(JSON.parse(res.body ?? '{}').error.code).toBe('unauthorized');
    }
  });

  it('answers the onboarding with the key only, with no API Gateway key or usage plan id', async () => {
    // Prepare
    const owner = await home.token('owner', '*');

    // Act
    const res = await home.call({
      method: 'POST',
      path: '/v1/tenants/acme/apps',
      headers: jsonHeaders({ authorization: `Bearer ${owner}` }),
      body: JSON.stringify({ app_id: 'com.acme.second' }),
    });

    // Assess
    expect(res.statusCode).toBe(201);
    const body = JSON.parse(res.body ?? '{}');
    expect(body.api_key).toMatch(/^ugp_/);
    expect(body).not.toHaveProperty('api_key_id');
    expect(body).not.toHaveProperty('usage_plan_id');
  });

  it('reads no REST API id or usage plan names from the environment', () => {
    expect(Object.values(ENV)).not.toContain('UNMOGROWP_REST_API_ID');
    expect(Object.values(ENV)).not.toContain('UNMOGROWP_USAGE_PLANS');
  });
});
