import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openEmbeddedDatabase } from '../../adapters/embedded/database.js';
import type { EmbeddedIdentityGraph } from '../../adapters/embedded/identity-graph.js';
import { signLocalToken } from '../../auth/jwt.js';
import { createEmbeddedApiServices } from '../../composition/embedded.js';
import { loadRuntimeConfig, RUNTIME_ENV } from '../../config/runtime.js';
import { POSTBACK_ENV } from '../../definitions/postbacks.js';
import type { RetrySchedule } from '../../domain/postbacks/backoff.js';
import { createHttpApp } from '../../http/app.js';
import { lowerCaseHeaders } from '../../http/request.js';
import { LocalLakeQueries } from '../lake-sql.js';
import {
  DEMO_APP,
  DEMO_TENANT,
  demoApiKey,
  type LocalFacts,
  MIN_JWT_SECRET_LENGTH,
  type PipelineStats,
} from '../platform.js';
import { PostbackStats } from '../postback-stats.js';
import type { ConsumerTimings, ConsumerWorkerData, FromWorker, ToWorker } from './protocol.js';

/**
 * Local mode on the embedded stack (SPEC §2, the default of `npm start`): everything in this Node
 * process, nothing to install beyond `npm ci`. The HTTP thread serves the same routes as the deployed
 * API over the embedded store (LMDB under `<dataDir>/db`) and appends accepted records to the embedded
 * ordered log; a worker thread runs the attribution consumer on that log with the event source
 * mapping's semantics and writes the lake as JSON-lines files under `<dataDir>/lake`, which DuckDB
 * queries. State is durable: every accepted record and every commit is on disk before it is answered.
 *
 * @example
 * const platform = await startEmbeddedPlatform({ port: 0, dataDir: '/var/lib/unmogrowp' });
 * await fetch(`${platform.endpoint}/v1/events`, { method: 'POST', headers, body });
 * await platform.drain();
 * await platform.stop();
 */

export interface EmbeddedPlatformOptions {
  /** HTTP port. `0` picks a free one. @default 4000 */
  readonly port?: number;
  /** Keeps state across restarts. @default a fresh temporary state, deleted on stop */
  readonly dataDir?: string;
  /** Where `local.json` is written. @default `<cwd>/.unmogrowp` */
  readonly factsDir?: string;
  /** Shards of the log (fixed once the data directory has records). @default 2 */
  readonly shards?: number;
  /** Records per consumer call, as the event source mapping's batch size. @default 100 */
  readonly batchSize?: number;
  /**
   * Commit without waiting for the disk: a power cut may lose the latest commits (a process crash
   * does not). @default false
   */
  readonly noSync?: boolean;
  /** Writes progress lines. @default no output */
  readonly log?: (line: string) => void;
  /**
   * The HS256 secret bearer tokens are signed and verified with (`npm start` passes
   * `UNMOGROWP_JWT_SECRET`), so tokens minted elsewhere with it are accepted.
   * @default a random secret kept in the state directory
   */
  readonly jwtSecret?: string;
  /**
   * Back-off of failed postback deliveries (tests shorten it).
   * @default DEFAULT_RETRY_SCHEDULE: 30 s doubling to 1 hour, for 24 hours
   */
  readonly postbackRetrySchedule?: RetrySchedule;
}

export interface EmbeddedPlatform {
  readonly stack: 'embedded';
  readonly facts: LocalFacts;
  readonly endpoint: string;
  readonly dataDir: string;
  readonly stats: PipelineStats;
  readonly lake: LocalLakeQueries;
  /** Where the consumer's time went (cumulative ms by step), for the benchmark. */
  readonly timings: ConsumerTimings;
  /** The store the API reads (tests and benchmarks inspect it). */
  readonly graph: EmbeddedIdentityGraph;
  /** Postback deliveries by destination (the dashboard's panel). */
  readonly postbacks: PostbackStats;
  /** Resolves once every postback job queued so far is sent, dead or waiting for a retry. */
  drainPostbacks(): Promise<void>;
  /** Resolves once every record appended to the log before the call has been consumed. */
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const EMBEDDED_STREAM_NAME = 'unmogrowp-local-ingest';
const REGION = 'us-east-1';
const MAX_BODY_BYTES = 2 * 1024 * 1024;

interface SavedState {
  jwtSecret: string;
  apiKeys: Record<string, string>;
}

export async function startEmbeddedPlatform(
  options: EmbeddedPlatformOptions = {},
): Promise<EmbeddedPlatform> {
  const log = options.log ?? (() => undefined);
  const persistent = options.dataDir !== undefined;
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), 'unmogrowp-embedded-')));
  mkdirSync(dataDir, { recursive: true });
  const factsDir = options.factsDir ?? join(process.cwd(), '.unmogrowp');
  const lakeDirectory = join(dataDir, 'lake');
  mkdirSync(lakeDirectory, { recursive: true });
  const statePath = join(dataDir, 'state.json');
  const saved: SavedState = existsSync(statePath)
    ? (JSON.parse(readFileSync(statePath, 'utf8')) as SavedState)
    : { jwtSecret: randomBytes(32).toString('hex'), apiKeys: {} };
  if (options.jwtSecret !== undefined) {
    if (options.jwtSecret.length < MIN_JWT_SECRET_LENGTH) {
      throw new Error(
        `jwtSecret (UNMOGROWP_JWT_SECRET) must be at least ${MIN_JWT_SECRET_LENGTH} characters. Received ${options.jwtSecret.length}`,
      );
    }
    saved.jwtSecret = options.jwtSecret;
  }
  writeFileSync(statePath, JSON.stringify(saved));

  log(`opening the embedded store and log (state: ${persistent ? dataDir : 'fresh, temporary'})`);
  const noSync = options.noSync ?? false;
  const db = openEmbeddedDatabase(dataDir, { noSync });
  const shards = options.shards ?? 2;
  const config = loadRuntimeConfig({ ...process.env, [RUNTIME_ENV.jwtSecret]: saved.jwtSecret });
  // Postbacks (SPEC §7): destinations and the delivery log in the database (they survive a restart), the
  // same dispatcher and sender as in the cloud on an in-process queue; the consumer worker sends each
  // committed batch's subjects here.
  const postbackStats = new PostbackStats();
  const lake = new LocalLakeQueries(lakeDirectory);
  const { services, graph, usageCounters, postbacks } = createEmbeddedApiServices(db, config, {
    lakeDirectory,
    shards,
    // The report rows are text, as Athena answers them.
    lake: { run: (query, parameters) => lake.report(query, parameters) as never },
    postbacks: {
      allowLoopback: process.env[POSTBACK_ENV.allowLoopback] === '1',
      metrics: postbackStats,
      ...(options.postbackRetrySchedule ? { retrySchedule: options.postbackRetrySchedule } : {}),
    },
  });
  const { dispatch: dispatchPostbacks, queue: postbackQueue, store: postbackStore } = postbacks;
  // Deliveries the queue held when the process last stopped go out again (at-least-once).
  const resumed = await postbacks.resume();
  if (resumed > 0) log(`resuming ${resumed} postback deliveries`);
  const api = createHttpApp(services);

  log('starting the consumer worker');
  const stats: PipelineStats = { consumedRecords: 0, deadLetters: 0, batches: [] };
  let caughtUpAtMs = 0;
  const timings: ConsumerTimings = { handlerMs: 0, loadMs: 0, commitMs: 0, lakeMs: 0 };
  const workerData: ConsumerWorkerData = {
    entry: new URL(`./consumer-worker${import.meta.url.endsWith('.js') ? '.js' : '.ts'}`, import.meta.url)
      .href,
    compiled: import.meta.url.endsWith('.js'),
    dataDir,
    lakeDirectory,
    deadLetterFile: join(dataDir, 'dead-letters.jsonl'),
    shards,
    batchSize: options.batchSize ?? 500,
    noSync,
    defaultSettings: config.defaultSettings,
    dataCenterCidrs: config.dataCenterCidrs,
    streamName: EMBEDDED_STREAM_NAME,
    region: REGION,
    postbacks: true,
  };
  const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData });
  let workerExit: Error | undefined;
  const ready = new Promise<void>((resolveReady, reject) => {
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') resolveReady();
      else if (message.type === 'log') log(message.line);
      else if (message.type === 'postbacks') {
        dispatchPostbacks(message.subjects).then(
          (result) =>
            worker.postMessage({ type: 'postbacks-dispatched', id: message.id, result } satisfies ToWorker),
          (error: unknown) =>
            worker.postMessage({
              type: 'postbacks-dispatched',
              id: message.id,
              error: (error as Error).message,
            } satisfies ToWorker),
        );
      } else if (message.type === 'progress') {
        stats.consumedRecords = message.consumedRecords;
        stats.deadLetters = message.deadLetters;
        caughtUpAtMs = message.caughtUpAtMs;
        Object.assign(timings, message.timings);
        stats.batches.push(...message.batches);
        if (stats.batches.length > 2000) stats.batches.splice(0, stats.batches.length - 2000);
      }
    });
    worker.once('error', (error) => {
      workerExit = error;
      log(`consumer worker failed: ${error.message}`);
      reject(error);
    });
    worker.once('exit', (code) => {
      workerExit ??= new Error(`consumer worker exited (${code})`);
    });
  });
  await ready;

  const drain = async (timeoutMs = 120_000) => {
    const since = Date.now();
    const deadline = since + timeoutMs;
    while (caughtUpAtMs < since) {
      if (workerExit) throw workerExit;
      if (Date.now() > deadline) throw new Error(`log not drained within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const benchNoOpRoute = process.env.UNMOGROWP_BENCH_NO_OP_ROUTE === '1';
  let dashboard: ((req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>) | undefined;
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/health') {
        // `?drain=1` answers once everything appended to the log before the request has been consumed.
        if (url.searchParams.get('drain')) await drain(120_000);
        return sendJson(res, 200, {
          status: 'ok',
          stack: 'embedded',
          pipeline: {
            consumedRecords: stats.consumedRecords,
            deadLetters: stats.deadLetters,
            caughtUpAt: new Date(caughtUpAtMs).toISOString(),
            consumerMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])),
          },
        });
      }
      if (dashboard && (await dashboard(req, res, url))) return;
      // `npm run bench:local` only: the latency floor of this server (reads the body, answers 202).
      if (benchNoOpRoute && url.pathname === '/bench/no-op') {
        await readBody(req, MAX_BODY_BYTES);
        return sendJson(res, 202, { accepted: 0, rejected: [] });
      }
      const body = await readBody(req, MAX_BODY_BYTES);
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = v;
      const headers = lowerCaseHeaders(req.headers);
      const response = await api({
        method: (req.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        headers,
        query,
        ...(body === undefined ? {} : { body }),
        // Local mode only: X-Forwarded-For stands for the client's address, so demos can simulate devices.
        sourceIp:
          headers['x-forwarded-for']?.split(',')[0]?.trim() || req.socket.remoteAddress || '127.0.0.1',
        requestId: randomBytes(8).toString('hex'),
      });
      res.writeHead(response.statusCode, response.headers as Record<string, string> | undefined);
      res.end(response.body);
    } catch (error) {
      log(`request failed: ${(error as Error).message}`);
      if (!res.headersSent)
        sendJson(res, 500, { error: { code: 'internal_error', message: 'internal error', details: [] } });
    }
  });
  const port = options.port ?? 4000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolveListen());
  });
  const address = server.address();
  const endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;

  log('onboarding the demo tenant');
  const adminToken = await signLocalToken(saved.jwtSecret, {
    sub: 'local-owner',
    role: 'owner',
    tenant: '*',
  });
  const apiKey = await demoApiKey(endpoint, adminToken, saved);
  writeFileSync(statePath, JSON.stringify(saved));
  const facts: LocalFacts = {
    endpoint,
    adminToken,
    tenants: [{ tenantId: DEMO_TENANT, apps: [{ appId: DEMO_APP, apiKey }] }],
    // The CLI finds the state (signing secret, dead letters) here: `tokens mint`, `dlq list --local`.
    pipeline: { dataDir, region: REGION, streamName: EMBEDDED_STREAM_NAME },
  };
  mkdirSync(factsDir, { recursive: true });
  writeFileSync(join(factsDir, 'local.json'), `${JSON.stringify(facts, null, 2)}\n`);
  const { createDashboard } = await import('../dashboard.js');
  dashboard = createDashboard({ stats, lake, facts, postbacks: postbackStats });

  // Usage-counter windows end every second, delivery records after 30 days: delete finished ones, as
  // DynamoDB's TTL would.
  const sweep = setInterval(() => {
    void usageCounters.sweepExpired().catch(() => undefined);
    void postbackStore.sweepExpired().catch(() => undefined);
  }, 60_000);
  sweep.unref();

  let stopped = false;
  return {
    stack: 'embedded',
    facts,
    endpoint,
    dataDir,
    stats,
    timings,
    lake,
    graph,
    postbacks: postbackStats,
    drainPostbacks: () => postbackQueue.idle(),
    drain,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(sweep);
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      if (!workerExit) {
        const done = new Promise<void>((r) => {
          worker.on('message', (message: FromWorker) => {
            if (message.type === 'stopped') r();
          });
          worker.once('exit', () => r());
        });
        worker.postMessage({ type: 'stop' } satisfies ToWorker);
        await done;
      }
      await worker.terminate();
      postbackQueue.stop();
      // A send still in flight records nothing from here: its delivery is resumed on the next start.
      await postbackStore.close();
      await lake.close();
      await db.close();
      rmSync(join(factsDir, 'local.json'), { force: true });
      if (!persistent) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Keep reading past the limit only far enough for the handler to see the body is too large.
    if (size <= limit + 1) chunks.push(chunk as Buffer);
  }
  return chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(value));
}
