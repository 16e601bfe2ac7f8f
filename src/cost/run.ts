import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS } from '../adapters/clients.js';
import { itemBytes } from '../adapters/dynamodb/billing.js';
import { ENV } from '../definitions/environment.js';
import { startLocalPlatform } from '../local/platform.js';
import { UsageMeter, type UsageMeterOptions } from './meter.js';
import type { Usage } from './model.js';
import { BILLING_RULES } from './prices.js';
import {
  type CostWorkload,
  type CostWorkloadOptions,
  costWorkload,
  type WorkloadRequest,
} from './workload.js';

/**
 * Runs the cost workload through local mode with a `UsageMeter` attached: starts the platform, sends the
 * workload's phases over HTTP (draining the stream between phases), then measures what the identity
 * graph holds. Shared by `npm run cost` and its smoke test.
 */

export interface CostRunOptions extends Omit<CostWorkloadOptions, 'nowMs'> {
  /** Requests in flight at once. @default 8 */
  readonly concurrency?: number;
  readonly meter?: UsageMeterOptions;
  /** Progress lines. @default no output */
  readonly log?: (line: string) => void;
}

export interface CostRun {
  readonly workload: CostWorkload;
  /** Records the API accepted (202 answers' `accepted`, and one per tracking-link redirect). */
  readonly accepted: number;
  /** Records rejected by validation (not written anywhere, still billed as requests). */
  readonly rejected: number;
  /** Records the consumer handled. */
  readonly consumed: number;
  readonly meter: UsageMeter;
  readonly usage: Usage;
  /** Items and bytes the identity graph holds after the run. */
  readonly table: { readonly items: number; readonly bytes: number };
  readonly seconds: number;
}

/**
 * `fetch`, retried when the server dropped an idle keep-alive connection as the request went out (a race
 * of Node's HTTP server under load): the request never reached a handler, so sending it again is safe.
 */
async function fetchRetrying(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (attempt >= 3 || (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET')) throw error;
    }
  }
}

/** The demo app the workload is sent to. */
interface DemoApp {
  readonly appId: string;
  readonly apiKey: string;
}

/** Records the API answered for, so far. */
interface Tally {
  accepted: number;
  rejected: number;
}

/**
 * Sends the workload's requests as clients would: tracking-link clicks as redirects (remembering the
 * referrer each installing device gets), touchpoint and event batches as POSTs with the app's key.
 */
function workloadSender(
  endpoint: string,
  app: DemoApp,
  tally: Tally,
): (request: WorkloadRequest) => Promise<void> {
  const referrers = new Map<number, string>();

  const click = async (request: Extract<WorkloadRequest, { kind: 'click' }>): Promise<void> => {
    const query = new URLSearchParams(request.query as Record<string, string>);
    const res = await fetchRetrying(`${endpoint}/v1/click/${encodeURIComponent(app.appId)}?${query}`, {
      redirect: 'manual',
      headers: { 'user-agent': request.userAgent, 'x-forwarded-for': request.ip },
    });
    await res.arrayBuffer();
    if (res.status !== 302) throw new Error(`GET /v1/click answered ${res.status}`);
    tally.accepted += 1;
    const referrer = new URL(res.headers.get('location') ?? '', endpoint).searchParams.get('referrer');
    if (referrer && request.deviceIndex !== undefined) referrers.set(request.deviceIndex, referrer);
  };

  /** An install from a tracking link carries the referrer its click answered. */
  const withReferrers = (request: Extract<WorkloadRequest, { kind: 'events' }>) =>
    request.events.map((e) => {
      if (e.install_referrer !== 'fromTrackingLink') return e;
      const { install_referrer: _, ...rest } = e;
      const referrer = referrers.get(request.deviceIndex);
      return referrer ? { ...rest, install_referrer: referrer } : rest;
    });

  const batch = async (request: Exclude<WorkloadRequest, { kind: 'click' }>): Promise<void> => {
    const path = request.kind === 'touchpoints' ? '/v1/touchpoints' : '/v1/events';
    const body =
      request.kind === 'touchpoints'
        ? { touchpoints: request.touchpoints }
        : { events: withReferrers(request) };
    const res = await fetchRetrying(`${endpoint}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': app.apiKey },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as { accepted?: number; rejected?: unknown[] };
    if (res.status !== 202) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(answer)}`);
    tally.accepted += answer.accepted ?? 0;
    tally.rejected += answer.rejected?.length ?? 0;
  };

  return (request) => (request.kind === 'click' ? click(request) : batch(request));
}

/** Sends one phase's requests, `concurrency` at a time, in order. */
async function sendPhase(
  phase: readonly WorkloadRequest[],
  send: (request: WorkloadRequest) => Promise<void>,
  concurrency: number,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < phase.length) {
        const request = phase[next++];
        if (request) await send(request);
      }
    }),
  );
}

export async function runCostWorkload(options: CostRunOptions): Promise<CostRun> {
  const log = options.log ?? (() => undefined);
  const meter = new UsageMeter(options.meter);
  // Its own facts directory: a running `npm start` keeps its `.unmogrowp/local.json`.
  const factsDir = mkdtempSync(join(tmpdir(), 'unmogrowp-cost-'));
  const platform = await startLocalPlatform({ port: 0, meter, log, factsDir });
  const started = performance.now();
  try {
    const app = platform.facts.tenants[0]?.apps[0];
    if (!app) throw new Error('the local platform lists no demo app');
    const workload = costWorkload({ ...options, nowMs: Date.now() });
    log(
      `workload: ${workload.records} records in ${workload.requests} requests (${workload.devices} installing devices)`,
    );
    const tally: Tally = { accepted: 0, rejected: 0 };
    const send = workloadSender(platform.endpoint, app, tally);
    for (const [index, phase] of workload.phases.entries()) {
      await sendPhase(phase, send, options.concurrency ?? 8);
      await platform.drain(1_800_000);
      log(`phase ${index + 1}/${workload.phases.length}: ${phase.length} requests sent and consumed`);
    }

    const table = await measureTable(platform.services.endpoints.dynamodb);
    return {
      workload,
      accepted: tally.accepted,
      rejected: tally.rejected,
      consumed: platform.stats.consumedRecords,
      meter,
      usage: meter.usage(tally.accepted, table.bytes),
      table,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await platform.stop();
    rmSync(factsDir, { recursive: true, force: true });
  }
}

/** Items and stored bytes of the identity graph (a client of its own, so the meter does not count the scan). */
async function measureTable(endpoint: string): Promise<{ items: number; bytes: number }> {
  const tableName = process.env[ENV.identityGraphTable];
  if (!tableName) throw new Error(`${ENV.identityGraphTable} is not set: is the local platform running?`);
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: LOCAL_CREDENTIALS }),
  );
  let items = 0;
  let bytes = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      items += 1;
      bytes += itemBytes(item) + BILLING_RULES.dynamodbItemOverheadBytes;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  documents.destroy();
  return { items, bytes };
}
