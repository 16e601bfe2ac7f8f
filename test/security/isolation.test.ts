import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/definitions/routes.js';
import { routeKeyOf } from '../../src/http/router.js';
import { jsonHeaders } from '../support/api.js';
import {
  caseOf,
  countersTouched,
  createWorld,
  credentialsOf,
  GHOST,
  ownerOf,
  streamAddedSince,
  streamRecords,
  type Target,
  tableSnapshot,
  targetOf,
  toRequest,
  type World,
} from './support.js';

/**
 * Issue 6: no key or token of one tenant reads or writes another tenant's data. For every route, every
 * credential of tenant A (each app's API key, a token of each role) is aimed at tenant B's resources; each
 * attempt is refused, answers exactly as for a resource that does not exist, and leaves B's data, the
 * tables and the stream as they were.
 */

const ISOLATION_STATUSES = [401, 403, 404];

/** Replaces the target's ids (and our generated hex ids) by placeholders, so two answers can be compared. */
function normalise(body: string | undefined, target: Target): string {
  let text = body ?? '';
  const names: [string, string][] = [
    [target.tenantId, '<tenant>'],
    [target.appId, '<app>'],
    [target.adid, '<adid>'],
    [target.requestId, '<request>'],
  ];
  for (const [value, placeholder] of names) text = text.split(value).join(placeholder);
  return text.replace(/\b[0-9a-f]{32}\b/g, '<id>');
}

describe('tenant isolation', () => {
  let world: World;
  let bAppsBefore: string[];

  const readBApps = () =>
    Promise.all(
      world.b.apps.map(async (appId) => {
        const res = await world.api.call({
          method: 'GET',
          path: `/v1/tenants/${world.b.tenantId}/apps/${appId}`,
          headers: { authorization: `Bearer ${world.b.tokens.owner}` },
        });
        expect(res.statusCode).toBe(200);
        return res.body ?? '';
      }),
    );

  beforeAll(async () => {
    world = await createWorld();
    bAppsBefore = await readBApps();
  });

  for (const route of ROUTES) {
    const key = routeKeyOf(route);
    it(`${key}: every credential of tenant A is refused on tenant B's resources, as for none`, async () => {
      const routeCase = caseOf(route);
      if (routeCase.publicBecause) {
        // Public by design; the tracking-link test below checks the tenant comes from the app record.
        expect(route.auth).toBe('none');
        return;
      }
      expect(routeCase.attempts, `${key} needs attempts in ROUTE_CASES`).toBeDefined();
      const { api, a, b } = world;
      const tablesBefore = await tableSnapshot(api);
      const streamBefore = await streamRecords(api);
      const ingest = route.auth === 'apiKey' && route.method === 'POST';
      let tried = 0;
      for (const credential of credentialsOf(a)) {
        const self = { tenantId: a.tenantId, appId: credential.appId ?? (a.apps[0] as string) };
        const real = routeCase.attempts?.(targetOf(b), self) ?? [];
        const ghost = routeCase.attempts?.(GHOST, self) ?? [];
        expect(real.length).toBeGreaterThan(0);
        for (const [i, attempt] of real.entries()) {
          const label = `${key} with the ${credential.name}: ${attempt.what}`;
          const res = await api.call(toRequest(route, attempt.request, credential.headers));
          const none = await api.call(toRequest(route, (ghost[i] ?? attempt).request, credential.headers));
          tried += 1;
          expect(res.statusCode, label).toBeLessThan(500);
          if (ingest && credential.appId) {
            // The key's own app is written; what the body names is ignored.
            expect(res.statusCode, `${label}: ${res.body}`).toBe(202);
          } else {
            expect(ISOLATION_STATUSES, `${label}: ${res.statusCode} ${res.body}`).toContain(res.statusCode);
          }
          // No difference between "exists but not yours" and "does not exist".
          expect(none.statusCode, label).toBe(res.statusCode);
          expect(normalise(res.body, targetOf(b)), label).toBe(normalise(none.body, GHOST));
          expect(JSON.stringify(res.body ?? ''), label).not.toContain(b.adid);
        }
      }
      expect(tried).toBeGreaterThan(0);
      // Nothing of B's (nor anyone's) changed in the tables.
      const tablesAfter = await tableSnapshot(api);
      expect(tablesAfter.data, `${key} wrote to the tables`).toBe(tablesBefore.data);
      // Ingest counts against the limits of the key's own app only.
      for (const pk of countersTouched(tablesBefore, tablesAfter)) {
        expect(ingest, `${key} touched the limit counter ${pk}`).toBe(true);
        expect(
          a.apps.some((app) => pk.startsWith(`LIMIT#${app}#`)),
          pk,
        ).toBe(true);
      }
      const added = await streamAddedSince(api, streamBefore);
      if (!ingest) {
        expect(added, `${key} put records on the stream`).toEqual([]);
      } else {
        // Every record went under the key's own tenant and app, never B's.
        expect(added.length).toBeGreaterThan(0);
        for (const record of added) {
          expect(ownerOf(record).tenantId).toBe(a.tenantId);
          expect(a.apps).toContain(ownerOf(record).appId);
        }
      }
    });
  }

  it("an API key answers for its own app only, not for its tenant's other app", async () => {
    const { api, a } = world;
    const [one, two] = a.apps;
    const res = await api.call({
      method: 'GET',
      path: `/v1/attribution/${two}`,
      query: { advertising_id: a.adid },
      headers: { 'x-api-key': a.keys[one as string] as string },
    });
    expect(res.statusCode).toBe(404);
  });

  it('tracking links are public by design: the tenant comes from the app record, never the query', async () => {
    const { api, a, b } = world;
    const before = await streamRecords(api);
    const res = await api.call({
      method: 'GET',
      path: `/v1/impression/${b.apps[0]}`,
      query: { network: 'meta', tenant_id: a.tenantId, app_id: a.apps[0] as string },
      headers: { authorization: `Bearer ${a.tokens.owner}`, 'x-api-key': a.keys[a.apps[0]] as string },
    });
    expect(res.statusCode).toBe(204);
    const added = await streamAddedSince(api, before);
    expect(added.map(ownerOf)).toEqual([{ tenantId: b.tenantId, appId: b.apps[0] }]);
  });

  it("B's data reads back unchanged with B's own credentials after every attempt", async () => {
    const { api, b } = world;
    expect(await readBApps()).toEqual(bAppsBefore);
    const attribution = await api.call({
      method: 'GET',
      path: `/v1/attribution/${b.apps[0]}`,
      query: { advertising_id: b.adid },
      headers: { 'x-api-key': b.keys[b.apps[0]] as string },
    });
    expect(attribution.statusCode).toBe(200);
    expect(JSON.parse(attribution.body ?? '{}')).toMatchObject({ status: 'attributed', network: 'meta' });
    const report = await api.call({
      method: 'GET',
      path: `/v1/reports/${b.apps[0]}/installs`,
      query: {
        from: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
        to: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
      },
      headers: { authorization: `Bearer ${b.tokens.viewer}` },
    });
    expect(report.statusCode).toBe(200);
    expect(JSON.parse(report.body ?? '{}').totals).toMatchObject({ installs: 1 });
  });

  it('ingest under A with B named in the body lands only in A, and B sees none of it', async () => {
    const { api, a, b } = world;
    const eventId = `iso-check-${crypto.randomUUID()}`;
    const res = await api.call({
      method: 'POST',
      path: '/v1/events',
      headers: jsonHeaders({ 'x-api-key': a.keys[a.apps[0]] as string }),
      body: JSON.stringify({
        tenant_id: b.tenantId,
        app_id: b.apps[0],
        events: [
          {
            event_id: eventId,
            type: 'install',
            tenant_id: b.tenantId,
            app_id: b.apps[0],
            timestamp: new Date().toISOString(),
            device: { platform: 'android', advertising_id: crypto.randomUUID() },
          },
        ],
      }),
    });
    expect(res.statusCode).toBe(202);
    const mine = [...(await streamRecords(api)).values()].filter(
      (r) => (r.event as { eventId?: string } | undefined)?.eventId === eventId,
    );
    expect(mine.map(ownerOf)).toEqual([{ tenantId: a.tenantId, appId: a.apps[0] }]);
  });
});
