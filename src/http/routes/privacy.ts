import type { ErasureRecord } from '../../app/records.js';
import { actsFor, can, PLATFORM_TENANT, type UserPrincipal } from '../../auth/permissions.js';
import { TENANT_ID_PATTERN } from '../../definitions/ids.js';
import type { ErasedIdentifier } from '../../domain/erasure.js';
import { deviceIdFor } from '../../domain/identity.js';
import { identifierKey } from '../../domain/keys.js';
import { readJsonBody } from '../body.js';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors.js';
import { json } from '../request.js';
import type { RouteHandler, RouteKey } from '../router.js';
import type { ApiServices } from '../services.js';
import { ErasureSchema } from '../wire.js';
import { parse } from './admin.js';
import { appForUser, readIdentity } from './query.js';

/**
 * Privacy erasure (GDPR / CCPA): `POST /v1/privacy/erasure` erases one identity of one app and
 * `GET /v1/privacy/erasure/{requestId}` answers its status. See docs/privacy.md.
 *
 * The erasure runs synchronously, in an order that a retry can always finish: the request is recorded
 * `pending`; the lake tombstone is written from what the graph knows (device id and every identifier,
 * hashed) *before* the graph forgets it; then the graph items are deleted and the request is recorded
 * `completed` with its counts. A failure records `failed` and answers 500; erasing again is safe.
 */

const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Where a request's status is read. */
export const erasureStatusPath = (requestId: string) => `/v1/privacy/erasure/${requestId}`;

function presentErasure(record: ErasureRecord) {
  return {
    request_id: record.requestId,
    status: record.status,
    tenant_id: record.tenantId,
    app_id: record.appId,
    ...(record.identifierKind ? { identifier_kind: record.identifierKind } : {}),
    requested_at: record.requestedAt,
    ...(record.completedAt ? { completed_at: record.completedAt } : {}),
    erased: record.erased,
    ...(record.failure ? { failure: record.failure } : {}),
    status_url: erasureStatusPath(record.requestId),
  };
}

function erase(services: ApiServices): RouteHandler {
  return async ({ request, user }) => {
    if (!user) throw new NotFoundError();
    const body = parse(ErasureSchema, readJsonBody(request));
    const app = await appForUser(services, user, body.app_id, 'privacy:erase');
    const { kind, value } = readIdentity(body);
    const graph = services.graphFor(app.tenantId);
    const requestId = services.newId();
    const requestedAt = new Date(services.now()).toISOString();
    const pending: ErasureRecord = {
      requestId,
      tenantId: app.tenantId,
      appId: app.appId,
      identifierKind: kind,
      status: 'pending',
      requestedBy: user.subject,
      requestedAt,
      erased: {},
    };
    await services.registry.recordErasure(pending);
    try {
      const device = await graph.findDevice(app.tenantId, app.appId, kind, value);
      const identifiers: ErasedIdentifier[] = [
        { kind, value },
        ...(device?.advertisingIds ?? []).map((id) => ({ kind: 'adid' as const, value: id })),
        ...(device?.vendorIds ?? []).map((id) => ({ kind: 'idfv' as const, value: id })),
        ...(device?.customerUserIds ?? []).map((id) => ({ kind: 'cuid' as const, value: id })),
      ];
      // Unknown to the graph, the identity may still have lake rows under the id the graph gave it.
      const deviceIds = [
        device?.deviceId ?? deviceIdFor(identifierKey(app.tenantId, app.appId, kind, value)),
      ];
      const tombstones = await services.tombstones.write({
        requestId,
        tenantId: app.tenantId,
        appId: app.appId,
        erasedAt: requestedAt,
        deviceIds,
        identifiers,
      });
      const erased = await graph.eraseIdentity(app.tenantId, app.appId, kind, value);
      const completed: ErasureRecord = {
        ...pending,
        status: 'completed',
        completedAt: new Date(services.now()).toISOString(),
        erased: { ...erased, lake_tombstones: tombstones },
      };
      await services.registry.recordErasure(completed);
      services.logger?.info('identity erased', { request_id: requestId, erased: completed.erased });
      return json(202, presentErasure(completed));
    } catch (error) {
      services.logger?.error('erasure failed; erasing again is safe', { request_id: requestId, error });
      await services.registry
        .recordErasure({ ...pending, status: 'failed', failure: 'internal error; submit the erasure again' })
        .catch(() => undefined);
      throw error;
    }
  };
}

/** The tenant whose erasure requests a user reads: its own, or the `tenant_id` a platform token names. */
function statusTenant(user: UserPrincipal, query: Readonly<Record<string, string | undefined>>): string {
  if (user.tenantId !== PLATFORM_TENANT) return user.tenantId;
  const tenantId = query.tenant_id;
  if (!tenantId || !TENANT_ID_PATTERN.test(tenantId)) {
    throw new BadRequestError(
      'invalid_request',
      'tenant_id: a platform-wide token must name the tenant of the request (?tenant_id=)',
      { details: [{ field: 'tenant_id', message: 'expected the tenant id of the erasure request' }] },
    );
  }
  return tenantId;
}

function status(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    if (!user) throw new NotFoundError();
    const tenantId = statusTenant(user, request.query);
    if (!actsFor(user, tenantId)) throw new NotFoundError('unknown erasure request');
    if (!can(user, 'privacy:read'))
      throw new ForbiddenError(`role ${user.role} may not read erasure requests`);
    const requestId = params.requestId ?? '';
    // Another tenant's request is looked up under this tenant and so answers 404, like a missing one.
    const record = REQUEST_ID_PATTERN.test(requestId)
      ? await services.registry.getErasure(tenantId, requestId)
      : undefined;
    if (!record) throw new NotFoundError(`unknown erasure request ${JSON.stringify(requestId)}`);
    return json(200, presentErasure(record));
  };
}

export function privacyRoutes(services: ApiServices): Partial<Record<RouteKey, RouteHandler>> {
  return {
    'POST /v1/privacy/erasure': erase(services),
    'GET /v1/privacy/erasure/{requestId}': status(services),
  };
}
