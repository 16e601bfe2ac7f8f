import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ROLES, type Role } from '../../src/auth/permissions.js';
import type { RouteDefinition } from '../../src/definitions/routes.js';
import type { HttpRequest } from '../../src/http/request.js';
import { routeKeyOf } from '../../src/http/router.js';
import type { ApiServices } from '../../src/http/services.js';
import {
  attributionConsumerFor,
  createTestApi,
  jsonHeaders,
  kinesisEvent,
  readStream,
  type TestApi,
} from '../support/api.js';

/**
 * The two-tenant world of the security suites: tenants A and B with two apps each, an API key per app,
 * a bearer token of every role per tenant, and some data of B's (a device with an attribution, counters,
 * an erasure request) that A's credentials must never reach.
 */

export interface TenantFixture {
  readonly tenantId: string;
  readonly apps: readonly [string, string];
  /** API key by app id. */
  readonly keys: Readonly<Record<string, string>>;
  /** Bearer token by role, acting for this tenant. */
  readonly tokens: Readonly<Record<Role, string>>;
  /** An advertising id of a device this tenant's first app knows (attributed). */
  readonly adid: string;
  /** The request id of an erasure this tenant asked for. */
  readonly erasureRequestId: string;
}

/** What a request is aimed at: another tenant's resources, or ones that do not exist. */
export interface Target {
  readonly tenantId: string;
  readonly appId: string;
  readonly adid: string;
  readonly requestId: string;
}

/** A credential and the header it travels in. */
export interface Credential {
  readonly name: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Set for API keys: the app the key belongs to. */
  readonly appId?: string;
  /** Set for bearer tokens. */
  readonly role?: Role;
}

export const A = { tenantId: 'tenant-a', apps: ['com.a.one', 'com.a.two'] } as const;
export const B = { tenantId: 'tenant-b', apps: ['com.b.one', 'com.b.two'] } as const;
/** Resources that exist nowhere: what B's must be indistinguishable from. */
export const GHOST: Target = {
  tenantId: 'tenant-z',
  appId: 'com.z.none',
  adid: '00000000-0000-4000-8000-00000000dead',
  requestId: 'ffffffffffffffffffffffffffffffff',
};

export interface World {
  readonly api: TestApi;
  readonly platformOwner: string;
  readonly a: TenantFixture;
  readonly b: TenantFixture;
  /** Runs the attribution consumer over the stream records it has not consumed yet. */
  drain(): Promise<void>;
}

export function targetOf(t: TenantFixture, app = 0): Target {
  return {
    tenantId: t.tenantId,
    appId: t.apps[app] as string,
    adid: t.adid,
    requestId: t.erasureRequestId,
  };
}

export function credentialsOf(t: TenantFixture): Credential[] {
  return [
    ...t.apps.map((appId) => ({
      name: `api key of ${appId}`,
      headers: { 'x-api-key': t.keys[appId] as string },
      appId,
    })),
    ...ROLES.map((role) => ({
      name: `${role} token of ${t.tenantId}`,
      headers: { authorization: `Bearer ${t.tokens[role]}` },
      role,
    })),
  ];
}

const PIXEL = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36';

/**
 * Replay over an empty lake: these suites check who may replay which app; what replay finds is
 * test/http/replay.test.ts's (over a real lake layout).
 */
const EMPTY_LAKE: NonNullable<ApiServices['replay']> = {
  history: { available: true, read: async () => ({ touchpoints: [], events: [], truncated: false }) },
  dataCenterCidrs: [],
};

export async function createWorld(overrides: Partial<ApiServices> = {}): Promise<World> {
  const api = await createTestApi({
    replay: EMPTY_LAKE,
    reportLake: () => ({ run: async () => [] }),
    ...overrides,
  });
  const platformOwner = await api.token('owner', '*');
  const consumed = new Set<string>();
  /** Runs the consumer over the records it has not seen yet. */
  const drain = async () => {
    const consume = attributionConsumerFor(api);
    const fresh = (await readStream(api.clients.kinesis, api.resources.stream)).filter(
      (r) => !consumed.has(r.eventID),
    );
    const result = await consume(kinesisEvent(fresh));
    if (result.batchItemFailures.length > 0) throw new Error('the consumer failed on the seed data');
    for (const r of fresh) consumed.add(r.eventID);
  };

  const tenant = async (spec: { tenantId: string; apps: readonly [string, string] }) => {
    const keys: Record<string, string> = {};
    for (const appId of spec.apps) keys[appId] = await api.onboard(spec.tenantId, appId);
    const tokens = {} as Record<Role, string>;
    for (const role of ROLES) tokens[role] = await api.token(role, spec.tenantId);
    const adid = crypto.randomUUID();
    const appId = spec.apps[0];
    const click = await api.call({
      method: 'GET',
      path: `/v1/click/${appId}`,
      query: { network: 'meta', campaign: `${spec.tenantId}-winter` },
      headers: { 'user-agent': PIXEL },
    });
    if (click.statusCode !== 302) throw new Error(`seed click failed: ${click.body}`);
    // The click is consumed before the install, whatever shards they land on.
    await drain();
    const events = await api.call({
      method: 'POST',
      path: '/v1/events',
      headers: jsonHeaders({ 'x-api-key': keys[appId] as string }),
      body: JSON.stringify({
        events: [
          {
            event_id: `${spec.tenantId}-install`,
            type: 'install',
            timestamp: new Date(Date.now() + 60_000).toISOString(),
            install_referrer: `ugp_click_id=${click.headers?.['x-click-id']}`,
            device: { platform: 'android', advertising_id: adid, ip: '203.0.113.50' },
          },
        ],
      }),
    });
    if (events.statusCode !== 202) throw new Error(`seed events failed: ${events.body}`);
    // An erasure of another identity, so the tenant has an erasure request on record.
    const erasure = await api.call({
      method: 'POST',
      path: '/v1/privacy/erasure',
      headers: jsonHeaders({ authorization: `Bearer ${tokens.owner}` }),
      body: JSON.stringify({ app_id: appId, advertising_id: crypto.randomUUID() }),
    });
    if (erasure.statusCode !== 202) throw new Error(`seed erasure failed: ${erasure.body}`);
    const erasureRequestId = JSON.parse(erasure.body ?? '{}').request_id as string;
    for (const app of spec.apps) await seedDeadDelivery(api, spec.tenantId, app);
    return { tenantId: spec.tenantId, apps: spec.apps, keys, tokens, adid, erasureRequestId };
  };

  const a = await tenant(A);
  const b = await tenant(B);
  await drain();
  return { api, platformOwner, a, b, drain };
}

/** The id of the dead-lettered postback delivery every app of the world has (retry routes). */
export const SEEDED_DELIVERY_ID = 'pb_00000000000000000000000000000dead';

async function seedDeadDelivery(api: TestApi, tenantId: string, appId: string): Promise<void> {
  const log = api.services.postbacks?.log;
  if (!log) throw new Error('the test API has no postback services');
  await log.create({
    job: {
      jobId: SEEDED_DELIVERY_ID,
      tenantId,
      appId,
      destinationId: 'backend',
      destinationType: 'webhook',
      subjectKind: 'decision',
      subjectId: `${tenantId}-install`,
      deviceId: 'dev_seeded',
      identifiers: {},
      request: { method: 'POST', url: 'https://hooks.example.com/ugp', body: '{}' },
      createdAtMs: Date.now(),
    },
    status: 'dead',
    attempts: 30,
    enqueued: true,
    updatedAtMs: Date.now(),
  });
}

/** Items of the per-app ingest limit counters (`LIMIT#<app>#…`), which every ingest request updates. */
const COUNTER_PK = /^LIMIT#/;

export interface TableSnapshot {
  /** Every other item of the registry and the identity graph, sorted: equal means nothing was written. */
  readonly data: string;
  /** The limit counters by `pk`. */
  readonly counters: ReadonlyMap<string, string>;
}

export async function tableSnapshot(api: TestApi): Promise<TableSnapshot> {
  const scan = async (table: string) => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await api.clients.documents.send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  };
  const [registry, graph] = await Promise.all([
    scan(api.resources.tenantRegistryTable),
    scan(api.resources.identityGraphTable),
  ]);
  const counters = new Map<string, string>();
  const other: Record<string, unknown>[] = [];
  for (const item of registry) {
    if (COUNTER_PK.test(String(item.pk))) counters.set(String(item.pk), JSON.stringify(item, sortedKeys));
    else other.push(item);
  }
  const sorted = (items: Record<string, unknown>[]) => items.map((i) => JSON.stringify(i, sortedKeys)).sort();
  return { data: JSON.stringify({ registry: sorted(other), graph: sorted(graph) }), counters };
}

/** The `pk`s of the limit counters that were added or changed between two snapshots. */
export function countersTouched(before: TableSnapshot, after: TableSnapshot): string[] {
  return [...after.counters].filter(([pk, item]) => before.counters.get(pk) !== item).map(([pk]) => pk);
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)),
  );
}

/** The records on the stream so far, decoded, by shard and sequence number. */
export async function streamRecords(api: TestApi): Promise<Map<string, Record<string, unknown>>> {
  const records = await readStream(api.clients.kinesis, api.resources.stream);
  return new Map(
    records.map((r) => [r.eventID, JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8'))]),
  );
}

/** The records put on the stream since `before` was read (shards are read one after another). */
export async function streamAddedSince(
  api: TestApi,
  before: ReadonlyMap<string, unknown>,
): Promise<Record<string, unknown>[]> {
  const now = await streamRecords(api);
  return [...now].filter(([id]) => !before.has(id)).map(([, record]) => record);
}

/** The tenant and app a stream record was written under. */
export function ownerOf(record: Record<string, unknown>): { tenantId: unknown; appId: unknown } {
  const inner = (record.event ?? record.touchpoint ?? {}) as Record<string, unknown>;
  return { tenantId: inner.tenantId, appId: inner.appId };
}

/** A request without the credential: path, query and body. */
export type RequestShape = Pick<HttpRequest, 'path'> & {
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
};

/**
 * How to build a valid request of each route, aimed at a target. Every route of `ROUTES` must have an
 * entry: the suites fail on a route without one, so coverage cannot silently lapse.
 */
export interface RouteCase {
  /**
   * Requests aimed at `target` by a caller of tenant `self` (holding, for API keys, the app `selfApp`).
   * Each variant names what it tries.
   */
  readonly attempts?: (
    target: Target,
    self: { tenantId: string; appId: string },
  ) => readonly { readonly what: string; readonly request: RequestShape }[];
  /** Why the route has no cross-tenant attempts (e.g. public tracking links). */
  readonly publicBecause?: string;
  /** A valid request on the caller's own resources (fuzzing starts from it). */
  readonly valid: (self: Target) => RequestShape;
}

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

const event = (id: string, extra: Record<string, unknown> = {}) => ({
  event_id: id,
  type: 'session',
  timestamp: new Date().toISOString(),
  device: { platform: 'android', advertising_id: crypto.randomUUID() },
  revenue: { amount: 1.5, currency: 'USD' },
  properties: { level: 3, tags: ['a'] },
  ...extra,
});

const touchpoint = (extra: Record<string, unknown> = {}) => ({
  type: 'click',
  network: 'meta',
  timestamp: new Date().toISOString(),
  device: { advertising_id: crypto.randomUUID() },
  ...extra,
});

export const ROUTE_CASES: Readonly<Record<string, RouteCase>> = {
  'GET /v1/click/{appId}': {
    publicBecause:
      'tracking links need no credential: the app id in the path names the app (SPEC §3); the tenant comes from the app record',
    valid: (t) => ({ path: `/v1/click/${t.appId}`, query: { network: 'meta', campaign: 'fuzz' } }),
  },
  'GET /v1/impression/{appId}': {
    publicBecause:
      'tracking links need no credential: the app id in the path names the app (SPEC §3); the tenant comes from the app record',
    valid: (t) => ({ path: `/v1/impression/${t.appId}`, query: { network: 'meta' } }),
  },
  'POST /v1/touchpoints': {
    attempts: (target) => [
      {
        what: "touchpoints naming the target's tenant and app in the body",
        request: {
          path: '/v1/touchpoints',
          body: {
            tenant_id: target.tenantId,
            app_id: target.appId,
            touchpoints: [
              touchpoint({
                tenant_id: target.tenantId,
                app_id: target.appId,
                tenantId: target.tenantId,
                appId: target.appId,
              }),
            ],
          },
        },
      },
    ],
    valid: () => ({ path: '/v1/touchpoints', body: { touchpoints: [touchpoint()] } }),
  },
  'POST /v1/events': {
    attempts: (target) => [
      {
        what: "events naming the target's tenant, app and device in the body",
        request: {
          path: '/v1/events',
          body: {
            tenant_id: target.tenantId,
            app_id: target.appId,
            events: [
              event(`iso-${crypto.randomUUID()}`, {
                tenant_id: target.tenantId,
                app_id: target.appId,
                tenantId: target.tenantId,
                appId: target.appId,
                device: { platform: 'android', advertising_id: target.adid },
              }),
            ],
          },
        },
      },
    ],
    valid: () => ({ path: '/v1/events', body: { events: [event(`ok-${crypto.randomUUID()}`)] } }),
  },
  'GET /v1/attribution/{appId}': {
    attempts: (target, self) => [
      {
        what: "the target's app in the path",
        request: { path: `/v1/attribution/${target.appId}`, query: { advertising_id: target.adid } },
      },
      {
        what: "the target's device looked up through the caller's own app",
        request: { path: `/v1/attribution/${self.appId}`, query: { advertising_id: target.adid } },
      },
    ],
    valid: (t) => ({ path: `/v1/attribution/${t.appId}`, query: { advertising_id: t.adid } }),
  },
  'GET /v1/reports/{appId}/installs': {
    attempts: (target) => [
      {
        what: "the target's app in the path",
        request: {
          path: `/v1/reports/${target.appId}/installs`,
          query: { from: day(-1), to: day(1), group_by: 'network,campaign', tenant_id: target.tenantId },
        },
      },
    ],
    valid: (t) => ({ path: `/v1/reports/${t.appId}/installs`, query: { from: day(-1), to: day(1) } }),
  },
  'POST /v1/reports/{appId}/replay': {
    attempts: (target) => [
      {
        what: "the target's app in the path",
        request: {
          path: `/v1/reports/${target.appId}/replay`,
          body: { settings: { click_lookback_hours: 24 }, from: day(-1), to: day(0) },
        },
      },
    ],
    valid: (t) => ({
      path: `/v1/reports/${t.appId}/replay`,
      body: { settings: { click_lookback_hours: 24 }, from: day(-1), to: day(0) },
    }),
  },
  'GET /v1/reports/{appId}/performance': {
    attempts: (target) => [
      {
        what: "the target's app in the path",
        request: {
          path: `/v1/reports/${target.appId}/performance`,
          query: { from: day(-1), to: day(1), group_by: 'network,country', tenant_id: target.tenantId },
        },
      },
    ],
    valid: (t) => ({ path: `/v1/reports/${t.appId}/performance`, query: { from: day(-1), to: day(1) } }),
  },
  'GET /v1/reports/{appId}/cohorts': {
    attempts: (target) => [
      {
        what: "the target's app in the path",
        request: {
          path: `/v1/reports/${target.appId}/cohorts`,
          query: { from: day(-1), to: day(1), metric: 'revenue', tenant_id: target.tenantId },
        },
      },
    ],
    valid: (t) => ({ path: `/v1/reports/${t.appId}/cohorts`, query: { from: day(-1), to: day(1) } }),
  },
  'POST /v1/costs/{appId}': {
    attempts: (target) => [
      {
        what: "spend loaded into the target's app",
        request: {
          path: `/v1/costs/${target.appId}`,
          body: { costs: [{ date: day(0), network: 'meta', spend: 1, currency: 'USD' }] },
        },
      },
    ],
    valid: (t) => ({
      path: `/v1/costs/${t.appId}`,
      body: { costs: [{ date: day(0), network: 'meta', campaign: 'c', spend: 1, currency: 'USD' }] },
    }),
  },
  'PUT /v1/tenants/{tenantId}/fx-rates': {
    attempts: (target) => [
      {
        what: "rates set for the target's tenant",
        request: {
          path: `/v1/tenants/${target.tenantId}/fx-rates`,
          body: { rates: [{ date: day(0), from: 'EUR', to: 'USD', rate: 99 }] },
        },
      },
    ],
    valid: (t) => ({
      path: `/v1/tenants/${t.tenantId}/fx-rates`,
      body: { rates: [{ date: day(0), from: 'EUR', to: 'USD', rate: 1.08 }] },
    }),
  },
  'GET /v1/openapi.json': {
    publicBecause: 'the API description is public (SPEC §10): it names no tenant and no data',
    valid: () => ({ path: '/v1/openapi.json' }),
  },
  'GET /docs': {
    publicBecause: 'the API reference page is public (SPEC §10): it names no tenant and no data',
    valid: () => ({ path: '/docs' }),
  },
  'POST /v1/privacy/erasure': {
    attempts: (target) => [
      {
        what: "the target's app and device in the body",
        request: {
          path: '/v1/privacy/erasure',
          body: { app_id: target.appId, advertising_id: target.adid },
        },
      },
    ],
    valid: (t) => ({
      path: '/v1/privacy/erasure',
      body: { app_id: t.appId, advertising_id: crypto.randomUUID() },
    }),
  },
  'GET /v1/privacy/erasure/{requestId}': {
    attempts: (target) => [
      {
        what: "the target's erasure request id in the path, its tenant in the query",
        request: { path: `/v1/privacy/erasure/${target.requestId}`, query: { tenant_id: target.tenantId } },
      },
    ],
    // A platform-wide token names the tenant in the query; a tenant's token is scoped by its claim.
    valid: (t) => ({ path: `/v1/privacy/erasure/${t.requestId}`, query: { tenant_id: t.tenantId } }),
  },
  'POST /v1/tenants': {
    attempts: (target) => [
      {
        what: "the target's tenant id in the body",
        request: { path: '/v1/tenants', body: { tenant_id: target.tenantId, name: 'taken over' } },
      },
    ],
    valid: () => ({ path: '/v1/tenants', body: { tenant_id: `t-${crypto.randomUUID().slice(0, 8)}` } }),
  },
  'POST /v1/tenants/{tenantId}/apps': {
    attempts: (target) => [
      {
        what: "an app created under the target's tenant",
        request: {
          path: `/v1/tenants/${target.tenantId}/apps`,
          body: { app_id: `com.planted.${crypto.randomUUID().slice(0, 8)}` },
        },
      },
    ],
    valid: (t) => ({
      path: `/v1/tenants/${t.tenantId}/apps`,
      body: { app_id: `com.fuzz.${crypto.randomUUID().slice(0, 8)}` },
    }),
  },
  'GET /v1/tenants/{tenantId}/apps/{appId}': {
    attempts: (target, self) => [
      {
        what: "the target's tenant and app in the path",
        request: { path: `/v1/tenants/${target.tenantId}/apps/${target.appId}` },
      },
      {
        what: "the caller's tenant with the target's app in the path",
        request: { path: `/v1/tenants/${self.tenantId}/apps/${target.appId}` },
      },
    ],
    valid: (t) => ({ path: `/v1/tenants/${t.tenantId}/apps/${t.appId}` }),
  },
  'PUT /v1/tenants/{tenantId}/apps/{appId}': {
    attempts: (target, self) => [
      {
        what: "the target's tenant and app in the path",
        request: {
          path: `/v1/tenants/${target.tenantId}/apps/${target.appId}`,
          body: { name: 'taken over', allowed_redirect_hosts: ['evil.example.com'] },
        },
      },
      {
        what: "the caller's tenant with the target's app in the path",
        request: {
          path: `/v1/tenants/${self.tenantId}/apps/${target.appId}`,
          body: { name: 'taken over', store_urls: { android: 'https://evil.example.com/' } },
        },
      },
    ],
    valid: (t) => ({ path: `/v1/tenants/${t.tenantId}/apps/${t.appId}`, body: { name: 'renamed' } }),
  },
  'POST /v1/tenants/{tenantId}/apps/{appId}/keys': {
    attempts: (target, self) => [
      {
        what: "a key rotated for the target's tenant and app",
        request: { path: `/v1/tenants/${target.tenantId}/apps/${target.appId}/keys`, body: {} },
      },
      {
        what: "a key rotated for the target's app under the caller's tenant",
        request: {
          path: `/v1/tenants/${self.tenantId}/apps/${target.appId}/keys`,
          body: { old_key_expires_in_hours: 0 },
        },
      },
    ],
    valid: (t) => ({ path: `/v1/tenants/${t.tenantId}/apps/${t.appId}/keys`, body: {} }),
  },
  'POST /v1/tenants/{tenantId}/apps/{appId}/signing-secret': {
    attempts: (target, self) => [
      {
        what: "a signing secret set on the target's tenant and app",
        request: { path: `/v1/tenants/${target.tenantId}/apps/${target.appId}/signing-secret`, body: {} },
      },
      {
        what: "signing turned off on the target's app under the caller's tenant",
        request: {
          path: `/v1/tenants/${self.tenantId}/apps/${target.appId}/signing-secret`,
          body: { enabled: false },
        },
      },
    ],
    valid: (t) => ({
      path: `/v1/tenants/${t.tenantId}/apps/${t.appId}/signing-secret`,
      body: { enabled: true },
    }),
  },
  'GET /v1/tenants/{tenantId}/apps/{appId}/postbacks': {
    attempts: (target, self) => [
      {
        what: "the target's destinations",
        request: { path: `/v1/tenants/${target.tenantId}/apps/${target.appId}/postbacks` },
      },
      {
        what: "the target's app under the caller's tenant",
        request: { path: `/v1/tenants/${self.tenantId}/apps/${target.appId}/postbacks` },
      },
    ],
    valid: (t) => ({ path: `/v1/tenants/${t.tenantId}/apps/${t.appId}/postbacks` }),
  },
  'PUT /v1/tenants/{tenantId}/apps/{appId}/postbacks': {
    attempts: (target, self) => [
      {
        what: "the target's destinations replaced",
        request: {
          path: `/v1/tenants/${target.tenantId}/apps/${target.appId}/postbacks`,
          body: { postbacks: [] },
        },
      },
      {
        what: "the target's app under the caller's tenant",
        request: {
          path: `/v1/tenants/${self.tenantId}/apps/${target.appId}/postbacks`,
          body: { postbacks: [] },
        },
      },
    ],
    valid: (t) => ({ path: `/v1/tenants/${t.tenantId}/apps/${t.appId}/postbacks`, body: { postbacks: [] } }),
  },
  'POST /v1/tenants/{tenantId}/apps/{appId}/webhook-secret': {
    attempts: (target, self) => [
      {
        what: "a webhook secret made for the target's app",
        request: { path: `/v1/tenants/${target.tenantId}/apps/${target.appId}/webhook-secret`, body: {} },
      },
      {
        what: "the target's app under the caller's tenant",
        request: { path: `/v1/tenants/${self.tenantId}/apps/${target.appId}/webhook-secret`, body: {} },
      },
    ],
    valid: (t) => ({ path: `/v1/tenants/${t.tenantId}/apps/${t.appId}/webhook-secret`, body: {} }),
  },
  'GET /v1/tenants/{tenantId}/apps/{appId}/postbacks/deliveries': {
    attempts: (target, self) => [
      {
        what: "the target's delivery log",
        request: { path: `/v1/tenants/${target.tenantId}/apps/${target.appId}/postbacks/deliveries` },
      },
      {
        what: "the target's dead deliveries under the caller's tenant",
        request: {
          path: `/v1/tenants/${self.tenantId}/apps/${target.appId}/postbacks/deliveries`,
          query: { status: 'dead' },
        },
      },
    ],
    valid: (t) => ({ path: `/v1/tenants/${t.tenantId}/apps/${t.appId}/postbacks/deliveries` }),
  },
  'POST /v1/tenants/{tenantId}/apps/{appId}/postbacks/deliveries/{deliveryId}/retry': {
    attempts: (target, self) => [
      {
        what: "a retry of the target's dead delivery",
        request: {
          path: `/v1/tenants/${target.tenantId}/apps/${target.appId}/postbacks/deliveries/${SEEDED_DELIVERY_ID}/retry`,
          body: {},
        },
      },
      {
        what: "a retry of the target's delivery under the caller's tenant",
        request: {
          path: `/v1/tenants/${self.tenantId}/apps/${target.appId}/postbacks/deliveries/${SEEDED_DELIVERY_ID}/retry`,
          body: {},
        },
      },
    ],
    valid: (t) => ({
      path: `/v1/tenants/${t.tenantId}/apps/${t.appId}/postbacks/deliveries/${SEEDED_DELIVERY_ID}/retry`,
      body: {},
    }),
  },
  'GET /v1/tenants/{tenantId}/audit-log': {
    attempts: (target) => [
      { what: "the target's audit log", request: { path: `/v1/tenants/${target.tenantId}/audit-log` } },
      {
        what: "the target's audit log, one entry",
        request: { path: `/v1/tenants/${target.tenantId}/audit-log`, query: { limit: '1' } },
      },
    ],
    valid: (t) => ({ path: `/v1/tenants/${t.tenantId}/audit-log`, query: { limit: '50' } }),
  },
};

/** The table's entry for a route, or an error telling to add one. */
export function caseOf(route: RouteDefinition): RouteCase {
  const key = routeKeyOf(route);
  const found = ROUTE_CASES[key];
  if (!found)
    throw new Error(
      `route ${key} has no entry in ROUTE_CASES (test/security/support.ts): add one so the isolation, role and fuzz suites cover it`,
    );
  return found;
}

/** Turns a request shape plus credential headers into an HttpRequest for `api.call`. */
export function toRequest(
  route: RouteDefinition,
  shape: RequestShape,
  headers: Readonly<Record<string, string>>,
): Partial<HttpRequest> & { method: string; path: string } {
  const hasBody = shape.body !== undefined;
  return {
    method: route.method,
    path: shape.path,
    query: { ...shape.query },
    headers: hasBody ? jsonHeaders({ ...headers }) : { ...headers },
    ...(hasBody ? { body: typeof shape.body === 'string' ? shape.body : JSON.stringify(shape.body) } : {}),
  };
}
