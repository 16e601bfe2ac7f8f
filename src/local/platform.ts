import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateStreamCommand, DescribeStreamCommand, ResourceInUseException } from '@aws-sdk/client-kinesis';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
} from 'aws-lambda';
import {
  type AwsClients,
  createAwsClients,
  createDynamoDbClient,
  createKinesisClient,
  createS3Client,
  observeSdkCalls,
  type SdkCallObserver,
} from '../adapters/clients.js';
import { createTables } from '../adapters/dynamodb/create-tables.js';
import { sharedLocalDeliveryQueue } from '../adapters/postbacks/local-queue.js';
import { createBucket } from '../adapters/s3/lake-writer.js';
import { signLocalToken } from '../auth/jwt.js';
import { createApiLambda, provideLocalLake } from '../composition/api.js';
import { createConsumerLambda } from '../composition/consumer.js';
import { graphResolver } from '../composition/identity-graphs.js';
import { loadPostbackConfig, postbackSender, resumeLocalDeliveries } from '../composition/postbacks.js';
import { loadRuntimeConfig, RUNTIME_ENV } from '../config/runtime.js';
import { ENV } from '../definitions/environment.js';
import { HANDLERS, type HandlerName } from '../definitions/handlers.js';
import { ROUTES, type RouteDefinition } from '../definitions/routes.js';
import { TABLES } from '../definitions/tables.js';
import { LocalLakeQueries, S3RVER_OBJECT_SUFFIX } from './lake-sql.js';
import { PostbackStats } from './postback-stats.js';
import { type LocalServices, startLocalServices } from './services.js';
import { type DeadLetter, StreamPoller } from './stream-poller.js';

/**
 * Local mode (SPEC §2): the whole platform on one machine. Starts DynamoDB Local, kinesalite and s3rver,
 * creates the tables, stream and bucket from the same definitions the CDK stacks use, serves the API
 * routes through the Lambda handler modules themselves, and runs the attribution consumer on the stream
 * the way the event source mapping does.
 */

export interface LocalPlatformOptions {
  /** HTTP port. `0` picks a free one. @default 4000 */
  readonly port?: number;
  /** Keeps state across restarts. @default a fresh temporary state, deleted on stop */
  readonly dataDir?: string;
  /** Where `local.json` is written. @default `<cwd>/.unmogrowp` */
  readonly factsDir?: string;
  /** Shards of the local ingest stream. @default 2 */
  readonly shards?: number;
  /** Records per consumer call, as the event source mapping's batch size. @default 100 */
  readonly batchSize?: number;
  /** Writes progress lines. @default no output */
  readonly log?: (line: string) => void;
  /**
   * Counts what the platform uses once started (AWS SDK calls, API requests, Lambda invocations and
   * durations), for the cost model (`npm run cost`). @default nothing is counted
   */
  readonly meter?: PlatformMeter;
  /**
   * Internal hook of the soak harness (`src/local/soak`): fault injection. When set, every handler is
   * built for this start with its own AWS clients (not the Lambda modules' module-scope handlers, whose
   * clients would point at a previous start's services) and `instrument` adds middleware to them.
   * @default the handler modules' own handlers, no faults
   */
  readonly faults?: PlatformFaults;
  /**
   * The HS256 secret bearer tokens are signed and verified with (`npm start` passes
   * `UNMOGROWP_JWT_SECRET`), so tokens minted elsewhere with it are accepted.
   * @default a random secret kept in the state directory
   */
  readonly jwtSecret?: string;
}

/** The shortest `jwtSecret` accepted: HS256 wants a key of at least 256 bits. */
export const MIN_JWT_SECRET_LENGTH = 32;

/** Fault-injection hook on the AWS clients of each handler (see `LocalPlatformOptions.faults`). */
export interface PlatformFaults {
  instrument(clients: AwsClients, handler: HandlerName): void;
}

export interface LocalFacts {
  readonly endpoint: string;
  readonly adminToken: string;
  readonly tenants: {
    readonly tenantId: string;
    readonly apps: { readonly appId: string; readonly apiKey: string }[];
  }[];
  /** Where the pipeline's dead letters and stream are (`npx unmogrowp dlq --local`). */
  readonly pipeline?: {
    readonly dataDir: string;
    readonly region: string;
    /** The emulators' stream and lake; the embedded stack has neither (its log and lake are files). */
    readonly kinesisEndpoint?: string;
    readonly streamName: string;
    readonly s3Endpoint?: string;
    readonly lakeBucket?: string;
  };
}

export interface PipelineStats {
  /** Records the consumer handled (successfully or into the dead-letter file). */
  consumedRecords: number;
  deadLetters: number;
  /** Recent consumer batches: time, records, failures and lag (arrival to handling), for the dashboard. */
  readonly batches: { atMs: number; records: number; failed: number; lagMs: number }[];
}

export interface LocalPlatform {
  readonly facts: LocalFacts;
  readonly endpoint: string;
  readonly stats: PipelineStats;
  readonly lake: LocalLakeQueries;
  readonly services: LocalServices;
  /** Postback deliveries by destination (the dashboard's panel). */
  readonly postbacks: PostbackStats;
  /** Resolves once every postback job queued so far is sent, dead or waiting for a retry past `stop`. */
  drainPostbacks(): Promise<void>;
  /** Resolves once every record put on the stream before the call has been consumed. */
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const DEMO_TENANT = 'demo';
export const DEMO_APP = 'com.demo.game';
export const LAKE_BUCKET = 'unmogrowp-lake';
export const STREAM_NAME = 'unmogrowp-local-ingest';
export const tableName = (logicalName: string) => `unmogrowp-local-${logicalName}`;
/** The project root, where the Lambda entry points (`HANDLERS`) live, whatever the working directory. */
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type StreamHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

/**
 * The consumer's time budget per batch in local mode. Longer than the deployed function's (1 min):
 * DynamoDB Local serves requests one at a time, and on a loaded machine a batch that ran out of time
 * would be retried from scratch, over and over.
 */
const LOCAL_CONSUMER_TIMEOUT_MS = 10 * 60_000;

function lambdaContext(functionName: string, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomBytes(16).toString('hex'),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Matches a request path against a route template such as `/v1/click/{appId}`. */
export function matchRoute(
  method: string,
  path: string,
): { route: RouteDefinition; pathParameters: Record<string, string> } | undefined {
  const parts = path.split('/');
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const template = route.path.split('/');
    if (template.length !== parts.length) continue;
    const pathParameters: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < template.length && ok; i++) {
      const t = template[i] ?? '';
      const p = parts[i] ?? '';
      if (t.startsWith('{')) {
        if (!p) ok = false;
        else pathParameters[t.slice(1, -1)] = decodeURIComponent(p);
      } else if (t !== p) ok = false;
    }
    if (ok) return { route, pathParameters };
  }
  return undefined;
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

/** The proxy event API Gateway (REST, v1 payload) would hand the function for this request. */
export function toProxyEvent(
  req: IncomingMessage,
  url: URL,
  route: RouteDefinition,
  pathParameters: Record<string, string>,
  body: string | undefined,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  // Local mode only: X-Forwarded-For stands for the client's address, so demos can simulate devices.
  const sourceIp =
    headers['x-forwarded-for']?.split(',')[0]?.trim() || req.socket.remoteAddress || '127.0.0.1';
  return {
    httpMethod: route.method,
    path: url.pathname,
    resource: route.path,
    pathParameters,
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: null,
    headers,
    multiValueHeaders: {},
    body: body ?? null,
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: route.method,
      identity: {
        sourceIp,
        userAgent: headers['user-agent'] ?? null,
      } as APIGatewayProxyEvent['requestContext']['identity'],
      path: url.pathname,
      stage: 'local',
      requestId: randomBytes(8).toString('hex'),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: route.path,
    },
  };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(value));
}

async function ensureStream(client: ReturnType<typeof createKinesisClient>, shards: number): Promise<void> {
  try {
    await client.send(new CreateStreamCommand({ StreamName: STREAM_NAME, ShardCount: shards }));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let i = 0; i < 100; i++) {
    const d = await client.send(new DescribeStreamCommand({ StreamName: STREAM_NAME }));
    if (d.StreamDescription?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`local stream ${STREAM_NAME} did not become active`);
}

export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const log = options.log ?? (() => undefined);
  const persistent = options.dataDir !== undefined;
  // Fresh state lives in a temporary directory (DynamoDB Local then runs in memory); a data dir keeps it.
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), 'unmogrowp-local-')));
  mkdirSync(dataDir, { recursive: true });
  const factsDir = options.factsDir ?? join(process.cwd(), '.unmogrowp');
  const statePath = join(dataDir, 'state.json');
  const saved = existsSync(statePath)
    ? (JSON.parse(readFileSync(statePath, 'utf8')) as { jwtSecret: string; apiKeys: Record<string, string> })
    : { jwtSecret: randomBytes(32).toString('hex'), apiKeys: {} as Record<string, string> };
  if (options.jwtSecret !== undefined) {
    if (options.jwtSecret.length < MIN_JWT_SECRET_LENGTH) {
      throw new Error(
        `jwtSecret (UNMOGROWP_JWT_SECRET) must be at least ${MIN_JWT_SECRET_LENGTH} characters. Received ${options.jwtSecret.length}`,
      );
    }
    saved.jwtSecret = options.jwtSecret;
  }

  log(`starting DynamoDB Local, kinesalite and s3rver (state: ${persistent ? dataDir : 'fresh, temporary'})`);
  const services = await startLocalServices(persistent ? { dataDir: join(dataDir, 'services') } : {});
  const { endpoints } = services;
  const region = 'us-east-1';

  // The handlers read their configuration from the environment, as in Lambda.
  const env: Record<string, string> = {
    [ENV.stage]: 'local',
    [ENV.region]: region,
    [ENV.identityGraphTable]: tableName('IdentityGraph'),
    [ENV.tenantRegistryTable]: tableName('TenantRegistry'),
    [ENV.ingestStream]: STREAM_NAME,
    [ENV.lakeBucket]: LAKE_BUCKET,
    [ENV.dynamodbEndpoint]: endpoints.dynamodb,
    [ENV.kinesisEndpoint]: endpoints.kinesis,
    [ENV.s3Endpoint]: endpoints.s3,
    [ENV.powertoolsServiceName]: 'unmogrowp-local',
    [ENV.powertoolsMetricsNamespace]: 'UnMoGrowP',
    [RUNTIME_ENV.jwtSecret]: saved.jwtSecret,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    // Lambda's JSON logs are noise on a terminal; metrics still flow to the dashboard from the poller.
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_DEV: 'true',
  };
  Object.assign(process.env, env);

  log('creating tables, stream and bucket from the shared definitions');
  const dynamodb = createDynamoDbClient(region, endpoints.dynamodb);
  const kinesis = createKinesisClient(region, endpoints.kinesis);
  const s3 = createS3Client(region, endpoints.s3);
  await createTables(
    dynamodb,
    TABLES,
    Object.fromEntries(TABLES.map((t) => [t.logicalName, tableName(t.logicalName)])),
  );
  await ensureStream(kinesis, options.shards ?? 2);
  await createBucket(s3, LAKE_BUCKET);

  const modules = new Map<HandlerName, unknown>();
  for (const name of Object.keys(HANDLERS) as HandlerName[]) {
    const entry = join(PROJECT_ROOT, HANDLERS[name]);
    const module = (await import(entry)) as { handler: unknown };
    modules.set(name, options.faults ? await instrumentedHandler(name, options.faults) : module.handler);
  }
  const apiHandler = (name: HandlerName) => modules.get(name) as ApiHandler;
  const consumer = modules.get('consumer') as StreamHandler;

  // The meter counts from the moment the platform is up: not the tables, stream and demo tenant set-up.
  let metering = false;
  const timed = async <T>(functionName: string, invoke: () => Promise<T>): Promise<T> => {
    if (!metering || !options.meter) return invoke();
    return options.meter.invoke(functionName, invoke);
  };

  const stats: PipelineStats = { consumedRecords: 0, deadLetters: 0, batches: [] };
  const dlqFile = join(dataDir, 'dead-letters.jsonl');
  // kinesalite keeps its stream in memory, so a restart begins a new stream: old checkpoints name
  // sequence numbers it never had. `stop` drains the stream first, so nothing accepted is left behind.
  const checkpointFile = join(dataDir, 'checkpoints.json');
  rmSync(checkpointFile, { force: true });
  const poller = new StreamPoller({
    client: kinesis,
    streamName: STREAM_NAME,
    handler: (event) =>
      timed('consumer', () => consumer(event, lambdaContext('consumer', LOCAL_CONSUMER_TIMEOUT_MS))),
    batchSize: options.batchSize ?? 100,
    checkpointFile,
    region,
    onDeadLetter: (letter: DeadLetter) => {
      stats.deadLetters += letter.records.length;
      stats.consumedRecords += letter.records.length;
      appendFileSync(dlqFile, `${JSON.stringify(letter)}\n`);
    },
    onBatch: (info) => {
      stats.consumedRecords += info.handled;
      stats.batches.push({ atMs: Date.now(), records: info.records, failed: info.failed, lagMs: info.lagMs });
      if (stats.batches.length > 2000) stats.batches.splice(0, stats.batches.length - 2000);
    },
  });

  // Postbacks: the consumer module enqueues on the process's local queue; the same sender code as the
  // SQS Lambda sends from it (SPEC §7). What the queue held when the process last stopped goes again.
  const postbackStats = new PostbackStats();
  const postbackQueue = sharedLocalDeliveryQueue();
  {
    const config = loadRuntimeConfig();
    const clients = createAwsClients(config);
    const postbackConfig = loadPostbackConfig(config);
    postbackQueue.start(
      postbackSender(postbackConfig, clients, graphResolver(config, clients), {
        metrics: postbackStats,
        deadLetters: postbackQueue,
      }),
    );
    const resumed = await resumeLocalDeliveries(postbackConfig, clients, postbackQueue);
    if (resumed > 0) log(`resuming ${resumed} postback deliveries`);
  }

  const lake = new LocalLakeQueries(join(services.s3Directory, LAKE_BUCKET), {
    objectSuffix: S3RVER_OBJECT_SUFFIX,
  });
  // Replay reads the raw history through the same SQL as Athena's, here over DuckDB.
  provideLocalLake({ run: (query, parameters) => lake.report(query, parameters) as never });
  let dashboard: ((req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>) | undefined;

  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/health') {
        // `?drain=1` answers once everything put on the stream before the request has been consumed.
        if (url.searchParams.get('drain')) await poller.drain(120_000);
        return sendJson(res, 200, {
          status: 'ok',
          pipeline: {
            consumedRecords: stats.consumedRecords,
            deadLetters: stats.deadLetters,
            caughtUpAt: new Date(poller.caughtUpAtMs).toISOString(),
          },
        });
      }
      if (dashboard && (await dashboard(req, res, url))) return;
      const match = matchRoute(req.method ?? 'GET', url.pathname);
      if (!match) {
        const known = ROUTES.some((r) => matchRoute(r.method, url.pathname)?.route === r);
        return sendJson(res, known ? 405 : 404, {
          error: {
            code: known ? 'method_not_allowed' : 'route_not_found',
            message: `no route for ${req.method} ${url.pathname}`,
            details: [],
          },
        });
      }
      const body = await readBody(req, 2 * 1024 * 1024);
      const event = toProxyEvent(req, url, match.route, match.pathParameters, body);
      if (metering) options.meter?.recordApiRequest(`${match.route.method} ${match.route.path}`);
      const result = await timed(match.route.handler, () =>
        apiHandler(match.route.handler)(event, lambdaContext(match.route.handler)),
      );
      res.writeHead(result.statusCode, result.headers as Record<string, string>);
      res.end(result.body);
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

  poller.start();

  log('onboarding the demo tenant');
  const adminToken = await signLocalToken(saved.jwtSecret, {
    sub: 'local-owner',
    role: 'owner',
    tenant: '*',
  });
  const facts: LocalFacts = {
    endpoint,
    adminToken,
    tenants: [
      {
        tenantId: DEMO_TENANT,
        apps: [{ appId: DEMO_APP, apiKey: await demoApiKey(endpoint, adminToken, saved) }],
      },
    ],
    pipeline: {
      dataDir,
      region,
      kinesisEndpoint: endpoints.kinesis,
      streamName: STREAM_NAME,
      s3Endpoint: endpoints.s3,
      lakeBucket: LAKE_BUCKET,
    },
  };
  writeFileSync(statePath, JSON.stringify(saved));
  mkdirSync(factsDir, { recursive: true });
  writeFileSync(join(factsDir, 'local.json'), `${JSON.stringify(facts, null, 2)}\n`);

  const { createDashboard } = await import('./dashboard.js');
  dashboard = createDashboard({ stats, lake, facts, postbacks: postbackStats });

  const stopObserving = options.meter ? observeSdkCalls(options.meter.observe) : undefined;
  metering = true;
  let stopped = false;
  return {
    facts,
    endpoint,
    stats,
    lake,
    services,
    postbacks: postbackStats,
    drainPostbacks: () => postbackQueue.idle(),
    drain: (timeoutMs = 120_000) => poller.drain(timeoutMs),
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await poller
        .drain(15_000)
        .catch((error: unknown) => log(`stopping with records pending: ${(error as Error).message}`));
      await poller.stop();
      postbackQueue.stop();
      stopObserving?.();
      provideLocalLake(undefined);
      await lake.close();
      await services.stop();
      rmSync(join(factsDir, 'local.json'), { force: true });
      if (!persistent) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What the platform reports to a usage meter (the cost model's `UsageMeter` is one). */
export interface PlatformMeter {
  invoke<T>(functionName: string, handler: () => Promise<T>): Promise<T>;
  recordApiRequest(routeKey: string): void;
  readonly observe: SdkCallObserver;
}

/** A handler built for this start with its own clients, instrumented with the fault plan. */
async function instrumentedHandler(name: HandlerName, faults: PlatformFaults): Promise<unknown> {
  const config = loadRuntimeConfig();
  const clients = createAwsClients(config);
  faults.instrument(clients, name);
  if (name === 'consumer') return createConsumerLambda({ config, clients });
  return createApiLambda(name, { config, clients });
}

/** The demo app's API key: created on first start, kept in the state directory afterwards. */
export async function demoApiKey(
  endpoint: string,
  adminToken: string,
  saved: { apiKeys: Record<string, string> },
): Promise<string> {
  const known = saved.apiKeys[`${DEMO_TENANT}/${DEMO_APP}`];
  if (known) return known;
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const tenant = await fetch(`${endpoint}/v1/tenants`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ tenant_id: DEMO_TENANT, name: 'Demo tenant' }),
  });
  if (tenant.status !== 201 && tenant.status !== 409) {
    throw new Error(`creating the demo tenant failed: ${tenant.status} ${await tenant.text()}`);
  }
  const app = await fetch(`${endpoint}/v1/tenants/${DEMO_TENANT}/apps`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      app_id: DEMO_APP,
      name: 'Demo Game',
      store_urls: {
        android: `https://play.google.com/store/apps/details?id=${DEMO_APP}`,
        ios: 'https://apps.apple.com/app/id1234567890',
      },
      // Benchmarks, soak and cost runs drive the demo app at full local speed: the highest rate limit.
      settings: { rate_limit_per_second: 1000, daily_event_quota: 1_000_000_000 },
    }),
  });
  if (app.status !== 201) throw new Error(`creating the demo app failed: ${app.status} ${await app.text()}`);
  const apiKey = ((await app.json()) as { api_key?: string }).api_key;
  if (!apiKey) throw new Error('the app onboarding answer carries no API key');
  saved.apiKeys[`${DEMO_TENANT}/${DEMO_APP}`] = apiKey;
  return apiKey;
}
