import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/definitions/routes.js';
import { buildOpenApiDocument, ERROR_CODES } from '../../src/http/openapi.js';
import { createRouter, routeKeyOf } from '../../src/http/router.js';
import { DOCS_CONTENT_SECURITY_POLICY, docsRoutes } from '../../src/http/routes/docs.js';
import { ROUTE_WIRES } from '../../src/http/wire.js';

/** SPEC §10: one document, generated from the schemas that validate requests, served with its page. */

type Operation = {
  security: Record<string, string[]>[];
  requestBody?: { content: { 'application/json': { schema: object; example?: unknown } } };
  parameters?: { name: string; in: string; required: boolean }[];
  responses: Record<string, unknown>;
};

const document = buildOpenApiDocument();
const paths = document.paths as Record<string, Record<string, Operation>>;
const operations = Object.entries(paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    key: `${method.toUpperCase()} ${path}`,
    operation,
  })),
);
const operationOf = (key: string) => operations.find((o) => o.key === key)?.operation as Operation;

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('date-time', true).addFormat('ipv4', true).addFormat('ipv6', true).addFormat('uri', true);

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with the two auth schemes of SPEC §3', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.ApiKey).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'x-api-key',
    });
    expect(document.components.securitySchemes.Bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('describes every route of the route table, and nothing else', () => {
    expect(operations.map((o) => o.key).sort()).toEqual(ROUTES.map(routeKeyOf).sort());
  });

  it.each(ROUTES.map((r) => [routeKeyOf(r), r.auth] as const))(
    '%s names its auth scheme (%s)',
    (key, auth) => {
      const expected = { none: [], apiKey: [{ ApiKey: [] }], bearer: [{ Bearer: [] }] }[auth];
      expect(operationOf(key).security).toEqual(expected);
    },
  );

  it('gives every route with a body its schema and an example', () => {
    const withBody = Object.entries(ROUTE_WIRES).filter(([, wire]) => wire.body);
    expect(withBody.length).toBeGreaterThan(5);
    for (const [key] of withBody) {
      const content = operationOf(key).requestBody?.content['application/json'];
      expect(content?.schema, key).toBeDefined();
      expect(content?.example, key).toBeDefined();
    }
  });

  it.each(
    Object.entries(ROUTE_WIRES)
      .filter(([, wire]) => wire.body)
      .map(([key]) => [key]),
  )(
    'the example of %s passes its schema in the document and the zod schema the route validates with',
    (key) => {
      const content = operationOf(key).requestBody?.content['application/json'];
      const validate = ajv.compile(content?.schema as object);
      expect(validate(content?.example), JSON.stringify(validate.errors)).toBe(true);
      expect(ROUTE_WIRES[key]?.body?.safeParse(content?.example).success).toBe(true);
    },
  );

  it('a body the route refuses fails the document schema too (the two are one)', () => {
    const content = operationOf('POST /v1/reports/{appId}/replay').requestBody?.content['application/json'];
    const validate = ajv.compile(content?.schema as object);
    const bad = { settings: { click_lookback_hours: -1 } };
    expect(validate(bad)).toBe(false);
    expect(ROUTE_WIRES['POST /v1/reports/{appId}/replay']?.body?.safeParse(bad).success).toBe(false);
  });

  it('lists the required query parameters of the tracking links and reports', () => {
    const required = (key: string) =>
      (operationOf(key).parameters ?? []).filter((p) => p.in === 'query' && p.required).map((p) => p.name);
    expect(required('GET /v1/click/{appId}')).toEqual(['network']);
    expect(required('GET /v1/reports/{appId}/installs')).toEqual(['from', 'to']);
  });

  it('answers errors in the one shape, with every code', () => {
    const error = document.components.schemas.Error as {
      properties: { error: { properties: { code: { enum: string[] } }; required: string[] } };
    };
    expect(error.properties.error.required).toEqual(['code', 'message', 'details']);
    expect(error.properties.error.properties.code.enum).toEqual(ERROR_CODES.map((e) => e.code));
    for (const { operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) >= 400)
          expect(response).toEqual({ $ref: `#/components/responses/Error${status}` });
      }
    }
  });

  it('lists every error code the handlers throw', () => {
    const root = fileURLToPath(new URL('../../src/http/', import.meta.url));
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const thrown = new Set<string>();
    const patterns = [
      /(?:BadRequestError|PayloadTooLargeError)\(\s*'([a-z_]+)'/g,
      /super\(\d{3}, '([a-z_]+)'/g,
      /(?:UnauthorizedError|NotFoundError)\([^;]*?code: '([a-z_]+)'/gs,
      /options\?\.code \?\? '([a-z_]+)'/g,
    ];
    for (const file of files) {
      const source = readFileSync(join(root, file), 'utf8');
      for (const pattern of patterns)
        for (const match of source.matchAll(pattern)) thrown.add(match[1] as string);
    }
    expect(thrown.size).toBeGreaterThan(10);
    const listed = new Set<string>(ERROR_CODES.map((e) => e.code));
    expect([...thrown].filter((code) => !listed.has(code))).toEqual([]);
    // …and every listed code is answered somewhere: a literal in src/ besides this list, or a gateway
    // response of lib/ingest/platform-api.ts.
    const src = join(root, '..');
    const sources = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('openapi.ts'))
      .map((f) => readFileSync(join(src, f), 'utf8'))
      .concat(readFileSync(join(src, '../lib/ingest/platform-api.ts'), 'utf8'));
    for (const source of sources)
      for (const match of source.matchAll(/'([a-z]+(?:_[a-z]+)+|[a-z]+)'/g)) thrown.add(match[1] as string);
    expect([...listed].filter((code) => !thrown.has(code))).toEqual([]);
  });
});

describe('GET /v1/openapi.json and GET /docs', () => {
  const api = createRouter({
    routes: ROUTES,
    handlers: docsRoutes(),
    authenticator: {
      apiKey: () => Promise.reject(new Error('no credential is needed')),
      bearer: () => Promise.reject(new Error('no credential is needed')),
    },
  });
  const get = (path: string, query: Record<string, string> = {}) =>
    api({ method: 'GET', path, headers: {}, query });

  it('answers the document without a credential', async () => {
    const res = await get('/v1/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body ?? '')).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('renders the document with a page that loads nothing from elsewhere', async () => {
    const res = await get('/docs');
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toMatch(/^text\/html/);
    expect(res.headers?.['content-security-policy']).toBe(DOCS_CONTENT_SECURITY_POLICY);
    expect(DOCS_CONTENT_SECURITY_POLICY).not.toMatch(/https?:/);
    const page = res.body ?? '';
    expect(page).toContain('<script src="?asset=api-reference.js"></script>');
    expect(page).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect(page).toContain('"openapi":"3.1.0"');
    expect(page).toContain('"withDefaultFonts":false');
  });

  it("serves Scalar's standalone bundle from node_modules, and no other file", async () => {
    const script = await get('/docs', { asset: 'api-reference.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers?.['content-type']).toMatch(/^text\/javascript/);
    expect(script.body).toContain('createApiReference');
    const other = await get('/docs', { asset: '../../package.json' });
    expect(other.statusCode).toBe(404);
    expect(JSON.parse(other.body ?? '').error.code).toBe('not_found');
  });
});
