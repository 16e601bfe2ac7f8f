import type * as z from 'zod';
import { AlreadyExistsError, MissingResourceError } from '../../app/errors.js';
import type { AppRecord } from '../../app/records.js';
import type { SettingsResolver } from '../../app/settings.js';
import { generateApiKey, hashApiKey } from '../../auth/api-keys.js';
import { actsFor, can, type Permission, type UserPrincipal } from '../../auth/permissions.js';
import { settingsToWire } from '../../domain/settings.js';
import { readJsonBody } from '../body.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { json } from '../request.js';
import type { RouteHandler, RouteKey } from '../router.js';
import type { ApiServices } from '../services.js';
import { CreateAppSchema, CreateTenantSchema, UpdateAppSchema } from '../wire.js';

/** Onboarding (tenants, apps and their keys) and app settings; privacy erasure is in `privacy.ts`. */

// The id patterns moved to the wire schemas; re-exported for the routes that import them from here.
export { APP_ID_PATTERN, TENANT_ID_PATTERN } from '../wire.js';

/** Validates a request body, answering 400 with the first issue's field named. */
export function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    return { field, message: field ? `${field}: ${issue.message}` : issue.message };
  });
  throw new BadRequestError('invalid_request', details[0]?.message ?? 'invalid request body', { details });
}

export function requireUser(user: UserPrincipal | undefined): UserPrincipal {
  if (!user) throw new NotFoundError();
  return user;
}

/** The tenant in the path, if the user acts for it: another tenant's id answers 404, like a missing one. */
export function tenantForUser(user: UserPrincipal, tenantId: string, permission: Permission): string {
  if (!actsFor(user, tenantId)) throw new NotFoundError(`unknown tenant ${JSON.stringify(tenantId)}`);
  if (!can(user, permission))
    throw new ForbiddenError(`role ${user.role} may not ${permission.replace(':', ' ')}`);
  return tenantId;
}

/** The app as the admin routes answer it, with its effective settings (platform defaults under its own). */
export function presentApp(app: AppRecord, effectiveSettings: SettingsResolver) {
  return {
    tenant_id: app.tenantId,
    app_id: app.appId,
    name: app.name,
    store_urls: app.storeUrls,
    allowed_redirect_hosts: app.allowedRedirectHosts,
    // SPEC §4.1: snake_case on the wire; stored settings keep their internal spelling.
    settings: settingsToWire(app.settings),
    effective_settings: settingsToWire(effectiveSettings(app.settings)),
    // Whether signed requests are on; the secret itself is shown only when it is made.
    signing: app.signing ? { enabled: true, created_at: app.signing.createdAt } : { enabled: false },
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

function createTenant(services: ApiServices): RouteHandler {
  return async ({ request, user }) => {
    const u = requireUser(user);
    if (!can(u, 'tenants:create')) throw new ForbiddenError('only the platform owner may create tenants');
    const body = parse(CreateTenantSchema, readJsonBody(request));
    try {
      const tenant = await services.registry.createTenant(body.tenant_id, body.name ?? body.tenant_id);
      return json(201, { tenant_id: tenant.tenantId, name: tenant.name, created_at: tenant.createdAt });
    } catch (error) {
      if (error instanceof AlreadyExistsError) throw new ConflictError(error.message, { cause: error });
      throw error;
    }
  };
}

/**
 * Onboards an app and its first API key. The key lives only as a hash in the tenant registry, a global
 * table: every region's handlers verify it from their local replica, so the key works in every region as
 * soon as the registry write has replicated (API Gateway keeps no copy; see docs/deployment.md).
 */
function createApp(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const tenantId = tenantForUser(requireUser(user), params.tenantId ?? '', 'apps:create');
    const body = parse(CreateAppSchema, readJsonBody(request));
    const apiKey = generateApiKey();
    try {
      const app = await services.registry.createApp(
        {
          tenantId,
          appId: body.app_id,
          name: body.name ?? body.app_id,
          storeUrls: body.store_urls ?? {},
          allowedRedirectHosts: body.allowed_redirect_hosts ?? [],
          settings: body.settings ?? {},
        },
        hashApiKey(apiKey),
      );
      // The key is shown this once; only its hash is stored.
      return json(201, { ...presentApp(app, services.effectiveSettings), api_key: apiKey });
    } catch (error) {
      if (error instanceof MissingResourceError)
        throw new NotFoundError(`unknown tenant ${JSON.stringify(tenantId)}`);
      if (error instanceof AlreadyExistsError) throw new ConflictError(error.message, { cause: error });
      throw error;
    }
  };
}

function readApp(services: ApiServices): RouteHandler {
  return async ({ params, user }) => {
    const tenantId = tenantForUser(requireUser(user), params.tenantId ?? '', 'apps:read');
    const app = await services.registry.getTenantApp(tenantId, params.appId ?? '');
    if (!app) throw new NotFoundError(`unknown app ${JSON.stringify(params.appId)}`);
    return json(200, presentApp(app, services.effectiveSettings));
  };
}

function updateApp(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const tenantId = tenantForUser(requireUser(user), params.tenantId ?? '', 'apps:write');
    const body = parse(UpdateAppSchema, readJsonBody(request));
    const app = await services.registry.updateApp(tenantId, params.appId ?? '', {
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.store_urls === undefined ? {} : { storeUrls: body.store_urls }),
      ...(body.allowed_redirect_hosts === undefined
        ? {}
        : { allowedRedirectHosts: body.allowed_redirect_hosts }),
      ...(body.settings === undefined ? {} : { settings: body.settings }),
    });
    if (!app) throw new NotFoundError(`unknown app ${JSON.stringify(params.appId)}`);
    return json(200, presentApp(app, services.effectiveSettings));
  };
}

export function adminRoutes(services: ApiServices): Partial<Record<RouteKey, RouteHandler>> {
  return {
    'POST /v1/tenants': createTenant(services),
    'POST /v1/tenants/{tenantId}/apps': createApp(services),
    'GET /v1/tenants/{tenantId}/apps/{appId}': readApp(services),
    'PUT /v1/tenants/{tenantId}/apps/{appId}': updateApp(services),
  };
}
