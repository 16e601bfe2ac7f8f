import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordPublisher } from '../../src/app/ports/record-publisher.js';
import { REQUEST_LIMITS, ROUTES, type RouteDefinition } from '../../src/definitions/routes.js';
import { createHttpApp } from '../../src/http/app.js';
import type { HttpRequest, HttpResponse } from '../../src/http/request.js';
import type { HttpHandler } from '../../src/http/router.js';
import { routeKeyOf } from '../../src/http/router.js';
import type { ApiServices } from '../../src/http/services.js';
import { caseOf, createWorld, type RequestShape, targetOf, toRequest, type World } from './support.js';

/**
 * Issue 6: fuzzing every route's body and query with valid credentials. Whatever arrives, the answer is
 * never a 5xx, is JSON in SPEC §3's error shape (or a success), shows no stack trace, and a rejected input
 * writes nothing (no stream record, no registry or identity-graph write). Prototype-pollution keys leave
 * `Object.prototype` alone.
 *
 * Rate limits: the fuzz calls the routes through its own `createHttpApp` over the test services with the
 * per-app ingest limits taken out (no `usageCounters`), so hundreds of calls a second never turn into 429s.
 */

/** Inputs tried per route: body inputs (routes with a body) and query inputs (every route). */
const BODY_RUNS = 80;
const QUERY_RUNS = 40;
/** Routes with a body read no query parameter: fewer query inputs there. */
const QUERY_RUNS_WITH_BODY = 15;
const PATH_RUNS = 15;

const MIB = REQUEST_LIMITS.maxBodyBytes;
const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** Strings of every kind of unit: unicode, lone surrogates, control characters, quotes and escapes. */
const nastyChar = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\u007f', '\u2028', '\u2029', '\ufeff', '\u0000', '"', '\\', '/', '%', '#', '?', '&', '..'),
);
const nastyString = fc.string({ unit: nastyChar, maxLength: 40 });

/** A huge string, within or beyond the 1 MiB body limit (built from a repeated unit, so cheap). */
const hugeString = fc
  .record({
    unit: fc.constantFrom('x', 'é', '😀', '\u0000'),
    bytes: fc.integer({ min: 64 * 1024, max: MIB + 256 * 1024 }),
  })
  .map(({ unit, bytes }) => unit.repeat(Math.max(1, Math.floor(bytes / Buffer.byteLength(unit)))));

/**
 * Nesting `depth` levels deep, as arrays or objects. Serialising such a value would overflow the test's own
 * stack, so it travels as a marker string that `expandDeep` swaps for the nested JSON text.
 */
const deepValue = fc
  .record({ depth: fc.integer({ min: 32, max: 20_000 }), kind: fc.constantFrom('array', 'object') })
  .map(({ depth, kind }) => `@@deep:${kind}:${depth}@@`);

function expandDeep(text: string): string {
  return text.replace(/"@@deep:(array|object):(\d+)@@"/g, (_m, kind: string, depth: string) => {
    const n = Number(depth);
    return kind === 'array' ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  });
}

/** An object with an own (not inherited) property named like a prototype key, as JSON.parse makes it. */
function withOwn(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

const pollution = fc.record({
  key: fc.constantFrom(...DANGEROUS_KEYS),
  value: fc.oneof(
    fc.constant({ polluted: 'yes', isAdmin: true, tenantId: 'tenant-b' }),
    fc.constant({ prototype: { polluted: 'yes' } }),
    fc.constant('yes'),
    fc.constant(null),
  ),
});

/** Values of the wrong type for any field. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: nastyString },
  { weight: 2, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1e308, -0, [], {}, '', ' ', 'NaN') },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: hugeString },
  {
    weight: 2,
    arbitrary: pollution.map(({ key, value }) => withOwn({}, key, value)),
  },
);

/** Every path (as keys) into a JSON value. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...pathsOf(v, [...prefix, i]));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  }
  return out;
}

/** A deep copy of `value` with the value at `path` replaced (or a dangerous key added there). */
function mutate(
  value: unknown,
  path: readonly (string | number)[],
  replacement: (old: unknown) => unknown,
): unknown {
  if (path.length === 0) return replacement(value);
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? mutate(v, rest, replacement) : v));
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    withOwn(copy, k, k === head ? mutate(v, rest, replacement) : v);
  return copy;
}

/**
 * The valid body with, in each of its objects in turn, a value nested 5,000 deep and a 700 KiB string
 * (once found: deep `properties` of an event answered 500, huge ones 503).
 */
function edgeExamples(valid: unknown): string[] {
  const objects = pathsOf(valid).filter((path) => {
    const value = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], valid);
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  });
  return objects.flatMap((path) =>
    ['@@deep:array:5000@@', 'x'.repeat(700 * 1024)].map((edge) =>
      expandDeep(JSON.stringify(mutate(valid, path, (old) => ({ ...(old as object), edge })))),
    ),
  );
}

/** Body texts for a route whose valid body is `valid`. */
function bodyArbitrary(valid: unknown): fc.Arbitrary<string> {
  const paths = pathsOf(valid);
  const mutated = fc
    .record({
      path: fc.constantFrom(...paths),
      how: fc.oneof(
        weirdValue.map((v) => () => v),
        pollution.map(
          ({ key, value }) =>
            (old: unknown) =>
              old && typeof old === 'object' && !Array.isArray(old)
                ? withOwn({ ...old }, key, value)
                : withOwn({}, key, value),
        ),
        fc.constant(() => undefined),
      ),
    })
    .map(({ path, how }) => expandDeep(JSON.stringify(mutate(valid, path, how) ?? null)));
  const randomObject = fc
    .dictionary(
      fc.oneof(fc.constantFrom(...DANGEROUS_KEYS, ...Object.keys(valid as object)), nastyString),
      weirdValue,
      {
        maxKeys: 6,
      },
    )
    .map((o) => expandDeep(JSON.stringify(o)));
  const notJson = fc.oneof(
    nastyString,
    fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
    fc.constantFrom(
      '',
      ' ',
      'null',
      '[]',
      '"x"',
      '1',
      '{',
      '{"a":}',
      '\ufeff{}',
      '{"__proto__":{"polluted":"yes"}}',
    ),
  );
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 3, arbitrary: randomObject },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: notJson },
  );
}

const QUERY_KEYS = [
  'network',
  'campaign',
  'adset',
  'ad',
  'click_id',
  'advertising_id',
  'vendor_id',
  'customer_user_id',
  'redirect',
  'from',
  'to',
  'group_by',
  'tenant_id',
  'app_id',
  ...DANGEROUS_KEYS,
];

/** Query strings: the valid ones with parameters replaced, dropped or added. */
function queryArbitrary(valid: Readonly<Record<string, string>>): fc.Arbitrary<Record<string, string>> {
  const value = fc.oneof(
    { weight: 4, arbitrary: nastyString },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        ' ',
        '2026-02-30',
        '9999-12-31',
        '0000-01-01',
        'day,day',
        'http://evil.example.com/',
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 64 * 1024 }).map((n) => 'q'.repeat(n)) },
  );
  return fc
    .record({
      set: fc.dictionary(fc.oneof(fc.constantFrom(...QUERY_KEYS), nastyString), value, { maxKeys: 5 }),
      drop: fc.subarray(Object.keys(valid)),
    })
    .map(({ set, drop }) => {
      const query: Record<string, string> = {};
      for (const [k, v] of Object.entries(valid)) if (!drop.includes(k)) withOwn(query, k, v);
      for (const [k, v] of Object.entries(set)) withOwn(query, k, v);
      return query;
    });
}

/** A path segment as a client would send it; a lone surrogate cannot be percent-encoded, so it goes raw. */
function encodeOrRaw(segment: string): string {
  try {
    return encodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The writes the routes make through their ports, counted. */
interface WriteLog {
  published: number;
  registryWrites: string[];
  graphWrites: string[];
}

/** Port methods that write and answer nothing on success. */
const VOID_WRITES = new Set(['recordErasure']);
const READ_METHOD = /^(get|find|read|resolve|list|query|describe)/;

/** Wraps every method of a port so that its writes that took effect are logged. */
function spyWrites<T extends object>(port: T, log: string[]): T {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      if (READ_METHOD.test(property)) return value.bind(target);
      // A write counts once it took effect: a refused conditional write throws or answers undefined
      // (writes that answer nothing on success are listed in VOID_WRITES).
      return async (...args: unknown[]) => {
        const result = await value.apply(target, args);
        if (result !== undefined || VOID_WRITES.has(property)) log.push(property);
        return result;
      };
    },
  });
}

/**
 * The services with their writes logged, and without the per-app ingest limits (their counters): the fuzz
 * sends far more than an app's 100 requests a second, and a 429 would hide what the input does.
 */
function spiedServices({ usageCounters: _limits, ...services }: ApiServices, log: WriteLog): ApiServices {
  const publisher: RecordPublisher = {
    publish: async (records) => {
      log.published += records.length;
      return services.publisher.publish(records);
    },
  } as RecordPublisher;
  return {
    ...services,
    registry: spyWrites(services.registry, log.registryWrites),
    graphFor: (tenantId) => spyWrites(services.graphFor(tenantId), log.graphWrites),
    publisher,
  };
}

/** What a leaked stack trace looks like: `    at fn (file.ts:12:5)` lines, source positions, module paths. */
const STACK_TRACE = [/\n\s+at /, /\.(?:ts|js|mjs|cjs):\d+/, /node_modules/, /\/src\/http\//];

/** The response checks that hold for every input. Returns the parsed body. */
function checkResponse(res: HttpResponse, label: string): unknown {
  expect(res.statusCode, `${label}: ${res.body?.slice(0, 300)}`).toBeLessThan(500);
  expect(res.statusCode, label).toBeGreaterThanOrEqual(200);
  const body = res.body ?? '';
  for (const pattern of STACK_TRACE)
    expect(body, `${label}: stack trace in ${body.slice(0, 300)}`).not.toMatch(pattern);
  if (res.statusCode === 204 || res.statusCode === 302) return undefined;
  // The docs page and its script answer HTML and JavaScript; every error is JSON all the same.
  const contentType = res.headers?.['content-type'] ?? 'application/json';
  if (res.statusCode < 400 && !contentType.startsWith('application/json')) return undefined;
  let parsed: unknown;
  expect(
    () => {
      parsed = JSON.parse(body);
    },
    `${label}: not JSON: ${body.slice(0, 200)}`,
  ).not.toThrow();
  if (res.statusCode >= 400) {
    expect(parsed, label).toEqual({
      error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) },
    });
    expect(Object.keys((parsed as { error: object }).error).sort(), label).toEqual([
      'code',
      'details',
      'message',
    ]);
  }
  return parsed;
}

describe('fuzzing every route', () => {
  let world: World;
  let app: HttpHandler;
  const log: WriteLog = { published: 0, registryWrites: [], graphWrites: [] };
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  let inputs = 0;
  let rejected = 0;

  beforeAll(async () => {
    world = await createWorld();
    app = createHttpApp(spiedServices(world.api.services, log));
  });

  afterAll(() => {
    // The number of inputs tried, for the report (issue 6: "note how many inputs were tried").
    console.info(`fuzz: ${inputs} inputs over ${ROUTES.length} routes, ${rejected} rejected with a 4xx`);
  });

  const credentialFor = (route: RouteDefinition): Record<string, string> => {
    if (route.auth === 'apiKey') return { 'x-api-key': world.a.keys[world.a.apps[0]] as string };
    // The platform owner may do everything, so every bearer route reaches its body and query.
    if (route.auth === 'bearer') return { authorization: `Bearer ${world.platformOwner}` };
    return { 'user-agent': 'Mozilla/5.0 (Linux; Android 14; Pixel 8)' };
  };

  /**
   * The caller's own resources: the first app for API-key routes (its key is the credential), the second
   * for bearer routes, so that rotating its key or turning on request signing leaves the key in use alone.
   */
  const ownTarget = (route: RouteDefinition) => targetOf(world.a, route.auth === 'bearer' ? 1 : 0);

  /** Sends one input and checks it; a rejected input must have written nothing. */
  const send = async (
    route: RouteDefinition,
    request: Partial<HttpRequest> & { method: string; path: string },
  ) => {
    const label = `${routeKeyOf(route)} ${JSON.stringify(request.query ?? {}).slice(0, 200)} ${(request.body ?? '').slice(0, 200)}`;
    const before = {
      published: log.published,
      registry: log.registryWrites.length,
      graph: log.graphWrites.length,
    };
    const res = await app({ headers: {}, query: {}, sourceIp: '198.51.100.4', ...request });
    inputs += 1;
    const parsed = checkResponse(res, label);
    const wrote = {
      published: log.published - before.published,
      registry: log.registryWrites.slice(before.registry),
      graph: log.graphWrites.slice(before.graph),
    };
    if (res.statusCode >= 400) {
      rejected += 1;
      expect(wrote, `${label}: rejected with ${res.statusCode} but wrote`).toEqual({
        published: 0,
        registry: [],
        graph: [],
      });
    } else if (parsed && typeof parsed === 'object' && 'accepted' in parsed) {
      // Batches: only the accepted items are written; a rejected item never is. Events and touchpoints
      // go on the stream; cost rows go to the lake, never to the stream or the tables.
      const onStream = route.auth === 'apiKey' && route.method === 'POST';
      expect(wrote.published, label).toBe(onStream ? (parsed as { accepted: number }).accepted : 0);
      if (!onStream)
        expect({ registry: wrote.registry, graph: wrote.graph }, label).toEqual({ registry: [], graph: [] });
    }
    return res;
  };

  for (const route of ROUTES) {
    const key = routeKeyOf(route);
    const hasBody = route.method !== 'GET';

    if (hasBody) {
      it(`${key}: ${BODY_RUNS} fuzzed bodies, never a 5xx or a stack trace, nothing written when rejected`, async () => {
        const valid = caseOf(route).valid(ownTarget(route));
        await fc.assert(
          fc.asyncProperty(bodyArbitrary(valid.body), fc.boolean(), async (body, declareJson) => {
            const request = toRequest(route, { ...valid, body: undefined }, credentialFor(route));
            await send(route, {
              ...request,
              headers: {
                ...request.headers,
                'content-type': declareJson ? 'application/json' : 'text/plain',
              },
              body,
            });
          }),
          {
            numRuns: BODY_RUNS,
            seed: 6,
            examples: [
              [`{"${Object.keys(valid.body as object)[0]}":"${'x'.repeat(MIB)}"}`, true],
              ['['.repeat(100_000) + ']'.repeat(100_000), true],
              ['{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}', true],
              ...edgeExamples(valid.body).map((body) => [body, true] as [string, boolean]),
            ],
          },
        );
      });
    }

    const queryRuns = hasBody ? QUERY_RUNS_WITH_BODY : QUERY_RUNS;
    it(`${key}: ${queryRuns} fuzzed query strings and ${PATH_RUNS} path parameters`, async () => {
      const valid: RequestShape = caseOf(route).valid(ownTarget(route));
      await fc.assert(
        fc.asyncProperty(queryArbitrary(valid.query ?? {}), async (query) => {
          await send(route, { ...toRequest(route, valid, credentialFor(route)), query });
        }),
        { numRuns: queryRuns, seed: 6 },
      );
      if (!route.path.includes('{')) return;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            nastyString,
            fc.constantFrom('..', '%', '%00', '%E0%A4%A', '__proto__', 'constructor', 'x'.repeat(5000)),
          ),
          async (param) => {
            const request = toRequest(route, valid, credentialFor(route));
            // Replace the last path parameter of the route with the fuzzed value (encoded, as on the wire).
            const segments = request.path.split('/');
            const templates = route.path.split('/');
            const at = templates.findLastIndex((s) => s.startsWith('{'));
            segments[at] = param.includes('%') ? param : encodeOrRaw(param);
            await send(route, { ...request, path: segments.join('/') });
          },
        ),
        // An id far longer than any key DynamoDB takes once answered 500 (fixed in the router: 404).
        { numRuns: PATH_RUNS, seed: 6, examples: [['x'.repeat(5000)], ['\ud800']] },
      );
    });
  }

  it('Object.prototype is not polluted by any input', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(probe.isAdmin).toBeUndefined();
    expect(inputs).toBeGreaterThan(0);
  });
});
