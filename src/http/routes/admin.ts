import type * as z from 'zod';
import type { AppRecord } from '../../adapters/dynamodb/tenant-registry.js';
import { AlreadyExistsError, ApiKeyImportError, MissingResourceError } from '../../adapters/errors.js';
import { generateApiKey, hashApiKey } from '../../auth/api-keys.js';
import { actsFor, can, type Permission, type UserPrincipal } from '../../auth/permissions.js';
import { resolveSettings, settingsToWire } from '../../domain/settings.js';
import { readJsonBody } from '../body.js';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ServiceUnavailableError,
} from '../errors.js';
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

export function presentApp(app: AppRecord) {
  return {
    tenant_id: app.tenantId,
    app_id: app.appId,
    name: app.name,
    store_urls: app.storeUrls,
    allowed_redirect_hosts: app.allowedRedirectHosts,
    // SPEC §4.1: snake_case on the wire; stored settings keep their internal spelling.
    settings: settingsToWire(app.settings),
    effective_settings: settingsToWire(resolveSettings(app.settings)),
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
 * Onboards an app and its first API key. With an API key importer (the cloud), the key is imported into
 * API Gateway first and the app is written to the registry only once that succeeded: an import failure
 * answers 503 and leaves no app behind (nothing to compensate), and the caller may simply retry. The
 * tenant and app id are checked before the import so the usual 404 and 409 never leave a key in API
 * Gateway; a key orphaned by a failure between the import and the registry write (or by a race on the
 * app id) is inert: its value was never shown, and without a stored hash our handlers refuse it.
 */
function createApp(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const tenantId = tenantForUser(requireUser(user), params.tenantId ?? '', 'apps:create');
    const body = parse(CreateAppSchema, readJsonBody(request));
    const apiKey = generateApiKey();
    if (services.apiKeys) {
      if (!(await services.registry.getTenant(tenantId)))
        throw new NotFoundError(`unknown tenant ${JSON.stringify(tenantId)}`);
      if (await services.registry.getApp(body.app_id, { consistent: true }))
        throw new ConflictError(`app ${JSON.stringify(body.app_id)} already exists`);
      try {
        const imported = await services.apiKeys.importAppKey({ tenantId, appId: body.app_id, apiKey });
        services.logger?.info('app key imported into API Gateway', {
          tenant_id: tenantId,
          app_id: body.app_id,
          api_key_id: imported.apiKeyId,
          usage_plan_id: imported.usagePlanId,
        });
      } catch (error) {
        if (!(error instanceof ApiKeyImportError)) throw error;
        services.logger?.error('app key not imported; app not created', {
          tenant_id: tenantId,
          app_id: body.app_id,
          step: error.step,
          error,
        });
        throw new ServiceUnavailableError('the API key could not be registered with the API gateway; retry', {
          cause: error,
          context: { ...error.context, step: error.step },
          retryAfterSeconds: 5,
        });
      }
    }
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
      return json(201, { ...presentApp(app), api_key: apiKey });
    } catch (error) {
      if (services.apiKeys)
        services.logger?.warn('app not created after its key was imported; the key is inert', {
          tenant_id: tenantId,
          app_id: body.app_id,
        });
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
    return json(200, presentApp(app));
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
    return json(200, presentApp(app));
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
