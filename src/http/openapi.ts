import * as z from 'zod';
import { ROUTES, type RouteDefinition } from '../definitions/routes.js';
import { routeKeyOf } from './router.js';
import { APP_ID_PATTERN, ErrorBodySchema, ROUTE_WIRES, type RouteWire, TENANT_ID_PATTERN } from './wire.js';

/**
 * The OpenAPI 3.1 description of the HTTP API v1 built from the route table and the wire
 * schemas that validate requests (`wire.ts`), so the document cannot drift from the code. Served as
 * `GET /v1/openapi.json` and rendered by `GET /docs`.
 */

export type JsonSchema = Record<string, unknown>;

/** Every error code the API answers, its status and what it means (one error shape). */
export const ERROR_CODES = [
  {
    code: 'invalid_request',
    status: 400,
    meaning: 'The body or query string fails validation; the message names the field',
  },
  { code: 'invalid_json', status: 400, meaning: 'The body is empty or not JSON' },
  {
    code: 'invalid_event',
    status: 400,
    meaning: 'An event fails validation (per event, in `rejected` of a 202)',
  },
  { code: 'invalid_touchpoint', status: 400, meaning: 'A touchpoint or tracking link fails validation' },
  {
    code: 'timestamp_out_of_range',
    status: 400,
    meaning: 'Event time more than 400 days past or 15 minutes ahead',
  },
  { code: 'invalid_redirect', status: 400, meaning: '`redirect` is not an absolute http(s) URL' },
  {
    code: 'redirect_not_allowed',
    status: 400,
    meaning: "`redirect`'s host is not in the app's allowed_redirect_hosts",
  },
  {
    code: 'no_redirect_target',
    status: 400,
    meaning: 'The app has no store URL for the platform and no redirect was given',
  },
  {
    code: 'destination_refused',
    status: 400,
    meaning: 'A postback destination is not a public https address (SSRF defence); details name the range',
  },
  { code: 'unauthorized', status: 401, meaning: 'No credential, or one that does not verify' },
  {
    code: 'incorrect_signature',
    status: 401,
    meaning: "A signed app's request signature is missing, stale or wrong",
  },
  {
    code: 'forbidden',
    status: 403,
    meaning:
      "The token's role may not do this (in the cloud also the gateway's authorizer refusing the token)",
  },
  { code: 'not_found', status: 404, meaning: "Unknown, or another tenant's (the two answer alike)" },
  { code: 'route_not_found', status: 404, meaning: 'No route for this method and path' },
  {
    code: 'conflict',
    status: 409,
    meaning: 'The tenant or app already exists, or the app has too many live keys',
  },
  { code: 'body_too_large', status: 413, meaning: 'The body is over 1 MiB' },
  { code: 'batch_too_large', status: 413, meaning: 'More than 500 events or touchpoints in one request' },
  {
    code: 'replay_too_large',
    status: 413,
    meaning: 'The replay range holds more records than one replay reads; narrow from/to',
  },
  { code: 'unsupported_media_type', status: 415, meaning: 'Content-Type is not application/json' },
  {
    code: 'rate_limited',
    status: 429,
    meaning:
      "Over the app's requests per second or daily event quota, or the tenant's monthly request quota; see Retry-After",
  },
  { code: 'internal_error', status: 500, meaning: 'An unexpected failure; never a stack trace' },
  {
    code: 'service_unavailable',
    status: 503,
    meaning: 'A dependency is unavailable; safe to retry after Retry-After',
  },
] as const satisfies readonly { code: string; status: number; meaning: string }[];

export type ErrorCode = (typeof ERROR_CODES)[number]['code'];

/** What a successful call answers, by `METHOD /path` (every route has one). */
export const SUCCESS_RESPONSES: Readonly<
  Record<string, { status: number; description: string; contentType?: string }>
> = {
  'GET /v1/click/{appId}': {
    status: 302,
    description: 'Redirect to the store (Android: click id in the Play Install Referrer)',
  },
  'GET /v1/impression/{appId}': { status: 204, description: 'Recorded' },
  'POST /v1/touchpoints': {
    status: 202,
    description: '`{ accepted, rejected: [{ index, code, message }], touchpoints: [{ index, id }] }`',
  },
  'POST /v1/events': {
    status: 202,
    description: '`{ accepted, rejected: [{ index, code, message }] }`; valid events are kept',
  },
  'GET /v1/attribution/{appId}': {
    status: 200,
    description: "The device's attribution with its explanation",
  },
  'GET /v1/reports/{appId}/installs': {
    status: 200,
    description: 'Rows and totals: installs, reinstalls, re-engagements, rejected, events, revenue',
  },
  'POST /v1/reports/{appId}/replay': {
    status: 200,
    description: 'Decisions replayed, the installs that would change and why, and the moves between sources',
  },
  'GET /v1/openapi.json': { status: 200, description: 'This document' },
  'GET /docs': { status: 200, description: 'An HTML page rendering this document', contentType: 'text/html' },
  'POST /v1/privacy/erasure': {
    status: 202,
    description: 'The erasure request, with its request id and status URL',
  },
  'GET /v1/privacy/erasure/{requestId}': {
    status: 200,
    description: 'The erasure request and what it erased',
  },
  'POST /v1/tenants': { status: 201, description: 'The tenant' },
  'POST /v1/tenants/{tenantId}/apps': {
    status: 201,
    description: 'The app and its API key, shown this once',
  },
  'GET /v1/tenants/{tenantId}/apps/{appId}': {
    status: 200,
    description: 'The app, its settings and its effective settings',
  },
  'PUT /v1/tenants/{tenantId}/apps/{appId}': { status: 200, description: 'The app after the change' },
  'POST /v1/tenants/{tenantId}/apps/{appId}/keys': {
    status: 201,
    description: 'The new key, shown this once, and the old keys with their deadline',
  },
  'POST /v1/tenants/{tenantId}/apps/{appId}/signing-secret': {
    status: 201,
    description: 'The new secret, shown this once (200 when turned off)',
  },
};

const SECURITY: Readonly<Record<RouteDefinition['auth'], readonly Record<string, string[]>[]>> = {
  none: [],
  apiKey: [{ ApiKey: [] }],
  bearer: [{ Bearer: [] }],
};

const PATH_PARAMETER_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  appId: { type: 'string', pattern: APP_ID_PATTERN.source, description: 'Bundle id or package name' },
  tenantId: { type: 'string', pattern: TENANT_ID_PATTERN.source },
  requestId: { type: 'string', description: 'The erasure request id' },
};

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), as the caller sends it. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

/** `{name}` segments of a route path. */
export const pathParameters = (path: string): string[] =>
  [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');

function parametersOf(route: RouteDefinition, wire: RouteWire | undefined): JsonSchema[] {
  const inPath = pathParameters(route.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: PATH_PARAMETER_SCHEMAS[name] ?? { type: 'string' },
  }));
  const shape = wire?.query?.shape ?? {};
  const inQuery = Object.entries(shape).map(([name, schema]) => {
    const { description, ...rest } = jsonSchemaOf(schema as z.ZodType);
    return {
      name,
      in: 'query',
      required: !(schema as z.ZodType).safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
  return [...inPath, ...inQuery];
}

/** The error statuses a route can answer. */
function errorStatuses(route: RouteDefinition, wire: RouteWire | undefined): number[] {
  const statuses = new Set<number>([404, 500, 503]);
  if (wire?.body || wire?.query) statuses.add(400);
  if (route.auth !== 'none') statuses.add(401).add(403);
  if (wire?.body) statuses.add(413).add(415);
  if (route.method === 'POST' && route.path.startsWith('/v1/tenants')) statuses.add(409);
  if (route.handler === 'ingest') statuses.add(429).add(400);
  if (route.path === '/v1/openapi.json' || route.path === '/docs') {
    statuses.delete(404);
    statuses.delete(503);
  }
  return [...statuses].sort((a, b) => a - b);
}

function operationOf(route: RouteDefinition): JsonSchema {
  const key = routeKeyOf(route);
  const wire = ROUTE_WIRES[key];
  const success = SUCCESS_RESPONSES[key] ?? { status: 200, description: 'OK' };
  const parameters = parametersOf(route, wire);
  const responses: Record<string, unknown> = {
    [String(success.status)]: {
      description: success.description,
      ...(success.status === 204 || success.status === 302
        ? {}
        : { content: { [success.contentType ?? 'application/json']: { schema: {} } } }),
    },
  };
  for (const status of errorStatuses(route, wire)) {
    responses[String(status)] = { $ref: `#/components/responses/Error${status}` };
  }
  return {
    operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
    summary: route.summary,
    tags: [route.handler],
    security: SECURITY[route.auth],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(wire?.body
      ? {
          requestBody: {
            required: !wire.bodyOptional,
            content: {
              'application/json': {
                schema: jsonSchemaOf(wire.body),
                ...(wire.example === undefined ? {} : { example: wire.example }),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

function errorResponses(): Record<string, unknown> {
  const statuses = [...new Set(ERROR_CODES.map((e) => e.status))];
  return Object.fromEntries(
    statuses.map((status) => {
      const codes = ERROR_CODES.filter((e) => e.status === status);
      return [
        `Error${status}`,
        {
          description: codes.map((e) => `\`${e.code}\`: ${e.meaning}`).join('; '),
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/Error' },
              example: {
                error: { code: codes[0]?.code, message: codes[0]?.meaning, details: [] },
              },
            },
          },
        },
      ];
    }),
  );
}

export interface OpenApiOptions {
  /**
   * The routes described.
   * @default every route of `ROUTES`
   */
  readonly routes?: readonly RouteDefinition[];
  /**
   * The API's base URL, listed under `servers`.
   * @default no `servers` entry: clients use the URL the document was fetched from
   */
  readonly serverUrl?: string;
  /** @default '1.0.0' */
  readonly version?: string;
}

/**
 * The OpenAPI 3.1 document of the API.
 * @example
 * const document = buildOpenApiDocument();
 * document.paths['/v1/events'].post.requestBody.content['application/json'].example;
 */
export function buildOpenApiDocument(options: OpenApiOptions = {}) {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of options.routes ?? ROUTES) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, JsonSchema>)[route.method.toLowerCase()] = operationOf(route);
  }
  const error = jsonSchemaOf(ErrorBodySchema) as {
    properties: { error: { properties: Record<string, JsonSchema> } };
  };
  error.properties.error.properties.code = {
    type: 'string',
    enum: ERROR_CODES.map((e) => e.code),
    description: 'Machine-readable error code',
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'UnMoGrowP HTTP API',
      version: options.version ?? '1.0.0',
      description:
        'Mobile attribution: tracking links, SDK event batches, attribution look-ups, reports, replay, privacy and onboarding. ' +
        'Every error has one shape, `{ "error": { "code", "message", "details" } }`, and never a stack trace.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'One key per app' },
        Bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Roles: owner, admin, analyst, developer, viewer; a token acts for one tenant',
        },
      },
      schemas: { Error: error },
      responses: errorResponses(),
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
