/**
 * `npm run bench:local`: the whole local pipeline, measured on both local stacks in one run.
 *   1. throughput: N records (default 100,000: clicks, impressions, installs, in-app events) over HTTP →
 *      log → consumer → store + lake, from the first request to the last record consumed;
 *   2. latency of `POST /v1/events` (batches of 50, 2 a second: their events count in the throughput)
 *      WHILE that load runs, beside a no-op handler behind the same server (embedded stack: the
 *      `UNMOGROWP_BENCH_NO_OP_ROUTE` route; emulators: a bare server in this process), as a ratio;
 *   3. resident memory of the platform process after the run.
 * The platform runs in its own process (`scripts/start.ts`), as a user runs it. Merges its figures into
 * bench/results.json.
 *   npm run bench:local -- --records 100000 --emulator-records 5000 --stacks embedded,emulators
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { demoPlan } from '../src/local/demo-traffic.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    'emulator-records': { type: 'string', default: '3000' },
    stacks: { type: 'string', default: 'embedded,emulators' },
    rate: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '4' },
    'no-write': { type: 'boolean', default: false },
  },
});
const resultsFile = 'bench/results.json';

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

interface Running {
  readonly child: ChildProcess;
  readonly endpoint: string;
  readonly apiKey: string;
  readonly dataDir?: string;
}

/** Starts `npm start` (embedded or `--emulators`) in a child process; resolves with its facts. */
async function startPlatform(stack: 'embedded' | 'emulators'): Promise<Running> {
  const dataDir = stack === 'embedded' ? mkdtempSync(join(tmpdir(), 'unmogrowp-bench-')) : undefined;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/start.ts', ...(stack === 'emulators' ? ['--emulators'] : [])],
    {
      env: {
        ...process.env,
        PORT: '0',
        UNMOGROWP_BENCH_NO_OP_ROUTE: '1',
        ...(dataDir ? { UNMOGROWP_DATA_DIR: dataDir } : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${stack} platform did not start in 180 s`)), 180_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const endpoint = /"endpoint": "([^"]+)"/.exec(out)?.[1];
      const apiKey = /"apiKey": "([^"]+)"/.exec(out)?.[1];
      if (endpoint && apiKey) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve({ child, endpoint, apiKey, ...(dataDir ? { dataDir } : {}) });
      }
    });
    child.once('exit', (code) => reject(new Error(`${stack} platform exited (${code}) before it started`)));
  });
}

async function stopPlatform(running: Running): Promise<void> {
  const exited = new Promise((r) => running.child.once('exit', r));
  running.child.kill('SIGINT');
  await exited;
  if (running.dataDir) rmSync(running.dataDir, { recursive: true, force: true });
}

/** Resident set size of a process, from /proc (Linux). */
function residentMiB(
  pid: number | undefined,
): { total: number; anonymous: number; file: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mib = (field: string) =>
      Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]) / 1024);
    // File-backed pages are mostly LMDB's memory map: the kernel's page cache, reclaimable.
    return { total: mib('VmRSS'), anonymous: mib('RssAnon'), file: mib('RssFile') + mib('RssShmem') };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

interface Health {
  pipeline: { consumedRecords: number; consumerMs?: Record<string, number> };
}
const health = async (endpoint: string): Promise<Health> =>
  (await (await fetch(`${endpoint}/health`)).json()) as Health;

/** The requests of N records: touchpoints first (networks report clicks before installs), 500 a request. */
function workload(records: number) {
  const plan = demoPlan({ devices: Math.ceil(records / 2), nowMs: Date.now(), seed: 7 });
  const strip = ({ deviceIndex: _, install_referrer: __, ...event }: Record<string, unknown>) => event;
  const requests: { path: string; body: string; count: number }[] = [];
  let remaining = records;
  const add = (path: string, key: string, items: readonly unknown[]) => {
    for (let i = 0; i < items.length && remaining > 0; i += 500) {
      const batch = items.slice(i, i + Math.min(500, remaining));
      remaining -= batch.length;
      requests.push({ path, body: JSON.stringify({ [key]: batch }), count: batch.length });
    }
  };
  add('/v1/touchpoints', 'touchpoints', plan.touchpoints);
  add('/v1/events', 'events', plan.events.map(strip));
  return requests;
}

/**
 * Posts batches of 50 events at `rate` a second to `url` until `stop()`; answers the latencies (ms).
 */
function probe(url: string, headers: Record<string, string>, rate: number, prefix: string) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let sequence = 0;
  let running = true;
  const inFlight = new Set<Promise<void>>();
  const nowIso = new Date().toISOString();
  const fire = () => {
    const batch = sequence++;
    const body = JSON.stringify({
      events: Array.from({ length: 50 }, (_, i) => ({
        event_id: `${prefix}-${batch}-${i}`,
        type: i === 0 ? 'install' : 'session',
        timestamp: nowIso,
        device: {
          platform: 'android',
          advertising_id: `00000000-0000-4000-8${prefix === 'probe' ? '0' : '1'}00-${String(batch).padStart(12, '0')}`,
        },
      })),
    });
    const started = performance.now();
    const request = fetch(url, { method: 'POST', headers, body })
      .then(async (res) => {
        await res.arrayBuffer();
        latencies.push(performance.now() - started);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      })
      .catch(() => {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };
  const timer = setInterval(() => running && fire(), 1000 / rate);
  return {
    async stop() {
      running = false;
      clearInterval(timer);
      await Promise.all(inFlight);
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        requests: sorted.length,
        p50_ms: round(percentile(sorted, 50)),
        p95_ms: round(percentile(sorted, 95)),
        p99_ms: round(percentile(sorted, 99)),
        statuses: Object.fromEntries(statuses),
      };
    },
  };
}

/** A server answering every request 202 at once: the floor of the latency probe. */
async function startNoOpServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"accepted":50,"rejected":[]}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/v1/events`,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

async function run(stack: 'embedded' | 'emulators', records: number) {
  console.log(`\n== ${stack}: ${records} records through HTTP → log → consumer → store + lake`);
  const requests = workload(records);
  const total = requests.reduce((n, r) => n + r.count, 0);
  const running = await startPlatform(stack);
  const noOp = await startNoOpServer();
  try {
    const headers = { 'content-type': 'application/json', 'x-api-key': running.apiKey };
    const bar = new cliProgress.SingleBar(
      { format: '   |{bar}| {value}/{total} records {stage}', noTTYOutput: true, notTTYSchedule: 10_000 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total * 2, 0, { stage: 'sent' });
    const rate = Number(args.rate);
    // The probes run while the load does; their own events are not counted in the throughput.
    const loaded = probe(`${running.endpoint}/v1/events`, headers, rate, 'probe');
    const floorUrl = stack === 'embedded' ? `${running.endpoint}/bench/no-op` : noOp.url;
    const floor = probe(floorUrl, headers, rate, 'floor');
    const cpuBefore = cpuSeconds(running.child.pid) ?? 0;
    const started = performance.now();
    let next = 0;
    let accepted = 0;
    const send = async () => {
      while (next < requests.length) {
        const request = requests[next++];
        if (!request) break;
        const res = await fetch(`${running.endpoint}${request.path}`, {
          method: 'POST',
          headers,
          body: request.body,
        });
        accepted += ((await res.json()) as { accepted?: number }).accepted ?? 0;
        bar.increment(request.count);
      }
    };
    await Promise.all(Array.from({ length: Number(args.concurrency) }, send));
    const sentMs = performance.now() - started;
    const baseline = await health(running.endpoint);
    // The probes measure while the load runs: the sending, and at least 20 s of the consumer's work.
    await new Promise((r) => setTimeout(r, Math.max(0, 20_000 - sentMs)));
    const [latency, floorLatency] = await Promise.all([loaded.stop(), floor.stop()]);
    bar.update(total, { stage: 'consumed' });
    // Drained: `?drain=1` answers once everything appended before it was consumed (2 min at most a call).
    for (;;) {
      const res = await fetch(`${running.endpoint}/health?drain=1`).catch(() => undefined);
      if (res?.ok) break;
    }
    const pipelineMs = performance.now() - started;
    const after = await health(running.endpoint);
    bar.update(total * 2, { stage: 'consumed' });
    bar.stop();
    const probeRecords = latency.requests * 50;
    const rssMiB = residentMiB(running.child.pid);
    const cpu = (cpuSeconds(running.child.pid) ?? Number.NaN) - cpuBefore;
    const result = {
      records: total + probeRecords,
      workload_records: total,
      probe_records: probeRecords,
      accepted,
      consumer_batch_size: stack === 'embedded' ? 500 : 100,
      ingest_records_per_sec: Math.round(total / (sentMs / 1000)),
      pipeline_records_per_sec: Math.round((total + probeRecords) / (pipelineMs / 1000)),
      pipeline_seconds: round(pipelineMs / 1000),
      consumed_when_sending_ended: baseline.pipeline.consumedRecords,
      // CPU the platform process used (both threads): a figure other load on the machine does not skew.
      platform_cpu_seconds: round(cpu),
      records_per_platform_cpu_second: Math.round((total + probeRecords) / cpu),
      load_average_1m: round(loadavg()[0] ?? Number.NaN, 2),
      ...(after.pipeline.consumerMs ? { consumer_ms: after.pipeline.consumerMs } : {}),
      events_post_latency_under_load: { rate_per_sec: rate, batch_size: 50, ...latency },
      no_op_floor_latency: {
        rate_per_sec: rate,
        where:
          stack === 'embedded'
            ? 'a no-op route of the same server'
            : 'a bare server in the benchmark process',
        ...floorLatency,
      },
      latency_ratio_vs_no_op: {
        p50: round(latency.p50_ms / floorLatency.p50_ms),
        p95: round(latency.p95_ms / floorLatency.p95_ms),
        p99: round(latency.p99_ms / floorLatency.p99_ms),
      },
      ...(rssMiB === undefined ? {} : { resident_mib_after: rssMiB }),
    };
    console.log(JSON.stringify(result, null, 2));
    return result;
  } finally {
    await noOp.close();
    await stopPlatform(running);
  }
}

const results: Record<string, unknown> = {};
for (const stack of args.stacks.split(',') as ('embedded' | 'emulators')[]) {
  const records = Number(stack === 'emulators' ? args['emulator-records'] : args.records);
  results[stack] = await run(stack, records);
}

if (!args['no-write']) {
  const previous = existsSync(resultsFile)
    ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>)
    : {};
  const machine = {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    node: process.version,
    date: new Date().toISOString(),
  };
  const embedded = results.embedded as { pipeline_records_per_sec: number } | undefined;
  const emulators = results.emulators as { pipeline_records_per_sec: number } | undefined;
  writeFileSync(
    resultsFile,
    `${JSON.stringify(
      {
        ...previous,
        local_stacks: {
          ...((previous.local_stacks as Record<string, unknown> | undefined) ?? {}),
          ...results,
          ...(embedded && emulators
            ? {
                embedded_vs_emulators: round(
                  embedded.pipeline_records_per_sec / emulators.pipeline_records_per_sec,
                ),
              }
            : {}),
          command: `npm run bench:local -- ${process.argv.slice(2).join(' ')}`.trim(),
          machine,
        },
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwritten to ${resultsFile} (local_stacks)`);
}
