import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AttributionEngine,
  DEFAULT_SETTINGS,
  InMemoryAttributionStore,
  type PipelineRecord,
} from '../src/domain/index.js';
import { buildWorkload, chunks, encodeForKinesis } from './workload.js';

/**
 * `npm run bench`: attributions per second on one core (the engine is single-threaded) with the
 * in-memory store, against the cost of only decoding the same records (base64 + JSON.parse) as the
 * Kinesis consumer receives them. Writes `bench/results.json`, merged into what is already there.
 */

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100_000);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 500);
const DATA_CENTER_CIDRS = ['34.64.0.0/10', '35.184.0.0/13', '52.0.0.0/11', '2600:1f00::/24'];

async function runEngine(records: PipelineRecord[][], tenantId: string) {
  const store = new InMemoryAttributionStore();
  const engine = new AttributionEngine(store, {
    settingsFor: () => DEFAULT_SETTINGS,
    dataCenterCidrs: DATA_CENTER_CIDRS,
  });
  let attributions = 0;
  let eventAttributions = 0;
  const start = process.hrtime.bigint();
  for (const batch of records) {
    const r = await engine.processBatch(batch);
    if (r.failedRecordIndexes.length > 0)
      throw new Error(`${tenantId}: ${r.failedRecordIndexes.length} failed`);
    for (const o of r.outcomes) {
      if (o.attribution) attributions++;
      if (o.eventAttribution) eventAttributions++;
    }
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, attributions, eventAttributions, store };
}

function runDecode(encoded: string[][]): { ms: number; records: number } {
  let n = 0;
  const start = process.hrtime.bigint();
  for (const batch of encoded) {
    for (const data of batch) {
      const record = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as PipelineRecord;
      if (record.kind) n++;
    }
  }
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, records: n };
}

function build(devices: number, tenantId: string) {
  const w = buildWorkload(devices, { tenantId });
  const records = [...w.touchpoints, ...w.events];
  return { w, batches: chunks(records, BATCH_SIZE), encoded: chunks(encodeForKinesis(records), BATCH_SIZE) };
}

async function main() {
  // Warm-up on a separate tenant so the JIT has seen every path before the measured run.
  const warm = build(Math.max(1000, Math.floor(DEVICES / 10)), 'warmup');
  await runEngine(warm.batches, 'warmup');
  runDecode(warm.encoded);

  const { w, batches, encoded } = build(DEVICES, 'bench');
  const recordCount = w.touchpoints.length + w.events.length;
  const decode = runDecode(encoded);
  const engine = await runEngine(batches, 'bench');
  const decodeAgain = runDecode(encoded);
  const decodeMs = Math.min(decode.ms, decodeAgain.ms);

  const attributionsTotal = engine.attributions + engine.eventAttributions;
  const results = {
    engine_events_per_sec: Math.round(recordCount / (engine.ms / 1000)),
    engine_attributions_per_sec: Math.round(attributionsTotal / (engine.ms / 1000)),
    engine_installs_per_sec: Math.round(engine.attributions / (engine.ms / 1000)),
    engine_ms: Math.round(engine.ms),
    decode_only_events_per_sec: Math.round(decode.records / (decodeMs / 1000)),
    decode_only_ms: Math.round(decodeMs),
    engine_vs_decode_ratio: Number((engine.ms / decodeMs).toFixed(2)),
    workload: {
      devices: DEVICES,
      records: recordCount,
      touchpoints: w.touchpoints.length,
      installs: w.installs,
      in_app_events: w.inAppEvents,
      batch_size: BATCH_SIZE,
      decisions: engine.attributions,
      event_attributions: engine.eventAttributions,
      data_center_cidrs: DATA_CENTER_CIDRS.length,
    },
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores_used: 1,
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
  writeFileSync(file, `${JSON.stringify({ ...existing, ...results }, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

await main();
