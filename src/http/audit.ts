import type { AuditEntry } from '../app/ports/audit-log.js';
import { PLATFORM_TENANT, type UserPrincipal } from '../auth/permissions.js';
import { AUDIT_METRICS } from '../definitions/observability.js';
import type { HttpResponse } from './request.js';
import type { RouteContext, RouteHandler, RouteKey } from './router.js';
import type { ApiServices } from './services.js';

/**
 * The one place the audit log is written: every route below is wrapped (`withAuditLog`), and each 2xx
 * answer it gives appends one entry to the tenant's audit log. An entry's `details` are built from the
 * named fields below only: never a secret, key or token (the answers of key rotation and the secret
 * routes hold one, shown once; none of it is copied).
 *
 * The entry is written after the change succeeded. A failed write does not undo the change (it is done)
 * nor fail the request: it is logged as an error with the whole entry and counted
 * (`AUDIT_METRICS.writeFailures`, EMF in Lambda; the admin function's count is alarmed), see docs/security.md.
 */

type Json = Readonly<Record<string, unknown>>;

interface AuditRule {
  /** What was done, e.g. `apps.settings.update`. */
  readonly action: string;
  /** What it was done to. @default the app id of the path, if any */
  readonly target?: (context: RouteContext, answer: Json) => string | undefined;
  /** Non-secret facts of the change. @default none */
  readonly details?: (context: RouteContext, request: Json, answer: Json) => AuditEntry['details'];
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const count = (value: unknown): number => (Array.isArray(value) ? value.length : 0);
/** Top-level fields a body changed, and the settings it named (names only, never values). */
const fieldsOf = (body: Json): string[] => Object.keys(body).sort();

/** Every admin change of a tenant that is recorded, by route. */
export const AUDITED_ROUTES: Readonly<Partial<Record<RouteKey, AuditRule>>> = {
  'POST /v1/tenants': {
    action: 'tenants.create',
    target: (_c, answer) => str(answer.tenant_id),
  },
  'POST /v1/tenants/{tenantId}/apps': {
    action: 'apps.create',
    target: (_c, answer) => str(answer.app_id),
  },
  'PUT /v1/tenants/{tenantId}/apps/{appId}': {
    action: 'apps.settings.update',
    details: (_c, body) => ({
      fields: fieldsOf(body),
      ...(body.settings && typeof body.settings === 'object'
        ? { settings: Object.keys(body.settings).sort() }
        : {}),
    }),
  },
  'POST /v1/tenants/{tenantId}/apps/{appId}/keys': {
    action: 'apps.keys.rotate',
    details: (_c, _body, answer) => ({
      key_id: str(answer.key_id) ?? '',
      previous_keys: count(answer.previous_keys),
    }),
  },
  'POST /v1/tenants/{tenantId}/apps/{appId}/signing-secret': {
    action: 'apps.signing_secret.set',
    details: (_c, _body, answer) => ({
      enabled: (answer.signing as { enabled?: unknown } | undefined)?.enabled === true,
    }),
  },
  'PUT /v1/tenants/{tenantId}/apps/{appId}/postbacks': {
    action: 'postbacks.destinations.replace',
    details: (_c, _body, answer) => ({
      destinations: count(answer.postbacks),
      destination_ids: Array.isArray(answer.postbacks)
        ? answer.postbacks.map((d: { id?: unknown }) => String(d.id))
        : [],
    }),
  },
  'POST /v1/tenants/{tenantId}/apps/{appId}/webhook-secret': { action: 'postbacks.webhook_secret.create' },
  'POST /v1/tenants/{tenantId}/apps/{appId}/postbacks/deliveries/{deliveryId}/retry': {
    action: 'postbacks.delivery.retry',
    target: ({ params }) => params.deliveryId,
    details: ({ params }) => ({ app_id: params.appId ?? '' }),
  },
  'POST /v1/privacy/erasure': {
    action: 'privacy.erasure.request',
    target: (_c, answer) => str(answer.request_id),
    details: (_c, _body, answer) => ({
      app_id: str(answer.app_id) ?? '',
      status: str(answer.status) ?? '',
      ...(str(answer.identifier_kind) ? { identifier_kind: str(answer.identifier_kind) as string } : {}),
    }),
  },
  'PUT /v1/tenants/{tenantId}/fx-rates': {
    action: 'costs.fx_rates.put',
    details: (_c, _body, answer) => ({ rates: typeof answer.stored === 'number' ? answer.stored : 0 }),
  },
  'POST /v1/costs/{appId}': {
    action: 'costs.rows.load',
    details: (_c, _body, answer) => ({
      accepted: typeof answer.accepted === 'number' ? answer.accepted : 0,
      rejected: count(answer.rejected),
    }),
  },
  'POST /v1/reports/{appId}/replay': {
    action: 'replay.run',
    details: (_c, _body, answer) => ({
      from: str(answer.from) ?? '',
      to: str(answer.to) ?? '',
      changed: typeof answer.changed === 'number' ? answer.changed : 0,
    }),
  },
};

function parseJson(text: string | undefined): Json {
  if (!text?.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
  } catch {
    return {};
  }
}

/** The tenant a change belongs to: the path's, the answer's, the user's own, or the app's. */
async function tenantOf(
  services: ApiServices,
  context: RouteContext,
  user: UserPrincipal,
  answer: Json,
): Promise<string | undefined> {
  const named = context.params.tenantId ?? str(answer.tenant_id);
  if (named) return named;
  if (user.tenantId !== PLATFORM_TENANT) return user.tenantId;
  const appId = context.params.appId;
  return appId ? (await services.registry.getApp(appId))?.tenantId : undefined;
}

async function record(
  services: ApiServices,
  clock: () => number,
  rule: AuditRule,
  context: RouteContext,
  response: HttpResponse,
): Promise<void> {
  const user = context.user;
  if (!user || !services.auditLog) return;
  const answer = parseJson(response.body);
  let entry: AuditEntry | undefined;
  try {
    const tenantId = await tenantOf(services, context, user, answer);
    if (!tenantId) throw new Error('the tenant of an audited change is unknown');
    const target = rule.target ? rule.target(context, answer) : context.params.appId;
    entry = {
      id: services.newId(),
      at: new Date(clock()).toISOString(),
      tenantId,
      actor: { subject: user.subject, role: user.role },
      action: rule.action,
      ...(target ? { target } : {}),
      details: rule.details?.(context, parseJson(context.request.body), answer) ?? {},
    };
    await services.auditLog.append(entry);
  } catch (error) {
    services.logger?.error('audit log entry not written; the change itself succeeded', {
      error,
      action: rule.action,
      entry,
    });
    services.metrics?.count(AUDIT_METRICS.writeFailures, 1);
  }
}

/** The routes' handlers, each audited route's wrapped so that its successful answers are recorded. */
/**
 * One clock per set of services (a process's API, however many route groups it wraps): each change gets a
 * later millisecond than the previous one, so the log's newest-first order is the order this instance made
 * them in (ids, random, only order changes of other instances).
 */
const AUDIT_CLOCKS = new WeakMap<ApiServices, () => number>();

function auditClockOf(services: ApiServices): () => number {
  let clock = AUDIT_CLOCKS.get(services);
  if (!clock) {
    let last = 0;
    clock = () => {
      last = Math.max(services.now(), last + 1);
      return last;
    };
    AUDIT_CLOCKS.set(services, clock);
  }
  return clock;
}

export function withAuditLog(
  services: ApiServices,
  handlers: Readonly<Partial<Record<RouteKey, RouteHandler>>>,
): Partial<Record<RouteKey, RouteHandler>> {
  const wrapped: Partial<Record<RouteKey, RouteHandler>> = { ...handlers };
  const clock = auditClockOf(services);
  for (const [key, handler] of Object.entries(handlers) as [RouteKey, RouteHandler][]) {
    const rule = AUDITED_ROUTES[key];
    if (!rule) continue;
    wrapped[key] = async (context) => {
      const response = await handler(context);
      if (response.statusCode >= 200 && response.statusCode < 300)
        await record(services, clock, rule, context, response);
      return response;
    };
  }
  return wrapped;
}
