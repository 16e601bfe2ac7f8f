import type { Logger } from '../app/ports/logger.js';
import type { AppPrincipal, UserPrincipal } from '../auth/permissions.js';
import type { RouteDefinition } from '../definitions/routes.js';
import { describeError, NotFoundError } from './errors.js';
import { type HttpRequest, type HttpResponse, JSON_HEADERS } from './request.js';

/**
 * A tiny router over the shared `ROUTES`: matches method and path template, authenticates as the
 * route says, runs the route's handler and turns anything thrown into SPEC §3's error shape.
 */

export interface RouteContext {
  readonly request: HttpRequest;
  /** Path parameters, e.g. `{ appId: 'com.demo.game' }`. */
  readonly params: Readonly<Record<string, string>>;
  readonly route: RouteDefinition;
  /** Set on `apiKey` routes. */
  readonly app?: AppPrincipal;
  /** Set on `bearer` routes. */
  readonly user?: UserPrincipal;
}

export type RouteHandler = (context: RouteContext) => Promise<HttpResponse>;

export interface Authenticator {
  /** Resolves `x-api-key`; throws `UnauthorizedError` when missing or unknown. */
  apiKey(request: HttpRequest): Promise<AppPrincipal>;
  /** Verifies `Authorization: Bearer`; throws `UnauthorizedError` when missing or invalid. */
  bearer(request: HttpRequest): Promise<UserPrincipal>;
}

/** What the router logs through (Powertools Logger fits). */
export type RouteKey = `${RouteDefinition['method']} ${string}`;
export const routeKeyOf = (route: Pick<RouteDefinition, 'method' | 'path'>): RouteKey =>
  `${route.method} ${route.path}`;

export interface RouterOptions {
  readonly routes: readonly RouteDefinition[];
  /** Handlers by `METHOD /path/{template}`; routes without one are not served by this router. */
  readonly handlers: Readonly<Partial<Record<RouteKey, RouteHandler>>>;
  readonly authenticator: Authenticator;
  readonly logger?: Logger;
}

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: RouteHandler;
}

function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      const match = /^\{(\w+)\}$/.exec(segment);
      if (!match) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(match[1] as string);
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}/?$`), names };
}

export type HttpHandler = (request: HttpRequest) => Promise<HttpResponse>;

export function createRouter(options: RouterOptions): HttpHandler {
  const compiled: CompiledRoute[] = [];
  for (const route of options.routes) {
    const handler = options.handlers[routeKeyOf(route)];
    if (!handler) continue;
    compiled.push({ route, handler, ...compile(route.path) });
  }
  return async (request) => {
    const requestId = request.requestId;
    try {
      const path = request.path.split('?')[0] ?? '';
      let found: { entry: CompiledRoute; params: Record<string, string> } | undefined;
      for (const entry of compiled) {
        if (entry.route.method !== request.method.toUpperCase()) continue;
        const match = entry.pattern.exec(path);
        if (!match) continue;
        const params: Record<string, string> = {};
        entry.names.forEach((name, i) => {
          params[name] = safeDecode(match[i + 1] ?? '');
        });
        found = { entry, params };
        break;
      }
      if (!found)
        throw new NotFoundError(`no route for ${request.method} ${path}`, { code: 'route_not_found' });
      const { entry, params } = found;
      const auth = entry.route.auth;
      const app = auth === 'apiKey' ? await options.authenticator.apiKey(request) : undefined;
      const user = auth === 'bearer' ? await options.authenticator.bearer(request) : undefined;
      options.logger?.appendKeys?.({
        tenant_id: app?.tenantId ?? user?.tenantId,
        app_id: app?.appId ?? params.appId,
      });
      checkParams(params);
      const response = await entry.handler({ request, params, route: entry.route, app, user });
      return withRequestId(response, requestId);
    } catch (error) {
      const described = describeError(error);
      if (described.statusCode >= 500) {
        options.logger?.error('request failed', { error, path: request.path, method: request.method });
      } else {
        options.logger?.info('request rejected', {
          status: described.statusCode,
          code: described.body.error.code,
          context: (error as { context?: unknown }).context,
        });
      }
      return withRequestId(
        {
          statusCode: described.statusCode,
          headers: { ...JSON_HEADERS, ...described.headers },
          body: JSON.stringify(described.body),
        },
        requestId,
      );
    }
  };
}

/**
 * Longest path parameter served. No id (tenant, app, request) comes near it, and it keeps every storage
 * key built from a parameter under DynamoDB's 2,048-byte key limit (a longer key fails the look-up itself).
 */
export const MAX_PATH_PARAM_LENGTH = 256;

/** A parameter no resource can have answers 404, like any unknown id. */
function checkParams(params: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(params)) {
    if (value.length > MAX_PATH_PARAM_LENGTH)
      throw new NotFoundError(`${name}: unknown; ids are at most ${MAX_PATH_PARAM_LENGTH} characters`);
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function withRequestId(response: HttpResponse, requestId: string | undefined): HttpResponse {
  if (!requestId) return response;
  return { ...response, headers: { ...response.headers, 'x-request-id': requestId } };
}
