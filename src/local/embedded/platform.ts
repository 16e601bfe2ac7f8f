import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openEmbeddedDatabase } from '../../adapters/embedded/database.js';
import type { EmbeddedIdentityGraph } from '../../adapters/embedded/identity-graph.js';
import type { DispatchResult } from '../../app/postbacks/dispatcher.js';
import { createEmbeddedApiServices } from '../../composition/embedded.js';
import { loadRuntimeConfig, RUNTIME_ENV } from '../../config/runtime.js';
import { POSTBACK_ENV } from '../../definitions/postbacks.js';
import type { RetrySchedule } from '../../domain/postbacks/backoff.js';
import type { DeliverySubject } from '../../domain/postbacks/jobs.js';
import { createHttpApp } from '../../http/app.js';
import { lowerCaseHeaders } from '../../http/request.js';
import { LocalLakeQueries } from '../lake-sql.js';
import {
  closeServer,
  DEMO_APP,
  DEMO_TENANT,
  type LocalState,
  listen,
  localSourceIp,
  onboardDemo,
  openLocalState,
  readBody,
  removeLocalState,
  sendJson,
  writeFacts,
} from '../local-state.js';
import type { LocalFacts, PipelineStats } from '../platform.js';
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
/** Running from compiled JavaScript (the worker then loads `.js`), not through tsx. */
const COMPILED = import.meta.url.endsWith('.js');
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** The consumer worker thread, as the HTTP thread sees it. */
interface ConsumerWorker {
  readonly stats: PipelineStats;
  readonly timings: ConsumerTimings;
  /** When the worker last had consumed everything appended before, epoch ms. */
  caughtUpAtMs(): number;
  /** Resolves once every record appended to the log before the call has been consumed. */
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the attribution consumer in a worker thread on the embedded log; it hands each committed
 * batch's postback subjects back here to `dispatchPostbacks`. Resolves once the worker is ready.
 */
async function startConsumerWorker(
  workerData: ConsumerWorkerData,
  dispatchPostbacks: (subjects: readonly DeliverySubject[]) => Promise<DispatchResult>,
  log: (line: string) => void,
): Promise<ConsumerWorker> {
  const stats: PipelineStats = { consumedRecords: 0, deadLetters: 0, batches: [] };
  const timings: ConsumerTimings = { handlerMs: 0, loadMs: 0, commitMs: 0, lakeMs: 0 };
  let caughtUpAtMs = 0;
  const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData });
  let workerExit: Error | undefined;
  const onMessage = (message: FromWorker, ready: () => void) => {
    if (message.type === 'ready') ready();
    else if (message.type === 'log') log(message.line);
    else if (message.type === 'postbacks') {
      const answer = (reply: { result?: DispatchResult; error?: string }) =>
        worker.postMessage({ type: 'postbacks-dispatched', id: message.id, ...reply } satisfies ToWorker);
      dispatchPostbacks(message.subjects).then(
        (result) => answer({ result }),
        (error: unknown) => answer({ error: (error as Error).message }),
      );
    } else if (message.type === 'progress') {
      stats.consumedRecords = message.consumedRecords;
      stats.deadLetters = message.deadLetters;
      caughtUpAtMs = message.caughtUpAtMs;
      Object.assign(timings, message.timings);
      stats.batches.push(...message.batches);
      if (stats.batches.length > 2000) stats.batches.splice(0, stats.batches.length - 2000);
    }
  };
  await new Promise<void>((resolveReady, reject) => {
    worker.on('message', (message: FromWorker) => onMessage(message, resolveReady));
    worker.once('error', (error) => {
      workerExit = error;
      log(`consumer worker failed: ${error.message}`);
      reject(error);
    });
    worker.once('exit', (code) => {
      workerExit ??= new Error(`consumer worker exited (${code})`);
    });
  });
  return {
    stats,
    timings,
    caughtUpAtMs: () => caughtUpAtMs,
    async drain(timeoutMs = 120_000) {
      const since = Date.now();
      const deadline = since + timeoutMs;
      while (caughtUpAtMs < since) {
        if (workerExit) throw workerExit;
        if (Date.now() > deadline) throw new Error(`log not drained within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
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
    },
  };
}

type DashboardRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

/** The HTTP server: health, the dashboard once set, the benchmark's no-op route, and the API. */
function embeddedServer(
  api: ReturnType<typeof createHttpApp>,
  consumer: ConsumerWorker,
  log: (line: string) => void,
): { server: Server; setDashboard(route: DashboardRoute): void } {
  const benchNoOpRoute = process.env.UNMOGROWP_BENCH_NO_OP_ROUTE === '1';
  let dashboard: DashboardRoute | undefined;
  const health = () => ({
    status: 'ok',
    stack: 'embedded',
    pipeline: {
      consumedRecords: consumer.stats.consumedRecords,
      deadLetters: consumer.stats.deadLetters,
      caughtUpAt: new Date(consumer.caughtUpAtMs()).toISOString(),
      consumerMs: Object.fromEntries(Object.entries(consumer.timings).map(([k, v]) => [k, Math.round(v)])),
    },
  });
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/health') {
        // `?drain=1` answers once everything appended to the log before the request has been consumed.
        if (url.searchParams.get('drain')) await consumer.drain(120_000);
        return sendJson(res, 200, health());
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
        sourceIp: localSourceIp(req, headers['x-forwarded-for']),
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
  return { server, setDashboard: (route) => (dashboard = route) };
}

/**
 * The API's services over the embedded store. Postbacks (SPEC §7): destinations and the delivery log in
 * the database (they survive a restart), the same dispatcher and sender as in the cloud on an in-process
 * queue; the consumer worker sends each committed batch's subjects here, and the deliveries the queue
 * held when the process last stopped go out again (at-least-once).
 */
async function embeddedServices(
  db: ReturnType<typeof openEmbeddedDatabase>,
  config: ReturnType<typeof loadRuntimeConfig>,
  options: {
    readonly lakeDirectory: string;
    readonly shards: number;
    readonly lake: LocalLakeQueries;
    readonly postbackStats: PostbackStats;
    readonly postbackRetrySchedule?: RetrySchedule;
    readonly log: (line: string) => void;
  },
): Promise<ReturnType<typeof createEmbeddedApiServices>> {
  const { lake } = options;
  const built = createEmbeddedApiServices(db, config, {
    lakeDirectory: options.lakeDirectory,
    shards: options.shards,
    // The report rows are text, as Athena answers them.
    lake: { run: (query, parameters) => lake.report(query, parameters) as never },
    postbacks: {
      allowLoopback: process.env[POSTBACK_ENV.allowLoopback] === '1',
      metrics: options.postbackStats,
      ...(options.postbackRetrySchedule ? { retrySchedule: options.postbackRetrySchedule } : {}),
    },
  });
  const resumed = await built.postbacks.resume();
  if (resumed > 0) options.log(`resuming ${resumed} postback deliveries`);
  return built;
}

/** Onboards the demo tenant and writes `local.json`. */
async function embeddedFacts(endpoint: string, state: LocalState): Promise<LocalFacts> {
  const { adminToken, apiKey } = await onboardDemo(endpoint, state);
  const facts: LocalFacts = {
    endpoint,
    adminToken,
    tenants: [{ tenantId: DEMO_TENANT, apps: [{ appId: DEMO_APP, apiKey }] }],
    // The CLI finds the state (signing secret, dead letters) here: `tokens mint`, `dlq list --local`.
    pipeline: { dataDir: state.dataDir, region: REGION, streamName: EMBEDDED_STREAM_NAME },
  };
  writeFacts(state, facts);
  return facts;
}

export async function startEmbeddedPlatform(
  options: EmbeddedPlatformOptions = {},
): Promise<EmbeddedPlatform> {
  const log = options.log ?? (() => undefined);
  const state = openLocalState(options, 'unmogrowp-embedded-');
  const { dataDir, persistent } = state;
  const lakeDirectory = join(dataDir, 'lake');
  mkdirSync(lakeDirectory, { recursive: true });

  log(`opening the embedded store and log (state: ${persistent ? dataDir : 'fresh, temporary'})`);
  const noSync = options.noSync ?? false;
  const db = openEmbeddedDatabase(dataDir, { noSync });
  const shards = options.shards ?? 2;
  const config = loadRuntimeConfig({ ...process.env, [RUNTIME_ENV.jwtSecret]: state.saved.jwtSecret });
  const postbackStats = new PostbackStats();
  const lake = new LocalLakeQueries(lakeDirectory);
  const { services, graph, usageCounters, postbacks } = await embeddedServices(db, config, {
    lakeDirectory,
    shards,
    lake,
    postbackStats,
    ...(options.postbackRetrySchedule ? { postbackRetrySchedule: options.postbackRetrySchedule } : {}),
    log,
  });

  log('starting the consumer worker');
  const workerData: ConsumerWorkerData = {
    entry: new URL(`./consumer-worker${COMPILED ? '.js' : '.ts'}`, import.meta.url).href,
    compiled: COMPILED,
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
  const consumer = await startConsumerWorker(workerData, postbacks.dispatch, log);
  const { server, setDashboard } = embeddedServer(createHttpApp(services), consumer, log);
  const endpoint = await listen(server, options.port ?? 4000);

  log('onboarding the demo tenant');
  const facts = await embeddedFacts(endpoint, state);
  const { createDashboard } = await import('../dashboard.js');
  setDashboard(createDashboard({ stats: consumer.stats, lake, facts, postbacks: postbackStats }));

  // Usage-counter windows end every second, delivery records after 30 days: delete finished ones, as
  // DynamoDB's TTL would.
  const sweep = setInterval(() => {
    void usageCounters.sweepExpired().catch(() => undefined);
    void postbacks.store.sweepExpired().catch(() => undefined);
  }, 60_000);
  sweep.unref();

  let stopped = false;
  return {
    stack: 'embedded',
    facts,
    endpoint,
    dataDir,
    stats: consumer.stats,
    timings: consumer.timings,
    lake,
    graph,
    postbacks: postbackStats,
    drainPostbacks: () => postbacks.queue.idle(),
    drain: (timeoutMs) => consumer.drain(timeoutMs),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(sweep);
      await closeServer(server);
      await consumer.stop();
      postbacks.queue.stop();
      // A send still in flight records nothing from here: its delivery is resumed on the next start.
      await postbacks.store.close();
      await lake.close();
      await db.close();
      removeLocalState(state);
    },
  };
}
