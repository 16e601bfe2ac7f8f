import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AttributionEngine,
  DEFAULT_SETTINGS,
  InMemoryAttributionStore,
  type PipelineRecord,
} from '../src/domain/index.js';
import { partsFromEnv, runLambdaBench } from './latency.js';
import { buildWorkload, chunks, encodeForKinesis } from './workload.js';

/**
 * `npm run bench`: the attribution pipeline on one core (the engine is single-threaded) with the
 * in-memory store, against the cost of only decoding the same records (base64 + JSON.parse) as the
 * Kinesis consumer receives them. Writes `bench/results.json`, merged into what is already there.
 * Then `bench/latency.ts`: bundle sizes, cold init and ingest latency. BENCH_PARTS (comma-separated:
 * engine, bundles, cold, latency) picks parts; default all.
 *
 * Definitions (also in docs/attribution-rules.md):
 * - decode-only: for every batch, base64 + JSON.parse of each record; nothing else.
 * - engine (pipeline): for every batch, the same decode followed by `engine.processBatch`, so
 *   `engine_vs_decode_ratio = engine_ms / decode_only_ms` is the whole consumer path over its floor.
 * - engine-only: `processBatch` alone (decoding timed apart), reported as `engine_only_*`.
 * Workload generation and encoding happen before any timing. Each timed phase runs
 * `BENCH_ROUNDS` times on a fresh store (decode, engine, decode, engine, …, decode) and the fastest
 * round counts: on a shared machine, interference only ever adds time. CPU time
 * (`process.cpuUsage`, user + system) is reported beside wall time; `*_cpu_ratio` uses it.
 */

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100_000);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 500);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const DATA_CENTER_CIDRS = ['34.64.0.0/10', '35.184.0.0/13', '52.0.0.0/11', '2600:1f00::/24'];

interface Timing {
  ms: number;
  cpuMs: number;
}

function timer(): () => Timing {
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(cpu);
    return { ms: Number(process.hrtime.bigint() - wall) / 1e6, cpuMs: (c.user + c.system) / 1000 };
  };
}

function decodeBatch(batch: readonly string[]): PipelineRecord[] {
  const out = new Array<PipelineRecord>(batch.length);
  for (let i = 0; i < batch.length; i++) {
    out[i] = JSON.parse(Buffer.from(batch[i] as string, 'base64').toString('utf8')) as PipelineRecord;
  }
  return out;
}

async function runEngine(encoded: readonly string[][], tenantId: string) {
  const store = new InMemoryAttributionStore({ retainHistory: false });
  const engine = new AttributionEngine(store, {
    settingsFor: () => DEFAULT_SETTINGS,
    dataCenterCidrs: DATA_CENTER_CIDRS,
  });
  let records = 0;
  let attributions = 0;
  let eventAttributions = 0;
  let engineOnlyNs = 0n;
  const stop = timer();
  for (const batch of encoded) {
    const decoded = decodeBatch(batch);
    const t0 = process.hrtime.bigint();
    const r = await engine.processBatch(decoded);
    engineOnlyNs += process.hrtime.bigint() - t0;
    if (r.failedRecordIndexes.length > 0)
      throw new Error(`${tenantId}: ${r.failedRecordIndexes.length} failed`);
    records += decoded.length;
    for (const o of r.outcomes) {
      if (o.attribution) attributions++;
      if (o.eventAttribution) eventAttributions++;
    }
  }
  const t = stop();
  return { ...t, engineOnlyMs: Number(engineOnlyNs) / 1e6, records, attributions, eventAttributions };
}

function runDecode(encoded: readonly string[][]): Timing & { records: number } {
  let n = 0;
  const stop = timer();
  for (const batch of encoded) {
    for (const record of decodeBatch(batch)) if (record.kind) n++;
  }
  return { ...stop(), records: n };
}

function build(devices: number, tenantId: string) {
  const w = buildWorkload(devices, { tenantId });
  const records = [...w.touchpoints, ...w.events];
  const encoded = chunks(encodeForKinesis(records), BATCH_SIZE);
  return {
    encoded,
    recordCount: records.length,
    touchpoints: w.touchpoints.length,
    installs: w.installs,
    inAppEvents: w.inAppEvents,
  };
}

const gc = (globalThis as { gc?: () => void }).gc;

async function main() {
  const load = loadavg();
  // Warm-up on a separate tenant so the JIT has seen every path before the measured runs.
  const warm = build(Math.max(1000, Math.floor(DEVICES / 10)), 'warmup');
  await runEngine(warm.encoded, 'warmup');
  runDecode(warm.encoded);

  const w = build(DEVICES, 'bench');
  const decodes: ReturnType<typeof runDecode>[] = [];
  const engines: Awaited<ReturnType<typeof runEngine>>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    gc?.();
    decodes.push(runDecode(w.encoded));
    gc?.();
    engines.push(await runEngine(w.encoded, 'bench'));
  }
  gc?.();
  decodes.push(runDecode(w.encoded));
  const decode = decodes.reduce((a, b) => (b.ms < a.ms ? b : a));
  const engine = engines.reduce((a, b) => (b.ms < a.ms ? b : a));
  const decodeCpuMs = Math.min(...decodes.map((d) => d.cpuMs));
  const engineCpuMs = Math.min(...engines.map((e) => e.cpuMs));
  if (engine.records !== decode.records || engine.records !== w.recordCount)
    throw new Error(`record counts differ: engine ${engine.records}, decode ${decode.records}`);

  const perSec = (n: number, ms: number) => Math.round(n / (ms / 1000));
  const results = {
    engine_events_per_sec: perSec(engine.records, engine.ms),
    engine_attributions_per_sec: perSec(engine.attributions + engine.eventAttributions, engine.ms),
    engine_installs_per_sec: perSec(engine.attributions, engine.ms),
    engine_ms: Math.round(engine.ms),
    engine_cpu_ms: Math.round(engineCpuMs),
    engine_only_ms: Math.round(engine.engineOnlyMs),
    engine_only_events_per_sec: perSec(engine.records, engine.engineOnlyMs),
    engine_only_attributions_per_sec: perSec(
      engine.attributions + engine.eventAttributions,
      engine.engineOnlyMs,
    ),
    decode_records_per_sec: perSec(decode.records, decode.ms),
    decode_only_events_per_sec: perSec(decode.records, decode.ms),
    decode_only_ms: Math.round(decode.ms),
    decode_only_cpu_ms: Math.round(decodeCpuMs),
    engine_vs_decode_ratio: Number((engine.ms / decode.ms).toFixed(2)),
    engine_vs_decode_cpu_ratio: Number((engineCpuMs / decodeCpuMs).toFixed(2)),
    engine_only_vs_decode_ratio: Number((engine.engineOnlyMs / decode.ms).toFixed(2)),
    definitions: {
      engine_ms:
        'wall time of the consumer path per batch: base64 + JSON.parse of each record, then AttributionEngine.processBatch with InMemoryAttributionStore',
      engine_only_ms: 'the processBatch part of engine_ms alone',
      decode_only_ms: 'wall time of base64 + JSON.parse of the same records, nothing else',
      engine_vs_decode_ratio: 'engine_ms / decode_only_ms (decoding included in the engine time)',
      engine_vs_decode_cpu_ratio: 'the same with process CPU time (user + system, GC threads included)',
      engine_only_vs_decode_ratio: 'engine_only_ms / decode_only_ms',
      engine_attributions_per_sec: 'install decisions + credited events per second of engine_ms',
      rounds: `fastest of ${ROUNDS} engine rounds and ${ROUNDS + 1} interleaved decode rounds`,
    },
    workload: {
      devices: DEVICES,
      records: w.recordCount,
      touchpoints: w.touchpoints,
      installs: w.installs,
      in_app_events: w.inAppEvents,
      batch_size: BATCH_SIZE,
      decisions: engine.attributions,
      event_attributions: engine.eventAttributions,
      data_center_cidrs: DATA_CENTER_CIDRS.length,
    },
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cpus: cpus().length,
      cores_used: 1,
      load_average_1m_at_start: Number(load[0]?.toFixed(2)),
      node: process.version,
      date: new Date().toISOString(),
    },
  };

  const file = join(dirname(fileURLToPath(import.meta.url)), 'results.json');
  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // No results yet.
  }
  if (process.env.BENCH_NO_WRITE !== '1')
    writeFileSync(file, `${JSON.stringify({ ...existing, ...results }, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

// BENCH_PARTS picks parts (comma-separated): engine, bundles, cold, latency; default all of them.
if (!process.env.BENCH_PARTS || process.env.BENCH_PARTS.split(',').includes('engine')) await main();
const lambdaParts = partsFromEnv();
if (lambdaParts.size > 0) console.log(JSON.stringify(await runLambdaBench(lambdaParts), null, 2));
