import { beforeAll, describe, expect, it } from 'vitest';
import { InMemoryAuditLog } from '../../src/adapters/memory/audit-log.js';
import type { AuditLog } from '../../src/app/ports/audit-log.js';
import { AUDIT_METRICS } from '../../src/definitions/observability.js';
import { AUDITED_ROUTES } from '../../src/http/audit.js';
import type { HttpResponse } from '../../src/http/request.js';
import { createWorld, SEEDED_DELIVERY_ID, type World } from '../security/support.js';
import { createTestApi, jsonHeaders } from '../support/api.js';

/**
 * The tenant audit log: every successful admin change of a tenant is recorded once, with who did it and
 * no secret, and `GET /v1/tenants/{tenantId}/audit-log` (`audit:read`) reads it newest first, by page.
 */

interface WireEntry {
  id: string;
  at: string;
  tenant_id: string;
  actor: { subject: string; role: string };
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

const body = (res: HttpResponse) => JSON.parse(res.body ?? '{}');
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe('audit log', () => {
  let world: World;
  let admin: string;
  /** Every secret, key and token the changes below answered or used. */
  const secrets: string[] = [];
  /** The actions done to tenant-a below, in order, with their targets. */
  const done: { action: string; target: string | null }[] = [];

  const as = (token: string) => jsonHeaders({ authorization: `Bearer ${token}` });
  const read = async (token: string, tenantId: string, query: Record<string, string> = {}) =>
    world.api.call({ method: 'GET', path: `/v1/tenants/${tenantId}/audit-log`, query, headers: as(token) });
  const change = async (
    method: string,
    path: string,
    payload: unknown,
    expected: { action: string; target: string | null },
    status = 200,
  ) => {
    const res = await world.api.call({ method, path, headers: as(admin), body: JSON.stringify(payload) });
    expect(res.statusCode, `${method} ${path}: ${res.body}`).toBe(status);
    done.push(expected);
    return body(res);
  };

  beforeAll(async () => {
    world = await createWorld();
    admin = world.a.tokens.admin;
    secrets.push(admin, world.platformOwner, ...Object.values(world.a.keys));
    const t = '/v1/tenants/tenant-a';
    const app = 'com.a.one';
    const created = await change(
      'POST',
      `${t}/apps`,
      { app_id: 'com.a.three' },
      { action: 'apps.create', target: 'com.a.three' },
      201,
    );
    secrets.push(created.api_key);
    await change(
      'PUT',
      `${t}/apps/${app}`,
      { name: 'renamed', settings: { click_lookback_hours: 48 } },
      { action: 'apps.settings.update', target: app },
    );
    const rotated = await change(
      'POST',
      `${t}/apps/${app}/keys`,
      { old_key_expires_in_hours: 1 },
      { action: 'apps.keys.rotate', target: app },
      201,
    );
    secrets.push(rotated.api_key);
    const signing = await change(
      'POST',
      `${t}/apps/${app}/signing-secret`,
      {},
      { action: 'apps.signing_secret.set', target: app },
      201,
    );
    secrets.push(signing.signing_secret);
    const webhook = await change(
      'POST',
      `${t}/apps/${app}/webhook-secret`,
      {},
      { action: 'postbacks.webhook_secret.create', target: app },
      201,
    );
    secrets.push(webhook.webhook_secret);
    await change(
      'PUT',
      `${t}/apps/${app}/postbacks`,
      { postbacks: [] },
      { action: 'postbacks.destinations.replace', target: app },
    );
    await change(
      'POST',
      `${t}/apps/${app}/postbacks/deliveries/${SEEDED_DELIVERY_ID}/retry`,
      {},
      { action: 'postbacks.delivery.retry', target: SEEDED_DELIVERY_ID },
      202,
    );
    const erasure = await change(
      'POST',
      '/v1/privacy/erasure',
      { app_id: app, advertising_id: crypto.randomUUID() },
      { action: 'privacy.erasure.request', target: null },
      202,
    );
    (done.at(-1) as { target: string | null }).target = erasure.request_id;
    await change(
      'PUT',
      `${t}/fx-rates`,
      { rates: [{ date: day(0), from: 'EUR', to: 'USD', rate: 1.08 }] },
      { action: 'costs.fx_rates.put', target: null },
    );
    await change(
      'POST',
      `/v1/costs/${app}`,
      {
        costs: [
          { date: day(0), network: 'meta', campaign: 'c', spend: 1, currency: 'USD' },
          { date: day(0), network: 'google', campaign: 'c', spend: 2, currency: 'USD' },
          { date: 'yesterday', network: 'meta', spend: 1, currency: 'USD' },
        ],
      },
      { action: 'costs.rows.load', target: app },
    );
    await change(
      'POST',
      `/v1/reports/${app}/replay`,
      { settings: { click_lookback_hours: 24 }, from: day(-1), to: day(0) },
      { action: 'replay.run', target: app },
    );
  });

  it('records each kind of change once, newest first, with the actor and target', async () => {
    const res = await read(admin, 'tenant-a', { limit: '500' });
    expect(res.statusCode, res.body).toBe(200);
    const entries = body(res).entries as WireEntry[];
    const latest = entries.slice(0, done.length).reverse();
    expect(latest.map((e) => ({ action: e.action, target: e.target }))).toEqual(done);
    for (const e of latest) {
      expect(e.tenant_id).toBe('tenant-a');
      expect(e.actor).toEqual({ subject: 'admin@tenant-a', role: 'admin' });
    }
    const times = entries.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    // Every audited route but tenant creation (the platform's, below) was exercised here.
    expect(new Set(done.map((d) => d.action))).toEqual(
      new Set(
        Object.values(AUDITED_ROUTES)
          .map((rule) => rule?.action)
          .filter((a) => a !== 'tenants.create'),
      ),
    );
  });

  it('keeps the facts of a change without its secrets: counts, field names, ids', async () => {
    const entries = body(await read(admin, 'tenant-a', { limit: '500' })).entries as WireEntry[];
    const of = (action: string) => entries.find((e) => e.action === action)?.details;
    expect(of('costs.rows.load')).toEqual({ accepted: 2, rejected: 1 });
    expect(of('costs.fx_rates.put')).toEqual({ rates: 1 });
    expect(of('apps.settings.update')).toEqual({
      fields: ['name', 'settings'],
      settings: ['click_lookback_hours'],
    });
    expect(of('apps.keys.rotate')).toMatchObject({ previous_keys: 1 });
    expect(of('apps.signing_secret.set')).toEqual({ enabled: true });
    expect(of('postbacks.delivery.retry')).toEqual({ app_id: 'com.a.one' });
    const text = JSON.stringify(entries);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(10);
      expect(text.includes(secret), 'an entry holds a secret, key or token').toBe(false);
    }
    expect(text).not.toMatch(/ugp[swk]?_[A-Za-z0-9_-]{20,}/);
  });

  it("records a tenant's creation in the new tenant's log, by the platform owner", async () => {
    const res = await world.api.call({
      method: 'POST',
      path: '/v1/tenants',
      headers: as(world.platformOwner),
      body: JSON.stringify({ tenant_id: 'tenant-new' }),
    });
    expect(res.statusCode).toBe(201);
    const entries = body(await read(world.platformOwner, 'tenant-new')).entries as WireEntry[];
    expect(entries.map((e) => [e.action, e.target, e.actor.role])).toEqual([
      ['tenants.create', 'tenant-new', 'owner'],
    ]);
  });

  it('records nothing for a refused or failed request', async () => {
    const before = body(await read(admin, 'tenant-a', { limit: '1' })).entries[0] as WireEntry;
    const refused = await world.api.call({
      method: 'PUT',
      path: '/v1/tenants/tenant-a/apps/com.a.one',
      headers: as(world.a.tokens.viewer),
      body: JSON.stringify({ name: 'viewer was here' }),
    });
    expect(refused.statusCode).toBe(403);
    const invalid = await world.api.call({
      method: 'PUT',
      path: '/v1/tenants/tenant-a/apps/com.a.one',
      headers: as(admin),
      body: JSON.stringify({ clickLookbackHours: 3 }),
    });
    expect(invalid.statusCode).toBe(400);
    const after = body(await read(admin, 'tenant-a', { limit: '1' })).entries[0] as WireEntry;
    expect(after.id).toBe(before.id);
  });

  it('pages by next_before through every entry once, in the same order', async () => {
    const all = (body(await read(admin, 'tenant-a', { limit: '500' })).entries as WireEntry[]).map(
      (e) => e.id,
    );
    expect(all.length).toBeGreaterThan(done.length);
    const paged: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const res = await read(admin, 'tenant-a', { limit: '3', ...(before ? { before } : {}) });
      expect(res.statusCode, res.body).toBe(200);
      const page = body(res);
      expect(page.entries.length).toBeLessThanOrEqual(3);
      paged.push(...page.entries.map((e: WireEntry) => e.id));
      before = page.next_before;
      pages++;
    } while (before && pages < 100);
    expect(paged).toEqual(all);
  });

  it('answers 100 entries when no limit is given', async () => {
    for (let i = 0; i < 100; i++) {
      const res = await world.api.call({
        method: 'PUT',
        path: '/v1/tenants/tenant-b/fx-rates',
        headers: as(world.b.tokens.owner),
        body: JSON.stringify({ rates: [{ date: day(0), from: 'EUR', to: 'USD', rate: 1 + i / 1000 }] }),
      });
      expect(res.statusCode).toBe(200);
    }
    const page = body(await read(world.b.tokens.owner, 'tenant-b'));
    expect(page.entries).toHaveLength(100);
    expect(page.next_before).toEqual(expect.any(String));
  });

  it.each([
    ['limit', { limit: '0' }],
    ['limit', { limit: '501' }],
    ['limit', { limit: 'ten' }],
    ['before', { before: 'not-a-cursor' }],
    ['status', { status: 'dead' }],
  ])('answers 400 naming %s for %j', async (field, query) => {
    const res = await read(admin, 'tenant-a', query);
    expect(res.statusCode).toBe(400);
    expect(body(res).error.details?.[0]?.field ?? '').toBe(field === 'status' ? '' : field);
    expect(body(res).error.message).toContain(field);
  });

  it("answers 404 for another tenant's log, as for a tenant that does not exist", async () => {
    const other = await read(admin, 'tenant-b');
    const none = await read(admin, 'tenant-zzz');
    expect(other.statusCode).toBe(404);
    expect(none.statusCode).toBe(404);
    expect(body(other).error.code).toBe(body(none).error.code);
    // And B's own log holds none of A's changes.
    const bEntries = body(await read(world.b.tokens.owner, 'tenant-b', { limit: '500' }))
      .entries as WireEntry[];
    expect(bEntries.length).toBeGreaterThan(0);
    expect(
      bEntries.filter((e) => e.tenant_id !== 'tenant-b' || String(e.target).startsWith('com.a.')),
    ).toEqual([]);
  });
});

describe('audit log order', () => {
  it('keeps the order changes were made in, even within one millisecond', async () => {
    const at = Date.parse('2026-12-01T06:00:00Z');
    const api = await createTestApi({ auditLog: new InMemoryAuditLog(), now: () => at });
    await api.onboard('acme', 'com.acme.game');
    const owner = jsonHeaders({ authorization: `Bearer ${await api.token('owner', 'acme')}` });
    const changes = [
      { name: 'Renamed' },
      { store_urls: {} },
      { allowed_redirect_hosts: ['example.com'] },
      { settings: { click_lookback_hours: 12 } },
      { name: 'Again' },
    ];
    for (const change of changes) {
      const res = await api.call({
        method: 'PUT',
        path: '/v1/tenants/acme/apps/com.acme.game',
        headers: owner,
        body: JSON.stringify(change),
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const res = await api.call({ method: 'GET', path: '/v1/tenants/acme/audit-log', headers: owner });
    const entries = body(res).entries as WireEntry[];
    expect(entries.slice(0, changes.length).map((e) => e.details.fields)).toEqual(
      changes.map((c) => Object.keys(c)).reverse(),
    );
    expect(entries.map((e) => e.action).slice(-2)).toEqual(['apps.create', 'tenants.create']);
    expect(Date.parse(entries.at(-1)?.at ?? '')).toBe(at);
  });
});

describe('an audit log that cannot be written', () => {
  it('leaves the change done and answered, and logs and counts the lost entry', async () => {
    const failing: AuditLog = {
      append: () => Promise.reject(new Error('throttled')),
      list: async () => [],
    };
    const errors: { message: string; extra?: Record<string, unknown> }[] = [];
    const counted: Record<string, number> = {};
    const api = await createTestApi({
      auditLog: failing,
      logger: {
        info: () => undefined,
        warn: () => undefined,
        error: (message, extra) => errors.push({ message, ...(extra ? { extra } : {}) }),
      },
      metrics: { count: (name, value) => (counted[name] = (counted[name] ?? 0) + value) },
    });
    await api.onboard('acme', 'com.acme.game');
    expect(counted[AUDIT_METRICS.writeFailures]).toBe(2);
    const owner = await api.token('owner', 'acme');
    const res = await api.call({
      method: 'PUT',
      path: '/v1/tenants/acme/apps/com.acme.game',
      headers: jsonHeaders({ authorization: `Bearer ${owner}` }),
      body: JSON.stringify({ name: 'Renamed' }),
    });
    expect(res.statusCode).toBe(200);
    const read = await api.call({
      method: 'GET',
      path: '/v1/tenants/acme/apps/com.acme.game',
      headers: jsonHeaders({ authorization: `Bearer ${owner}` }),
    });
    expect(body(read).name).toBe('Renamed');
    expect(counted[AUDIT_METRICS.writeFailures]).toBe(3);
    const lost = errors.at(-1);
    expect(lost?.message).toMatch(/audit log entry not written/);
    expect(lost?.extra?.entry).toMatchObject({ tenantId: 'acme', action: 'apps.settings.update' });
  });

  it('answers 503 on the audit log route of a deployment without one', async () => {
    const api = await createTestApi({ auditLog: undefined });
    await api.onboard('acme', 'com.acme.game');
    const res = await api.call({
      method: 'GET',
      path: '/v1/tenants/acme/audit-log',
      headers: jsonHeaders({ authorization: `Bearer ${await api.token('owner', 'acme')}` }),
    });
    expect(res.statusCode).toBe(503);
  });
});
