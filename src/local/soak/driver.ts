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
import {
  type SentEvent,
  type SoakRequest,
  type SoakWorkload,
  sentEventOf,
  soakWorkload,
} from './workload.js';

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

/** The soak's options with their defaults, and what it set up before starting the platform. */
interface SoakSetup {
  readonly seed: number;
  readonly enabled: ReadonlySet<FaultKind>;
  readonly plan: FaultPlan;
  readonly shards: number;
  readonly batchSize: number;
  readonly maxBacklog: number;
  readonly concurrency: number;
  readonly log: (line: string) => void;
  readonly onProgress: SoakOptions['onProgress'];
  readonly dataDir: string;
  readonly nowMs: number;
  readonly workload: SoakWorkload;
  readonly total: number;
}

function soakSetup(options: SoakOptions): SoakSetup {
  const seed = options.seed ?? 1;
  const enabled = options.faults ?? new Set<FaultKind>();
  const nowMs = Date.now();
  return {
    seed,
    enabled,
    plan: new FaultPlan(enabled, seed, options.rates),
    shards: options.shards ?? 4,
    batchSize: options.batchSize ?? 100,
    maxBacklog: options.maxBacklog ?? 20_000,
    concurrency: options.concurrency ?? 4,
    log: options.log ?? (() => undefined),
    onProgress: options.onProgress,
    // tmpfs when there is one: DynamoDB Local's on-disk mode (needed to survive the restart) then costs
    // no disk flushes.
    dataDir: mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'unmogrowp-soak-')),
    nowMs,
    workload: soakWorkload({
      records: options.events,
      seed,
      nowMs,
      ...(options.itemsPerRequest ? { itemsPerRequest: options.itemsPerRequest } : {}),
    }),
    total: options.events,
  };
}

function startPlatform(setup: SoakSetup): Promise<LocalPlatform> {
  return startLocalPlatform({
    port: 0,
    dataDir: setup.dataDir,
    factsDir: join(setup.dataDir, 'facts'),
    shards: setup.shards,
    batchSize: setup.batchSize,
    faults: setup.plan,
    log: (line) => setup.log(`platform: ${line}`),
  });
}

type ApiAnswer = { rejected?: unknown[]; touchpoints?: { index: number; id: string }[] };

/** One attempt of a request: the status (0 when unanswered), the answer and how long to wait before a retry. */
interface Attempt {
  readonly status: number;
  readonly answer: ApiAnswer;
  readonly retryAfterMs: number;
}

/**
 * One soak run against a running platform: sends the workload (pausing for the restart, putting the
 * poisoned records), keeps the client-side record of what the API accepted, and reads the stores back.
 */
class SoakRun {
  phase: SoakProgress['phase'] = 'starting';
  readonly acceptedEvents = new Map<string, SentEvent>();
  readonly acceptedTouchpoints = new Set<string>();
  readonly statuses: Record<string, number> = {};
  readonly poisonSent: string[] = [];
  touchpointsInUnansweredAttempts = 0;
  acceptedRecords = 0;
  attempts = 0;
  private consumedBefore = 0;
  private paused: Promise<void> | undefined;
  private inFlight = 0;
  private apiKey = '';

  constructor(
    private readonly setup: SoakSetup,
    public platform: LocalPlatform,
  ) {}

  consumed(): number {
    return this.consumedBefore + this.platform.stats.consumedRecords;
  }

  progress(): void {
    const { phase, acceptedRecords: accepted } = this;
    this.setup.onProgress?.({ phase, total: this.setup.total, accepted, consumed: this.consumed() });
  }

  /** Sends every request, `concurrency` at a time, restarting and poisoning at their indexes. */
  async sendAll(): Promise<void> {
    const { workload, enabled, concurrency } = this.setup;
    this.apiKey = this.platform.facts.tenants[0]?.apps[0]?.apiKey ?? '';
    const requests = workload.requests.length;
    const restartAt = enabled.has('restart') ? Math.floor(requests / 2) : -1;
    const poisonAt = new Set(
      enabled.has('poison') ? [Math.floor(requests / 3), Math.floor((2 * requests) / 3)] : [],
    );
    this.phase = 'sending';
    let next = 0;
    const worker = async () => {
      while (next < requests) {
        const index = next++;
        if (index === restartAt) await this.pausedForRestart();
        if (poisonAt.has(index)) await this.poison(index);
        await this.send(index);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /** Holds every worker back while the platform restarts. */
  private async pausedForRestart(): Promise<void> {
    let resume: () => void = () => undefined;
    this.paused = new Promise<void>((r) => {
      resume = r;
    });
    const p = this.paused;
    await this.restart().finally(() => {
      this.paused = undefined;
      resume();
    });
    await p;
  }

  private async restart(): Promise<void> {
    const { log, plan } = this.setup;
    this.phase = 'restarting';
    log('restart: waiting for requests in flight, draining the stream');
    while (this.inFlight > 0) await sleep(20);
    await this.platform.drain(3_600_000);
    this.consumedBefore += this.platform.stats.consumedRecords;
    await this.platform.stop();
    log('restart: stopped; starting again on the same data directory');
    this.platform = await startPlatform(this.setup);
    this.apiKey = this.platform.facts.tenants[0]?.apps[0]?.apiKey ?? this.apiKey;
    plan.injected.restart++;
    this.phase = 'sending';
  }

  private async poison(n: number): Promise<void> {
    const marker = `soak-poison-${this.setup.seed}-${n}`;
    const kinesis = createKinesisClient('us-east-1', this.platform.services.endpoints.kinesis);
    // Not JSON: the consumer cannot decode it and must quarantine it with its reason.
    await kinesis.send(
      new PutRecordCommand({
        StreamName: STREAM_NAME,
        PartitionKey: marker,
        Data: Buffer.from(`{"kind":"event","event":{"event_id":"${marker}"`, 'utf8'),
      }),
    );
    kinesis.destroy();
    this.poisonSent.push(marker);
    this.setup.plan.injected.poison++;
  }

  /** Sends one request until the API accepts it, retrying 503, 429 and dropped connections. */
  private async send(index: number): Promise<void> {
    const request = this.setup.workload.requests[index];
    if (!request) return;
    for (let attempt = 1; ; attempt++) {
      while (this.paused) await this.paused;
      // Keep the stream's backlog bounded: kinesalite holds it in memory.
      while (this.acceptedRecords - this.consumed() > this.setup.maxBacklog) await sleep(100);
      const { status, answer, retryAfterMs } = await this.attempt(request, attempt);
      this.statuses[String(status)] = (this.statuses[String(status)] ?? 0) + 1;
      if (status === 202) return this.acknowledge(request, answer);
      if (status !== 0 && status !== 429 && status < 500) {
        throw new Error(`a soak request got ${status}: ${JSON.stringify(answer)}`);
      }
      // Unanswered: some of its records may be on the stream. Events are idempotent by event_id;
      // touchpoints get new ids on the retry, so the ones already on the stream stay unacknowledged.
      if (request.path === '/v1/touchpoints') this.touchpointsInUnansweredAttempts += request.items.length;
      if (attempt >= 40) throw new Error(`a soak request failed ${attempt} times (last status ${status})`);
      await sleep(retryAfterMs);
    }
  }

  private async attempt(request: SoakRequest, attempt: number): Promise<Attempt> {
    this.attempts++;
    this.inFlight++;
    let status = 0;
    let answer: ApiAnswer = {};
    let retryAfterMs = Math.min(2000, 50 * 2 ** Math.min(attempt, 6));
    try {
      const key = request.path === '/v1/events' ? 'events' : 'touchpoints';
      const res = await fetch(`${this.platform.endpoint}${request.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': this.apiKey },
        body: JSON.stringify({ [key]: request.items }),
      });
      status = res.status;
      const retryAfter = Number(res.headers.get('retry-after'));
      if (retryAfter > 0) retryAfterMs = Math.min(retryAfterMs, retryAfter * 1000);
      answer = (await res.json().catch(() => ({}))) as ApiAnswer;
    } catch {
      status = 0;
    } finally {
      this.inFlight--;
    }
    return { status, answer, retryAfterMs };
  }

  /** Records what a 202 acknowledged: the events by id, the touchpoints by the ids the API gave them. */
  private acknowledge(request: SoakRequest, answer: ApiAnswer): void {
    if ((answer.rejected ?? []).length > 0) {
      throw new Error(`the API rejected items of a soak request: ${JSON.stringify(answer.rejected)}`);
    }
    if (request.path === '/v1/events') {
      for (const item of request.items) this.acceptedEvents.set(String(item.event_id), sentEventOf(item));
    } else {
      for (const t of answer.touchpoints ?? []) this.acceptedTouchpoints.add(t.id);
    }
    this.acceptedRecords += request.items.length;
  }

  /** Reads the stores back and reconciles them against what the API accepted. */
  async reconcile(): Promise<ReconcileReport> {
    const { dataDir } = this.setup;
    const bucketDir = join(this.platform.services.s3Directory, LAKE_BUCKET);
    return reconcile(
      {
        events: this.acceptedEvents,
        touchpoints: this.acceptedTouchpoints,
        touchpointsInUnansweredAttempts: this.touchpointsInUnansweredAttempts,
      },
      {
        lake: readLakeFacts(bucketDir),
        counters: await this.readCounters(),
        poisonSent: this.poisonSent,
        quarantine: readQuarantine(bucketDir),
        deadLetterRecords: countDeadLetterRecords(join(dataDir, 'dead-letters.jsonl')),
      },
    );
  }

  /** The demo app's counters over the workload's days, summed by metric (and currency). */
  private async readCounters(): Promise<Map<string, number>> {
    const { nowMs } = this.setup;
    const graph = new IdentityGraph({
      documents: createDocumentClient(
        createDynamoDbClient('us-east-1', this.platform.services.endpoints.dynamodb),
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
    return counters;
  }
}

export async function runSoak(options: SoakOptions): Promise<SoakSummary> {
  const setup = soakSetup(options);
  const run = new SoakRun(setup, await startPlatform(setup));
  const ticker = setInterval(() => run.progress(), 500);
  const started = performance.now();
  try {
    await run.sendAll();
    run.phase = 'draining';
    await run.platform.drain(6 * 3_600_000);
    const sendSeconds = (performance.now() - started) / 1000;
    run.phase = 'reconciling';
    run.progress();
    const report = await run.reconcile();
    const { total, workload } = setup;
    return {
      records: total,
      seed: setup.seed,
      faults: [...setup.enabled],
      injected: { ...setup.plan.injected },
      workload: workload.counts,
      http: { requests: workload.requests.length, attempts: run.attempts, statuses: run.statuses },
      accepted: { events: run.acceptedEvents.size, touchpoints: run.acceptedTouchpoints.size },
      shards: setup.shards,
      batchSize: setup.batchSize,
      seconds: Math.round(sendSeconds * 10) / 10,
      recordsPerSecond: Math.round(total / sendSeconds),
      report,
    };
  } finally {
    clearInterval(ticker);
    await run.platform.stop();
    rmSync(setup.dataDir, { recursive: true, force: true });
  }
}
