import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  PERMISSIONS,
  type Permission,
  PLATFORM_TENANT,
  ROLE_PERMISSIONS,
  ROLES,
  type Role,
} from '../../src/auth/permissions.js';
import { ROUTES } from '../../src/definitions/routes.js';
import { routeKeyOf } from '../../src/http/router.js';
import { MATRIX_END, MATRIX_START, permissionMatrixMarkdown } from './permission-matrix.js';
import { caseOf, createWorld, tableSnapshot, targetOf, toRequest, type World } from './support.js';

/**
 * Issue 6: every role against every permission. `ROLE_PERMISSIONS` is the spec: each bearer route is
 * called with a token of each role, and answers 2xx exactly when the role holds the route's permission,
 * else 403 (with nothing written).
 */

/** The permission each bearer route checks. Every bearer route of `ROUTES` must be listed. */
const ROUTE_PERMISSION: Readonly<Record<string, Permission>> = {
  'GET /v1/reports/{appId}/installs': 'reports:read',
  'POST /v1/reports/{appId}/replay': 'replay:run',
  'POST /v1/privacy/erasure': 'privacy:erase',
  'GET /v1/privacy/erasure/{requestId}': 'privacy:read',
  'POST /v1/tenants': 'tenants:create',
  'POST /v1/tenants/{tenantId}/apps': 'apps:create',
  'GET /v1/tenants/{tenantId}/apps/{appId}': 'apps:read',
  'PUT /v1/tenants/{tenantId}/apps/{appId}': 'apps:write',
  'POST /v1/tenants/{tenantId}/apps/{appId}/keys': 'keys:rotate',
  'POST /v1/tenants/{tenantId}/apps/{appId}/signing-secret': 'signing:write',
  'GET /v1/tenants/{tenantId}/apps/{appId}/postbacks': 'apps:read',
  'PUT /v1/tenants/{tenantId}/apps/{appId}/postbacks': 'postbacks:write',
  'POST /v1/tenants/{tenantId}/apps/{appId}/webhook-secret': 'postbacks:write',
  'GET /v1/tenants/{tenantId}/apps/{appId}/postbacks/deliveries': 'apps:read',
  'POST /v1/tenants/{tenantId}/apps/{appId}/postbacks/deliveries/{deliveryId}/retry': 'postbacks:write',
  'POST /v1/costs/{appId}': 'costs:write',
  'PUT /v1/tenants/{tenantId}/fx-rates': 'costs:write',
  'GET /v1/reports/{appId}/performance': 'reports:read',
  'GET /v1/reports/{appId}/cohorts': 'reports:read',
  'GET /v1/tenants/{tenantId}/audit-log': 'audit:read',
};

const BEARER_ROUTES = ROUTES.filter((r) => r.auth === 'bearer');

/** What the table says: the role holds the permission (and creating tenants takes the platform tenant). */
function allowed(role: Role, tenant: string, permission: Permission): boolean {
  if (permission === 'tenants:create' && tenant !== PLATFORM_TENANT) return false;
  return ROLE_PERMISSIONS[role].includes(permission);
}

describe('role matrix', () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld();
  });

  it('every bearer route names the permission it checks', () => {
    const missing = BEARER_ROUTES.map(routeKeyOf).filter((key) => !ROUTE_PERMISSION[key]);
    expect(missing, 'add these routes to ROUTE_PERMISSION in test/security/role-matrix.test.ts').toEqual([]);
  });

  it('every permission is checked by a route', () => {
    const routed = new Set(
      BEARER_ROUTES.map((r) => ROUTE_PERMISSION[routeKeyOf(r)]).filter((p) => p !== undefined),
    );
    const unchecked = PERMISSIONS.filter((permission) => !routed.has(permission));
    expect(unchecked, 'no route checks these: map one in ROUTE_PERMISSION').toEqual([]);
  });

  for (const tenant of ['tenant-a', PLATFORM_TENANT]) {
    for (const route of BEARER_ROUTES) {
      const key = routeKeyOf(route);
      it(`${key} × every role of tenant ${tenant}: 2xx exactly where ROLE_PERMISSIONS allows, else 403`, async () => {
        const permission = ROUTE_PERMISSION[key];
        expect(permission, `${key} is missing from ROUTE_PERMISSION`).toBeDefined();
        const { api, a } = world;
        const outcomes: Record<string, number> = {};
        const expected: Record<string, number> = {};
        const ok = (role: Role) => allowed(role, tenant, permission as Permission);
        // Refused roles first, between two snapshots: none of them may write anything.
        const ordered = [...ROLES.filter((r) => !ok(r)), ...ROLES.filter(ok)];
        const refusedCount = ordered.filter((r) => !ok(r)).length;
        const before = await tableSnapshot(api);
        for (const [i, role] of ordered.entries()) {
          const token = await api.token(role, tenant);
          // The tenant's second app: rotating its key or turning on signing leaves the first app's key usable.
          const shape = caseOf(route).valid(targetOf(a, 1));
          const res = await api.call(toRequest(route, shape, { authorization: `Bearer ${token}` }));
          outcomes[role] = res.statusCode >= 200 && res.statusCode < 300 ? 200 : res.statusCode;
          expected[role] = ok(role) ? 200 : 403;
          if (!ok(role))
            expect(JSON.parse(res.body ?? '{}').error?.code, `${role}: ${res.body}`).toBe('forbidden');
          if (i === refusedCount - 1)
            expect(await tableSnapshot(api), `${key}: a refused role wrote`).toEqual(before);
        }
        expect(outcomes).toEqual(expected);
      });
    }
  }

  it("only the platform owner creates tenants; a tenant's owner may not", async () => {
    const { api } = world;
    const create = (token: string, tenantId: string) =>
      api.call({
        method: 'POST',
        path: '/v1/tenants',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenant_id: tenantId }),
      });
    const tenantOwner = await create(await api.token('owner', 'tenant-a'), 'made-by-tenant-owner');
    expect(tenantOwner.statusCode).toBe(403);
    const platformOwner = await create(world.platformOwner, 'made-by-platform-owner');
    expect(platformOwner.statusCode).toBe(201);
    // The tenant owner's attempt left no tenant behind: creating it now succeeds.
    expect((await create(world.platformOwner, 'made-by-tenant-owner')).statusCode).toBe(201);
  });
});

describe('docs/security.md permission matrix', () => {
  it('is the table generated from ROLE_PERMISSIONS', () => {
    const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
    const start = doc.indexOf(MATRIX_START);
    const end = doc.indexOf(MATRIX_END);
    expect(start, 'docs/security.md lacks the permission-matrix markers').toBeGreaterThanOrEqual(0);
    expect(doc.slice(start, end + MATRIX_END.length)).toBe(permissionMatrixMarkdown());
  });

  it('lists every bearer route with the permission it checks, and no other route', () => {
    const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
    const listed = [
      ...doc.matchAll(/^\| `((?:GET|POST|PUT|DELETE|PATCH) [^`]+)` \| `([a-z]+:[a-z]+)` \|$/gm),
    ].map(([, route, permission]) => `${route} -> ${permission}`);
    expect(listed.sort()).toEqual(
      Object.entries(ROUTE_PERMISSION)
        .map(([route, permission]) => `${route} -> ${permission}`)
        .sort(),
    );
  });
});
