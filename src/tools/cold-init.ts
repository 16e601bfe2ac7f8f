/**
 * Cold init of each Lambda function: its bundle (as deployed, see `bundling.ts`) imported in a fresh
 * `node` process, then one trivial handler call (an API function: a request to a path it does not
 * serve, answered 404 without any AWS call; the consumer: an empty Kinesis batch). Median of `runs`.
 * Run: `npx tsx src/tools/cold-init.ts [runs]`
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ENV } from '../definitions/environment.js';
import type { HandlerName } from '../definitions/handlers.js';
import { type BundleSize, measureBundles, PROJECT_ROOT } from './bundle-size.js';

const run = promisify(execFile);

/** Where the benchmark writes the bundles (inside the project, so Node resolves what stays external). */
export const BUNDLE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'unmogrowp-bundles');

/** The child: imports the bundle, calls its handler once, prints one JSON line. */
const CHILD = `
const [bundle, kind] = process.argv.slice(1);
const t0 = performance.now();
const m = await import(bundle);
const t1 = performance.now();
const context = { functionName: 'cold', awsRequestId: 'cold-1', getRemainingTimeInMillis: () => 10000 };
const event = kind === 'consumer' ? { Records: [] } : {
  httpMethod: 'GET', path: '/cold-start-probe', headers: {}, multiValueHeaders: {}, queryStringParameters: null,
  multiValueQueryStringParameters: null, pathParameters: null, stageVariables: null, body: null,
  isBase64Encoded: false, resource: '/cold-start-probe', requestContext: { requestId: 'cold-1', identity: { sourceIp: '198.51.100.1' } },
};
const out = await m.handler(event, context);
const t2 = performance.now();
process.stdout.write('\\nCOLD ' + JSON.stringify({ importMs: t1 - t0, firstCallMs: t2 - t1, status: out?.statusCode ?? null }) + '\\n');
`;

export interface ColdInit {
  readonly handler: HandlerName;
  readonly runs: number;
  /** Median ms of `await import(bundle)` in a fresh process. */
  readonly importMs: number;
  /** Median ms of the first handler call after the import. */
  readonly firstCallMs: number;
  /** Median ms from spawning `node` to its exit (Node's own start-up included). */
  readonly processMs: number;
  /** What the first call answered (404 for an API function), as a check that it ran. */
  readonly firstCallStatus: number | null;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return Math.round(value * 10) / 10;
};

/**
 * Bundles every handler into `BUNDLE_DIR` and measures each one's cold init `runs` times. The children
 * get fake credentials and endpoints on a closed port: nothing in the measured path calls AWS.
 */
export async function measureColdInit(
  runs = 5,
  handlers?: readonly HandlerName[],
): Promise<{ bundles: BundleSize[]; coldInit: ColdInit[] }> {
  const bundles = await measureBundles({ outdir: BUNDLE_DIR, ...(handlers ? { handlers } : {}) });
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'cold',
    AWS_SECRET_ACCESS_KEY: 'cold',
    [ENV.dynamodbEndpoint]: 'http://127.0.0.1:9',
    [ENV.kinesisEndpoint]: 'http://127.0.0.1:9',
    [ENV.s3Endpoint]: 'http://127.0.0.1:9',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  const coldInit: ColdInit[] = [];
  for (const bundle of bundles) {
    const samples: { importMs: number; firstCallMs: number; processMs: number; status: number | null }[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const { stdout } = await run(
        process.execPath,
        ['--input-type=module', '-e', CHILD, bundle.file ?? '', bundle.handler],
        { env, cwd: PROJECT_ROOT, maxBuffer: 8 * 1024 * 1024 },
      );
      const processMs = performance.now() - started;
      const line = stdout.split('\n').find((l) => l.startsWith('COLD '));
      if (!line) throw new Error(`${bundle.handler}: the cold-start child printed no result:\n${stdout}`);
      const result = JSON.parse(line.slice(5)) as {
        importMs: number;
        firstCallMs: number;
        status: number | null;
      };
      samples.push({ ...result, processMs });
    }
    coldInit.push({
      handler: bundle.handler,
      runs,
      importMs: median(samples.map((s) => s.importMs)),
      firstCallMs: median(samples.map((s) => s.firstCallMs)),
      processMs: median(samples.map((s) => s.processMs)),
      firstCallStatus: samples[0]?.status ?? null,
    });
  }
  return { bundles, coldInit };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { coldInit } = await measureColdInit(Number(process.argv[2] ?? 5));
  for (const c of coldInit)
    console.log(
      `${c.handler.padEnd(9)} import ${c.importMs} ms, first call ${c.firstCallMs} ms (${c.firstCallStatus}), process ${c.processMs} ms  (median of ${c.runs})`,
    );
}
