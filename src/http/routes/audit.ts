import { auditCursor, readAuditCursor } from '../../app/audit.js';
import type { AuditEntry } from '../../app/ports/audit-log.js';
import { BadRequestError, ServiceUnavailableError } from '../errors.js';
import { json } from '../request.js';
import type { RouteHandler, RouteKey } from '../router.js';
import type { ApiServices } from '../services.js';
import { AuditLogQuerySchema, DEFAULT_AUDIT_ENTRIES_LISTED } from '../wire.js';
import { parse, requireUser, tenantForUser } from './admin.js';

/** The tenant audit log (`audit:read`): who changed what, newest first; written by `http/audit.ts`. */

function presentEntry(entry: AuditEntry) {
  return {
    id: entry.id,
    at: entry.at,
    tenant_id: entry.tenantId,
    actor: { subject: entry.actor.subject, role: entry.actor.role },
    action: entry.action,
    target: entry.target ?? null,
    details: entry.details,
  };
}

function listAuditLog(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const tenantId = tenantForUser(requireUser(user), params.tenantId ?? '', 'audit:read');
    const query = parse(AuditLogQuerySchema, request.query ?? {});
    const before = query.before === undefined ? undefined : readAuditCursor(query.before);
    if (query.before !== undefined && !before)
      throw new BadRequestError('invalid_request', "before: expected the previous page's next_before", {
        details: [{ field: 'before', message: "expected the previous page's next_before" }],
      });
    if (!services.auditLog)
      throw new ServiceUnavailableError('the audit log is not set up in this deployment', {
        retryAfterSeconds: 60,
      });
    const limit = query.limit ?? DEFAULT_AUDIT_ENTRIES_LISTED;
    const entries = await services.auditLog.list(tenantId, { limit, ...(before ? { before } : {}) });
    const last = entries.at(-1);
    return json(200, {
      tenant_id: tenantId,
      entries: entries.map(presentEntry),
      // A full page may have more after it; a short one is the end.
      next_before: entries.length === limit && last ? auditCursor(last) : null,
    });
  };
}

export function auditRoutes(services: ApiServices): Partial<Record<RouteKey, RouteHandler>> {
  return { 'GET /v1/tenants/{tenantId}/audit-log': listAuditLog(services) };
}
