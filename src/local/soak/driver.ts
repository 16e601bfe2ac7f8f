import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { createDocumentClient, createDynamoDbClient, createKinesisClient } from '../../adapters/clients.js';
import { IdentityGraph } from '../../adapters/dynamodb/identity-graph.js';
import {
  DEMO_APP,
  DEMO_TENANT,
  LAKE_BUCKET,
  type LocalPlatform,
  STREAM_NAME,
  startLocalPlatform,
  tableName,
} from '../platform.js';
import { type FaultKind, FaultPlan, type FaultRates } from './faults.js';
import { countDeadLetterRecords, readLakeFacts, readQuarantine } from './lake-files.js';
import { type ReconcileReport, reconcile } from './reconcile.js';
import { type SentEvent, sentEventOf, soakWorkload } from './workload.js';

/**
 * The soak: starts local mode with a data directory and a fault plan, drives the workload through the
 * HTTP API (retrying 503, 429 and dropped connections as a client SDK would), puts poisoned records
 * straight on the stream, restarts the platform half-way, drains, then reconciles the stores against
 * what the API accepted (`reconcile.ts`).
 */

export interface SoakOptions {
  /** Records to send (touchpoints + events). */
  readonly events: number;
  /** @default 1 */
  readonly seed?: number;
  /** Faults to inject. @default none */
  readonly faults?: ReadonlySet<FaultKind>;
  readonly rates?: FaultRates;
  /** Requests in flight. @default 4 */
  readonly concurrency?: number;
  /** Shards of the local stream (consumed concurrently). @default 4 */
  readonly shards?: number;
  /** Records per consumer call. @default 100 */
  readonly batchSize?: number;
  /** Items per API request. @default 250 */
  readonly itemsPerRequest?: number;
  /** Accepted but not yet consumed records at which sending pauses. @default 20000 */
  readonly maxBacklog?: number;
  readonly onProgress?: (progress: SoakProgress) => void;
  readonly log?: (line: string) => void;
}

export interface SoakProgress {
  readonly phase: 'starting' | 'sending' | 'restarting' | 'draining' | 'reconciling';
  readonly total: number;
  /** Records the API accepted so far. */
  readonly accepted: number;
  /** Records the consumer has handled (all starts). */
  readonly consumed: number;
}

export interface SoakSummary {
  readonly records: number;
  readonly seed: number;
  readonly faults: readonly FaultKind[];
  readonly injected: Readonly<Record<FaultKind, number>>;
  readonly workload: { clicks: number; impressions: number; installs: number; inAppEvents: number };
  readonly http: {
    readonly requests: number;
    readonly attempts: number;
    readonly statuses: Readonly<Record<string, number>>;
  };
  readonly accepted: { readonly events: number; readonly touchpoints: number };
  readonly shards: number;
  readonly batchSize: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly report: ReconcileReport;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSoak(options: SoakOptions): Promise<SoakSummary> {
  const seed = options.seed ?? 1;
  const enabled = options.faults ?? new Set<FaultKind>();
  const plan = new FaultPlan(enabled, seed, options.rates);
  const shards = options.shards ?? 4;
  const batchSize = options.batchSize ?? 100;
  const maxBacklog = options.maxBacklog ?? 20_000;
  const log = options.log ?? (() => undefined);
  // tmpfs when there is one: DynamoDB Local's on-disk mode (needed to survive the restart) then costs
  // no disk flushes.
  const dataDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'unmogrowp-soak-'));
  const nowMs = Date.now();
  const workload = soakWorkload({
    records: options.events,
    seed,
    nowMs,
    ...(options.itemsPerRequest ? { itemsPerRequest: options.itemsPerRequest } : {}),
  });
  const total = options.events;

  const acceptedEvents = new Map<string, SentEvent>();
  const acceptedTouchpoints = new Set<string>();
  let touchpointsInUnansweredAttempts = 0;
  let acceptedRecords = 0;
  let attempts = 0;
  const statuses: Record<string, number> = {};
  let consumedBefore = 0;
  let phase: SoakProgress['phase'] = 'starting';

  const start = () =>
    startLocalPlatform({
      port: 0,
      dataDir,
      factsDir: join(dataDir, 'facts'),
      shards,
      batchSize,
      faults: plan,
      log: (line) => log(`platform: ${line}`),
    });
  let platform: LocalPlatform = await start();
  const consumed = () => consumedBefore + platform.stats.consumedRecords;
  const progress = () =>
    options.onProgress?.({ phase, total, accepted: acceptedRecords, consumed: consumed() });
  const ticker = setInterval(progress, 500);
  const started = performance.now();

  try {
    let apiKey = platform.facts.tenants[0]?.apps[0]?.apiKey ?? '';
    let paused: Promise<void> | undefined;
    let inFlight = 0;
    const restartAt = enabled.has('restart') ? Math.floor(workload.requests.length / 2) : -1;
    const poisonAt = new Set(
      enabled.has('poison')
        ? [Math.floor(workload.requests.length / 3), Math.floor((2 * workload.requests.length) / 3)]
        : [],
    );
    const poisonSent: string[] = [];

    const poison = async (n: number) => {
      const marker = `soak-poison-${seed}-${n}`;
      const kinesis = createKinesisClient('us-east-1', platform.services.endpoints.kinesis);
      // Not JSON: the consumer cannot decode it and must quarantine it with its reason.
      await kinesis.send(
        new PutRecordCommand({
          StreamName: STREAM_NAME,
          PartitionKey: marker,
          Data: Buffer.from(`{"kind":"event","event":{"event_id":"${marker}"`, 'utf8'),
        }),
      );
      kinesis.destroy();
      poisonSent.push(marker);
      plan.injected.poison++;
    };

    const restart = async () => {
      phase = 'restarting';
      log('restart: waiting for requests in flight, draining the stream');
      while (inFlight > 0) await sleep(20);
      await platform.drain(3_600_000);
      consumedBefore += platform.stats.consumedRecords;
      await platform.stop();
      log('restart: stopped; starting again on the same data directory');
      platform = await start();
      apiKey = platform.facts.tenants[0]?.apps[0]?.apiKey ?? apiKey;
      plan.injected.restart++;
      phase = 'sending';
    };

    const send = async (index: number) => {
      const request = workload.requests[index];
      if (!request) return;
      for (let attempt = 1; ; attempt++) {
        while (paused) await paused;
        // Keep the stream's backlog bounded: kinesalite holds it in memory.
        while (acceptedRecords - consumed() > maxBacklog) await sleep(100);
        attempts++;
        inFlight++;
        let status = 0;
        let answer: { rejected?: unknown[]; touchpoints?: { index: number; id: string }[] } = {};
        let retryAfterMs = Math.min(2000, 50 * 2 ** Math.min(attempt, 6));
        try {
          const key = request.path === '/v1/events' ? 'events' : 'touchpoints';
          const res = await fetch(`${platform.endpoint}${request.path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
            body: JSON.stringify({ [key]: request.items }),
          });
          status = res.status;
          const retryAfter = Number(res.headers.get('retry-after'));
          if (retryAfter > 0) retryAfterMs = Math.min(retryAfterMs, retryAfter * 1000);
          answer = (await res.json().catch(() => ({}))) as typeof answer;
        } catch {
          status = 0;
        } finally {
          inFlight--;
        }
        statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
        if (status === 202) {
          if ((answer.rejected ?? []).length > 0) {
            throw new Error(`the API rejected items of a soak request: ${JSON.stringify(answer.rejected)}`);
          }
          if (request.path === '/v1/events') {
            for (const item of request.items) acceptedEvents.set(String(item.event_id), sentEventOf(item));
          } else {
            for (const t of answer.touchpoints ?? []) acceptedTouchpoints.add(t.id);
          }
          acceptedRecords += request.items.length;
          return;
        }
        if (status !== 0 && status !== 429 && status < 500) {
          throw new Error(`a soak request got ${status}: ${JSON.stringify(answer)}`);
        }
        // Unanswered: some of its records may be on the stream. Events are idempotent by event_id;
        // touchpoints get new ids on the retry, so the ones already on the stream stay unacknowledged.
        if (request.path === '/v1/touchpoints') touchpointsInUnansweredAttempts += request.items.length;
        if (attempt >= 40) throw new Error(`a soak request failed ${attempt} times (last status ${status})`);
        await sleep(retryAfterMs);
      }
    };

    phase = 'sending';
    let next = 0;
    const worker = async () => {
      while (next < workload.requests.length) {
        const index = next++;
        if (index === restartAt) {
          let resume: () => void = () => undefined;
          paused = new Promise<void>((r) => {
            resume = r;
          });
          const p = paused;
          await restart().finally(() => {
            paused = undefined;
            resume();
          });
          await p;
        }
        if (poisonAt.has(index)) await poison(index);
        await send(index);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));

    phase = 'draining';
    await platform.drain(6 * 3_600_000);
    const sendSeconds = (performance.now() - started) / 1000;

    phase = 'reconciling';
    progress();
    const bucketDir = join(platform.services.s3Directory, LAKE_BUCKET);
    const graph = new IdentityGraph({
      documents: createDocumentClient(
        createDynamoDbClient('us-east-1', platform.services.endpoints.dynamodb),
      ),
      tableName: tableName('IdentityGraph'),
    });
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const counters = new Map<string, number>();
    for (const row of await graph.readCounters(
      DEMO_TENANT,
      DEMO_APP,
      day(nowMs - 3 * 86_400_000),
      day(nowMs),
    )) {
      const key = row.currency === undefined ? row.metric : `${row.metric}#${row.currency}`;
      counters.set(key, (counters.get(key) ?? 0) + row.value);
    }
    const report = reconcile(
      { events: acceptedEvents, touchpoints: acceptedTouchpoints, touchpointsInUnansweredAttempts },
      {
        lake: readLakeFacts(bucketDir),
        counters,
        poisonSent,
        quarantine: readQuarantine(bucketDir),
        deadLetterRecords: countDeadLetterRecords(join(dataDir, 'dead-letters.jsonl')),
      },
    );
    return {
      records: total,
      seed,
      faults: [...enabled],
      injected: { ...plan.injected },
      workload: workload.counts,
      http: { requests: workload.requests.length, attempts, statuses },
      accepted: { events: acceptedEvents.size, touchpoints: acceptedTouchpoints.size },
      shards,
      batchSize,
      seconds: Math.round(sendSeconds * 10) / 10,
      recordsPerSecond: Math.round(total / sendSeconds),
      report,
    };
  } finally {
    clearInterval(ticker);
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
