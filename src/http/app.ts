import { ROUTES } from '../definitions/routes.js';
import type { HandlerName } from '../definitions/tables.js';
import { createRouter, type HttpHandler, type RouteHandler, type RouteKey } from './router.js';
import { adminRoutes } from './routes/admin.js';
import { ingestRoutes } from './routes/ingest.js';
import { keyRoutes } from './routes/keys.js';
import { postbackRoutes } from './routes/postbacks.js';
import { privacyRoutes } from './routes/privacy.js';
import { queryRoutes } from './routes/query.js';
import { type ApiServices, createAuthenticator } from './services.js';

const ROUTE_FACTORIES: Record<
  Exclude<HandlerName, 'consumer'>,
  (s: ApiServices) => Partial<Record<RouteKey, RouteHandler>>
> = {
  ingest: ingestRoutes,
  query: queryRoutes,
  admin: (services) => ({
    ...adminRoutes(services),
    ...privacyRoutes(services),
    ...keyRoutes(services),
    ...postbackRoutes(services),
  }),
};

/**
 * The HTTP API as one function of a plain request. Each Lambda serves its own handler's routes; local
 * mode serves them all from one server.
 * @example
 * const api = createHttpApp(services);            // every route
 * const ingest = createHttpApp(services, ['ingest']);
 */
export function createHttpApp(
  services: ApiServices,
  handlers: readonly Exclude<HandlerName, 'consumer'>[] = ['ingest', 'query', 'admin'],
): HttpHandler {
  const routeHandlers: Partial<Record<RouteKey, RouteHandler>> = {};
  for (const name of handlers) Object.assign(routeHandlers, ROUTE_FACTORIES[name](services));
  return createRouter({
    routes: ROUTES.filter((r) => handlers.includes(r.handler as Exclude<HandlerName, 'consumer'>)),
    handlers: routeHandlers,
    authenticator: createAuthenticator(services),
    ...(services.logger ? { logger: services.logger } : {}),
  });
}
