/**
 * Lambda-side figures of `npm run bench` (issue 7), merged into bench/results.json:
 * - `bundle_sizes`: each function's minified bundle, built as the CDK builds it;
 * - `cold_init`: each bundle imported in a fresh `node` process, then a first trivial call (median);
 * - `ingest_latency`: p50/p95/p99 of POST /v1/events (batches of 50) and GET /v1/click/{appId},
 *   (a) in-process: the ingest Lambda handler called with API Gateway proxy events, and (b) through
 *   local mode's HTTP server with autocannon, both against DynamoDB Local and kinesalite.
 *   Requests run one at a time (autocannon: one connection), so the figures are service times.
 * Parts: BENCH_PARTS=bundles,cold,latency (default all three); BENCH_LATENCY_REQUESTS (default 300);
 * BENCH_COLD_RUNS (default 5). Run alone: `npx tsx bench/latency.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { HANDLERS } from '../src/definitions/handlers.js';
import { startLocalPlatform } from '../src/local/platform.js';
import { BUNDLE_BUDGET_BYTES, PROJECT_ROOT } from '../src/tools/bundle-size.js';
import { measureColdInit } from '../src/tools/cold-init.js';

type Part = 'bundles' | 'cold' | 'latency';
const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results.json');

/** The machine a figure was measured on. */
export function machine() {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: cpus().length,
    load_average_1m_at_start: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** Read-modify-write of bench/results.json: only the given keys change. */
export function mergeResults(results: Record<string, unknown>): void {
  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>;
  } catch {
    // No results yet.
  }
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ ...existing, ...results }, null, 2)}\n`);
}

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => {
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return Math.round((sorted[index] ?? Number.NaN) * 10) / 10;
  };
  return { requests: sorted.length, p50_ms: at(50), p95_ms: at(95), p99_ms: at(99) };
}

function proxyEvent(
  method: string,
  path: string,
  headers: Record<string, string>,
  options: { body?: string; query?: Record<string, string> } = {},
): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    headers,
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: options.body ?? null,
    isBase64Encoded: false,
    resource: path,
    requestContext: {
      requestId: `bench-${Math.random().toString(36).slice(2)}`,
      identity: { sourceIp: '198.51.100.7' },
    } as APIGatewayProxyEvent['requestContext'],
  };
}

const CLICK_QUERY = {
  network: 'bench',
  campaign: 'c1',
  advertising_id: '00000000-0000-4000-8000-000000000001',
};
const ANDROID_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36';

/** A batch of 50 SDK events of one new device (unique ids per batch). */
function eventsBody(tag: string, batch: number): string {
  const timestamp = new Date().toISOString();
  return JSON.stringify({
    events: Array.from({ length: 50 }, (_, i) => ({
      event_id: `${tag}-${batch}-${i}`,
      type: i === 0 ? 'install' : 'session',
      timestamp,
      device: {
        platform: 'android',
        advertising_id: `00000000-0000-4${tag === 'http' ? '1' : '0'}00-8000-${String(batch).padStart(12, '0')}`,
      },
    })),
  });
}

/** Sequential requests through autocannon (one connection); returns the response times of 2xx/3xx. */
async function autocannonLatency(
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  amount: number,
  body?: (i: number) => string,
): Promise<{ times: number[]; statuses: Record<string, number> }> {
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  let i = 0;
  await new Promise<void>((done, fail) => {
    const instance = autocannon(
      {
        url,
        method,
        headers,
        connections: 1,
        amount,
        ...(body ? { requests: [{ setupRequest: (request) => ({ ...request, body: body(i++) }) }] } : {}),
      },
      (error) => (error ? fail(error) : done()),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode < 400) times.push(responseTime);
    });
  });
  return { times, statuses };
}

async function ingestLatency(requests: number) {
  const platform = await startLocalPlatform({ port: 0, log: () => undefined });
  try {
    const app = platform.facts.tenants[0]?.apps[0];
    if (!app) throw new Error('the local platform has no demo app');
    const { handler } = (await import(join(PROJECT_ROOT, HANDLERS.ingest))) as {
      handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
    };
    const context = {
      functionName: 'ingest',
      awsRequestId: 'bench',
      getRemainingTimeInMillis: () => 10_000,
    } as unknown as Context;
    const json = { 'content-type': 'application/json', 'x-api-key': app.apiKey };

    async function inProcess(make: (i: number) => APIGatewayProxyEvent, expected: number) {
      for (let i = 0; i < 20; i++) await handler(make(-1 - i), context); // warm-up
      const times: number[] = [];
      for (let i = 0; i < requests; i++) {
        const started = performance.now();
        const out = await handler(make(i), context);
        times.push(performance.now() - started);
        if (out.statusCode !== expected) throw new Error(`in-process: ${out.statusCode} ${out.body}`);
      }
      return percentiles(times);
    }

    const postEvents = await inProcess(
      (i) => proxyEvent('POST', '/v1/events', json, { body: eventsBody('inproc', i + 1000) }),
      202,
    );
    const getClick = await inProcess(
      () => proxyEvent('GET', `/v1/click/${app.appId}`, { 'user-agent': ANDROID_UA }, { query: CLICK_QUERY }),
      302,
    );
    const query = new URLSearchParams(CLICK_QUERY).toString();
    const httpEvents = await autocannonLatency(
      `${platform.endpoint}/v1/events`,
      'POST',
      json,
      requests,
      (i) => eventsBody('http', i),
    );
    const httpClick = await autocannonLatency(
      `${platform.endpoint}/v1/click/${app.appId}?${query}`,
      'GET',
      { 'user-agent': ANDROID_UA },
      requests,
    );
    await platform.drain(120_000).catch(() => undefined);
    return {
      method:
        'Sequential requests (one at a time) after 20 warm-up calls, against local mode (DynamoDB Local, kinesalite). ' +
        'in_process: the ingest Lambda handler (Middy, Powertools) called with API Gateway proxy events; ' +
        "http: the same handler behind local mode's HTTP server, timed by autocannon (1 connection).",
      in_process: { post_events_batch_50: postEvents, get_click: getClick },
      http: {
        post_events_batch_50: { ...percentiles(httpEvents.times), statuses: httpEvents.statuses },
        get_click: { ...percentiles(httpClick.times), statuses: httpClick.statuses },
      },
    };
  } finally {
    await platform.stop();
  }
}

/** Measures the asked parts and merges them into bench/results.json; returns what it measured. */
export async function runLambdaBench(parts: ReadonlySet<Part>): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  if (parts.has('bundles') || parts.has('cold')) {
    const at = machine();
    const runs = Number(process.env.BENCH_COLD_RUNS ?? 5);
    const { bundles, coldInit } = parts.has('cold')
      ? await measureColdInit(runs)
      : { bundles: await (await import('../src/tools/bundle-size.js')).measureBundles(), coldInit: [] };
    results.bundle_sizes = {
      method:
        'esbuild with the CDK bundling options (src/tools/bundling.ts: ESM, minified, node24, AWS SDK clients bundled, the Powertools tracer and X-Ray SDK left out as in a function without traceSdkCalls); bytes of index.mjs without its source map',
      budget_bytes: BUNDLE_BUDGET_BYTES,
      machine: at,
      functions: Object.fromEntries(
        bundles.map((b) => [
          b.handler,
          { bytes: b.bytes, kib: Math.round(b.bytes / 1024), largest: b.packages.slice(0, 6) },
        ]),
      ),
    };
    if (parts.has('cold'))
      results.cold_init = {
        method: `Each bundle imported in a fresh node process (await import), then one handler call (API: a 404 path; consumer: an empty batch); median of ${runs} runs. process_ms includes Node's own start-up.`,
        machine: at,
        functions: Object.fromEntries(
          coldInit.map((c) => [
            c.handler,
            { import_ms: c.importMs, first_call_ms: c.firstCallMs, process_ms: c.processMs },
          ]),
        ),
      };
  }
  if (parts.has('latency')) {
    const at = machine();
    results.ingest_latency = {
      ...(await ingestLatency(Number(process.env.BENCH_LATENCY_REQUESTS ?? 300))),
      machine: at,
    };
  }
  if (process.env.BENCH_NO_WRITE !== '1') mergeResults(results);
  return results;
}

/** The parts named by BENCH_PARTS (comma-separated), default all. */
export function partsFromEnv(): Set<Part> {
  const all: Part[] = ['bundles', 'cold', 'latency'];
  const raw = process.env.BENCH_PARTS;
  if (!raw) return new Set(all);
  return new Set(raw.split(',').filter((p): p is Part => (all as string[]).includes(p)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await runLambdaBench(partsFromEnv()), null, 2));
}
