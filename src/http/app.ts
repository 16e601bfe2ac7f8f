import type { ApiHandlerName } from '../definitions/handlers.js';
import { ROUTES } from '../definitions/routes.js';
import { withAuditLog } from './audit.js';
import { createRouter, type HttpHandler, type RouteHandler, type RouteKey } from './router.js';
import { adminRoutes } from './routes/admin.js';
import { auditRoutes } from './routes/audit.js';
import { docsRoutes } from './routes/docs.js';
import { ingestRoutes } from './routes/ingest.js';
import { keyRoutes } from './routes/keys.js';
import { performanceRoutes } from './routes/performance.js';
import { postbackRoutes } from './routes/postbacks.js';
import { privacyRoutes } from './routes/privacy.js';
import { queryRoutes } from './routes/query.js';
import { replayRoutes } from './routes/replay.js';
import { spendRoutes } from './routes/spend.js';
import { type ApiServices, createAuthenticator } from './services.js';

/** What builds the route handlers of one API function. */
export type RouteFactory = (services: ApiServices) => Partial<Record<RouteKey, RouteHandler>>;

/**
 * The routes of each API function. A Lambda entry point names its own (`lambdas/`), so its bundle leaves
 * out the other functions' routes and what they import (the replay engine, the API document). The query
 * and admin routes are wrapped in the audit log (`withAuditLog`); ingest has no audited route and carries none of it.
 */
export const INGEST_FUNCTION_ROUTES: RouteFactory = ingestRoutes;
export const QUERY_FUNCTION_ROUTES: RouteFactory = (services) =>
  withAuditLog(services, {
    ...queryRoutes(services),
    ...replayRoutes(services),
    ...performanceRoutes(services),
    ...docsRoutes(),
  });
export const ADMIN_FUNCTION_ROUTES: RouteFactory = (services) =>
  withAuditLog(services, {
    ...adminRoutes(services),
    ...privacyRoutes(services),
    ...keyRoutes(services),
    ...postbackRoutes(services),
    ...spendRoutes(services),
    ...auditRoutes(services),
  });

/** Every function's routes, by handler name (local mode and the tests serve them all). */
export const FUNCTION_ROUTES: Readonly<Record<ApiHandlerName, RouteFactory>> = {
  ingest: INGEST_FUNCTION_ROUTES,
  query: QUERY_FUNCTION_ROUTES,
  admin: ADMIN_FUNCTION_ROUTES,
};

/** One function's routes from its factory, behind the shared router. */
export function createFunctionApp(
  services: ApiServices,
  name: ApiHandlerName,
  routes: RouteFactory,
): HttpHandler {
  return createRouter({
    routes: ROUTES.filter((r) => r.handler === name),
    handlers: routes(services),
    authenticator: createAuthenticator(services),
    ...(services.logger ? { logger: services.logger } : {}),
  });
}

/**
 * The HTTP API as one function of a plain request. Each Lambda serves its own handler's routes; local
 * mode serves them all from one server.
 * @example
 * const api = createHttpApp(services);            // every route
 * const ingest = createHttpApp(services, ['ingest']);
 */
export function createHttpApp(
  services: ApiServices,
  handlers: readonly ApiHandlerName[] = ['ingest', 'query', 'admin'],
): HttpHandler {
  const routeHandlers: Partial<Record<RouteKey, RouteHandler>> = {};
  for (const name of handlers) Object.assign(routeHandlers, FUNCTION_ROUTES[name](services));
  return createRouter({
    routes: ROUTES.filter((r) => handlers.includes(r.handler as ApiHandlerName)),
    handlers: routeHandlers,
    authenticator: createAuthenticator(services),
    ...(services.logger ? { logger: services.logger } : {}),
  });
}
