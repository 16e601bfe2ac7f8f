import { beforeAll, describe, expect, it } from 'vitest';
import { TenantRegistry } from '../../src/adapters/dynamodb/tenant-registry.js';
import { createSettingsResolver } from '../../src/app/settings.js';
import type { Role } from '../../src/auth/permissions.js';
import { signRequest } from '../../src/auth/signing.js';
import { createHttpApp } from '../../src/http/app.js';
import type { HttpRequest, HttpResponse } from '../../src/http/request.js';
import { ipKeeperFor } from '../../src/http/routes/ingest-guards.js';
import { createTestApi, jsonHeaders, readStream, type TestApi } from '../support/api.js';

const HOUR_MS = 3_600_000;

/**
 * The credential routes against DynamoDB Local and kinesalite, on an injected clock: the registry and
 * the routes read `clock`, so deadlines are crossed without waiting.
 */
describe('app credentials', () => {
  let base: TestApi;
  let clock = Date.now();
  let call: (request: Partial<HttpRequest> & { method: string; path: string }) => Promise<HttpResponse>;

  beforeAll(async () => {
    base = await createTestApi();
    const registry = new TenantRegistry({
      documents: base.clients.documents,
      tableName: base.resources.tenantRegistryTable,
      now: () => clock,
    });
    const app = createHttpApp({ ...base.services, registry, now: () => clock });
    call = (request) => app({ headers: {}, query: {}, sourceIp: '198.51.100.4', ...request });
  });

  const bearer = async (role: Role, tenant: string) =>
    jsonHeaders({ authorization: `Bearer ${await base.token(role, tenant)}` });
  const streamRecords = async () =>
    (await readStream(base.clients.kinesis, base.resources.stream)).map((r) =>
      JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')),
    );
  const eventsBody = (ip = '203.0.113.77') =>
    JSON.stringify({
      events: [
        {
          event_id: crypto.randomUUID(),
          type: 'install',
          timestamp: new Date(clock).toISOString(),
          device: { platform: 'android', advertising_id: crypto.randomUUID(), ip },
        },
      ],
    });
  const sendEvents = (apiKey: string, body = eventsBody(), headers: Record<string, string> = {}) =>
    call({
      method: 'POST',
      path: '/v1/events',
      headers: jsonHeaders({ 'x-api-key': apiKey, ...headers }),
      body,
    });
  const rotate = async (tenant: string, appId: string, body: unknown, role: Role = 'developer') =>
    call({
      method: 'POST',
      path: `/v1/tenants/${tenant}/apps/${appId}/keys`,
      headers: await bearer(role, tenant),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const errorOf = (res: HttpResponse) => JSON.parse(res.body ?? '{}').error;

  describe('POST /v1/tenants/{tenantId}/apps/{appId}/keys (key rotation)', () => {
    it('answers 201 with a new key that works at once; the old one works until its deadline', async () => {
      const oldKey = await base.onboard('acme', 'com.acme.rotate');
      expect((await sendEvents(oldKey)).statusCode).toBe(202);
      const res = await rotate('acme', 'com.acme.rotate', { old_key_expires_in_hours: 24 });
      expect(res.statusCode).toBe(201);
      const body = JSON.parse(res.body ?? '{}');
      expect(body.api_key).toMatch(/^ugp_/);
      expect(body.api_key).not.toBe(oldKey);
      expect(body.previous_keys).toEqual([
        {
          key_id: expect.stringMatching(/^[0-9a-f]{16}$/),
          created_at: expect.any(String),
          expires_at: new Date(clock + 24 * HOUR_MS).toISOString(),
        },
      ]);
      expect((await sendEvents(body.api_key)).statusCode).toBe(202);
      expect((await sendEvents(oldKey)).statusCode).toBe(202);
      clock += 24 * HOUR_MS - 1000;
      expect((await sendEvents(oldKey)).statusCode).toBe(202);
      clock += 1000;
      const refused = await sendEvents(oldKey);
      expect(refused.statusCode).toBe(401);
      expect(errorOf(refused).code).toBe('unauthorized');
      expect((await sendEvents(body.api_key)).statusCode).toBe(202);
    });

    it('stops a cached old key at its deadline, not a cache lifetime later', async () => {
      const oldKey = await base.onboard('acme', 'com.acme.cached');
      const res = await rotate('acme', 'com.acme.cached', { old_key_expires_in_hours: 0.01 }); // 36 s
      expect(res.statusCode).toBe(201);
      expect((await sendEvents(oldKey)).statusCode).toBe(202); // now cached (60 s) with its deadline
      clock += 35_000;
      expect((await sendEvents(oldKey)).statusCode).toBe(202);
      clock += 2_000;
      expect((await sendEvents(oldKey)).statusCode).toBe(401);
    });

    it('revokes the old keys at once with 0 hours', async () => {
      const oldKey = await base.onboard('acme', 'com.acme.revoke');
      expect((await sendEvents(oldKey)).statusCode).toBe(202);
      const res = await rotate('acme', 'com.acme.revoke', { old_key_expires_in_hours: 0 });
      expect(res.statusCode).toBe(201);
      const body = JSON.parse(res.body ?? '{}');
      expect(body.previous_keys).toEqual([]);
      expect((await sendEvents(oldKey)).statusCode).toBe(401);
      expect((await sendEvents(body.api_key)).statusCode).toBe(202);
    });

    it('gives old keys 24 hours when the body is left out', async () => {
      await base.onboard('acme', 'com.acme.default');
      const res = await rotate('acme', 'com.acme.default', undefined);
      expect(res.statusCode).toBe(201);
      expect(JSON.parse(res.body ?? '{}').previous_keys[0].expires_at).toBe(
        new Date(clock + 24 * HOUR_MS).toISOString(),
      );
    });

    it("answers another tenant's app exactly like a missing one, and changes nothing", async () => {
      const acmeKey = await base.onboard('acme', 'com.acme.guarded');
      await base.onboard('globex', 'com.globex.app');
      const foreign = await rotate('globex', 'com.acme.guarded', {}, 'owner');
      const missing = await rotate('globex', 'com.globex.nothing', {}, 'owner');
      expect(foreign.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      expect(errorOf(foreign).code).toBe(errorOf(missing).code);
      expect(errorOf(foreign).message).toBe('unknown app "com.acme.guarded"');
      const otherTenantPath = await call({
        method: 'POST',
        path: '/v1/tenants/acme/apps/com.acme.guarded/keys',
        headers: await bearer('owner', 'globex'),
        body: '{}',
      });
      expect(otherTenantPath.statusCode).toBe(404);
      expect((await sendEvents(acmeKey)).statusCode).toBe(202);
    });

    it.each(['analyst', 'viewer'] as const)('refuses the %s role (no keys:rotate) with 403', async (role) => {
      const key = await base.onboard('acme', `com.acme.${role}`);
      const res = await rotate('acme', `com.acme.${role}`, { old_key_expires_in_hours: 0 }, role);
      expect(res.statusCode).toBe(403);
      expect(errorOf(res)).toMatchObject({ code: 'forbidden', message: `role ${role} may not keys rotate` });
      expect((await sendEvents(key)).statusCode).toBe(202);
    });

    it('refuses a deadline beyond 30 days, naming the field', async () => {
      await base.onboard('acme', 'com.acme.long');
      const res = await rotate('acme', 'com.acme.long', { old_key_expires_in_hours: 721 });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res).message).toBe('old_key_expires_in_hours: expected at most 720 hours (30 days)');
    });
  });

  describe('signed requests', () => {
    let apiKey: string;
    let secret: string;

    beforeAll(async () => {
      apiKey = await base.onboard('acme', 'com.acme.signed');
      const res = await call({
        method: 'POST',
        path: '/v1/tenants/acme/apps/com.acme.signed/signing-secret',
        headers: await bearer('developer', 'acme'),
        body: '{}',
      });
      expect(res.statusCode).toBe(201);
      const body = JSON.parse(res.body ?? '{}');
      expect(body.signing).toEqual({ enabled: true, created_at: expect.any(String) });
      secret = body.signing_secret;
      expect(secret).toMatch(/^ugps_/);
    });

    const signedHeaders = (body: string, key = secret) => {
      const timestamp = String(Math.floor(clock / 1000));
      return { 'x-ugp-timestamp': timestamp, 'x-ugp-signature': signRequest(key, timestamp, body) };
    };

    it('shows whether signing is on in GET app, never the secret', async () => {
      const res = await call({
        method: 'GET',
        path: '/v1/tenants/acme/apps/com.acme.signed',
        headers: await bearer('viewer', 'acme'),
      });
      expect(JSON.parse(res.body ?? '{}').signing).toEqual({ enabled: true, created_at: expect.any(String) });
      expect(res.body).not.toContain(secret);
    });

    it('accepts a batch signed with the secret', async () => {
      const before = (await streamRecords()).length;
      const body = eventsBody();
      const res = await sendEvents(apiKey, body, signedHeaders(body));
      expect(res.statusCode).toBe(202);
      expect((await streamRecords()).length).toBe(before + 1);
    });

    it.each([
      ['no signature headers', () => ({})],
      ['a signature made with another secret', (body: string) => signedHeaders(body, 'ugps_not-the-secret')],
      ['a tampered body', (body: string) => signedHeaders(body.replace('install', 'open'))],
      [
        'a timestamp 6 minutes old',
        (body: string) => {
          const timestamp = String(Math.floor((clock - 6 * 60_000) / 1000));
          return { 'x-ugp-timestamp': timestamp, 'x-ugp-signature': signRequest(secret, timestamp, body) };
        },
      ],
    ])('refuses %s with 401 incorrect_signature and publishes nothing', async (_name, headersFor) => {
      const before = (await streamRecords()).length;
      const body = eventsBody();
      const res = await sendEvents(apiKey, body, headersFor(body));
      expect(res.statusCode).toBe(401);
      expect(errorOf(res).code).toBe('incorrect_signature');
      expect((await streamRecords()).length).toBe(before);
    });

    it('guards POST /v1/touchpoints the same way', async () => {
      const body = JSON.stringify({
        touchpoints: [{ type: 'click', network: 'meta', timestamp: new Date(clock).toISOString() }],
      });
      const post = (headers: Record<string, string>) =>
        call({
          method: 'POST',
          path: '/v1/touchpoints',
          headers: jsonHeaders({ 'x-api-key': apiKey, ...headers }),
          body,
        });
      const unsigned = await post({});
      expect(unsigned.statusCode).toBe(401);
      expect(errorOf(unsigned).code).toBe('incorrect_signature');
      expect((await post(signedHeaders(body))).statusCode).toBe(202);
    });

    it('turns signing off with enabled false', async () => {
      const key = await base.onboard('acme', 'com.acme.signoff');
      const path = '/v1/tenants/acme/apps/com.acme.signoff/signing-secret';
      const headers = await bearer('admin', 'acme');
      expect((await call({ method: 'POST', path, headers, body: '{}' })).statusCode).toBe(201);
      expect((await sendEvents(key)).statusCode).toBe(401);
      const off = await call({ method: 'POST', path, headers, body: '{"enabled":false}' });
      expect(off.statusCode).toBe(200);
      expect(JSON.parse(off.body ?? '{}').signing).toEqual({ enabled: false });
      expect((await sendEvents(key)).statusCode).toBe(202);
    });

    it("refuses roles without apps:write (403) and other tenants' apps (404)", async () => {
      const path = '/v1/tenants/acme/apps/com.acme.signed/signing-secret';
      const analyst = await call({
        method: 'POST',
        path,
        headers: await bearer('analyst', 'acme'),
        body: '{}',
      });
      expect(analyst.statusCode).toBe(403);
      const foreign = await call({
        method: 'POST',
        path: '/v1/tenants/globex/apps/com.acme.signed/signing-secret',
        headers: await bearer('owner', 'globex'),
        body: '{}',
      });
      expect(foreign.statusCode).toBe(404);
      // The secret is unchanged: requests signed with it still pass.
      const body = eventsBody();
      expect((await sendEvents(apiKey, body, signedHeaders(body))).statusCode).toBe(202);
    });
  });

  describe('IP handling at ingest', () => {
    /** The app's records on the stream (shards do not keep a global order): events, then touchpoints. */
    const recordsOf = async (appId: string) => {
      const records = await streamRecords();
      return [
        ...records.filter((r) => r.event?.appId === appId).map((r) => r.event),
        ...records.filter((r) => r.touchpoint?.appId === appId).map((r) => r.touchpoint),
      ];
    };

    it('publishes truncated IPs for an app that keeps them truncated (events, touchpoints, links)', async () => {
      const key = await base.onboard('acme', 'com.acme.trunc', { settings: { ip_handling: 'truncated' } });
      expect((await sendEvents(key, eventsBody('203.0.113.77'))).statusCode).toBe(202);
      const link = await call({
        method: 'GET',
        path: '/v1/click/com.acme.trunc',
        query: { network: 'meta' },
        sourceIp: '2001:db8:abcd:12::1',
      });
      expect(link.statusCode).toBe(302);
      const [event, click] = await recordsOf('com.acme.trunc');
      expect(event.ip).toBe('203.0.113.0');
      expect(click.ip).toBe('2001:db8:abcd::');
      expect(JSON.stringify([event, click])).not.toContain('203.0.113.77');
    });

    it('publishes one stable opaque value per address for an app that keeps IPs hashed', async () => {
      const key = await base.onboard('acme', 'com.acme.hashed', { settings: { ip_handling: 'hashed' } });
      await sendEvents(key, eventsBody('203.0.113.77'));
      const touchpoints = JSON.stringify({
        touchpoints: [
          { type: 'click', network: 'meta', timestamp: new Date(clock).toISOString(), ip: '203.0.113.77' },
        ],
      });
      const res = await call({
        method: 'POST',
        path: '/v1/touchpoints',
        headers: jsonHeaders({ 'x-api-key': key }),
        body: touchpoints,
      });
      expect(res.statusCode).toBe(202);
      const [event, touchpoint] = await recordsOf('com.acme.hashed');
      expect(event.ip).toMatch(/^iph_[0-9a-f]{32}$/);
      expect(touchpoint.ip).toBe(event.ip);
      expect(JSON.stringify([event, touchpoint])).not.toContain('203.0.113.77');
    });

    it('derives the country from the full IP before the app hashes it', async () => {
      const key = await base.onboard('acme', 'com.acme.geo', { settings: { ip_handling: 'hashed' } });
      // 1.0.16.0/20 is registered to Japan (APNIC); the hash could not be looked up afterwards.
      expect((await sendEvents(key, eventsBody('1.0.16.77'))).statusCode).toBe(202);
      const [event] = await recordsOf('com.acme.geo');
      expect(event.ip).toMatch(/^iph_/);
      expect(event.country).toBe('JP');
    });

    it("keeps the SDK's device.country over the IP's and leaves an unknown address without one", async () => {
      const key = await base.onboard('acme', 'com.acme.geo2');
      const body = JSON.stringify({
        events: [
          {
            event_id: crypto.randomUUID(),
            type: 'install',
            timestamp: new Date(clock).toISOString(),
            device: {
              platform: 'android',
              advertising_id: crypto.randomUUID(),
              ip: '1.0.16.77',
              country: 'de',
            },
          },
        ],
      });
      expect((await sendEvents(key, body)).statusCode).toBe(202);
      expect((await sendEvents(key, eventsBody('203.0.113.77'))).statusCode).toBe(202);
      const countries = (await recordsOf('com.acme.geo2')).map((r) => r.country ?? null).sort();
      expect(countries).toEqual(['DE', null]);
    });

    it('drops the IPs of a hashed app that has no hash key rather than keep them in full', async () => {
      const app = {
        tenantId: 'acme',
        appId: 'com.acme.legacy',
        name: 'legacy',
        storeUrls: {},
        allowedRedirectHosts: [],
        settings: { ipHandling: 'hashed' as const },
        createdAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-01T00:00:00Z',
      };
      const services = { effectiveSettings: createSettingsResolver() };
      expect((await ipKeeperFor(services, app))('203.0.113.77')).toBeUndefined();
      expect((await ipKeeperFor(services, { ...app, ipHashKey: 'k' }))('203.0.113.77')).toMatch(/^iph_/);
    });

    it('keeps IPs as sent by default', async () => {
      const key = await base.onboard('acme', 'com.acme.full');
      await sendEvents(key, eventsBody('203.0.113.77'));
      const [event] = await recordsOf('com.acme.full');
      expect(event.ip).toBe('203.0.113.77');
    });
  });
});
