import { createHash } from 'node:crypto';
import {
  type AppEvent,
  AttributionEngine,
  InMemoryAttributionStore,
  type PipelineRecord,
  resolveSettings,
  type Touchpoint,
  type UnitOfWork,
} from '../src/domain/index.js';
import { buildWorkload, chunks, rng } from './workload.js';

/**
 * `npx tsx bench/fingerprint.ts`: a behaviour fingerprint of the engine for performance work. It runs
 * the bench workload and a randomised, rule-dense workload (merges, reinstalls, reattributions,
 * re-engagements, every fraud rule, flag and reject modes, probabilistic matching off, duplicates,
 * batch edges) and prints one SHA-256 over every outcome, every unit of work and the store's counters
 * (as JSON with sorted keys, so property order does not count).
 * An optimisation that keeps the printed hash keeps the engine's observable behaviour.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2026-06-01T00:00:00Z');

const UAS = [
  'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UD1A.230803.041) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
  'Dalvik/2.1.0 (Linux; U; Android 13; SM-S911B Build/TP1A.220624.014)',
  'okhttp/4.12.0',
];

function randomWorkload(n: number, seed: number): PipelineRecord[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const hex = (v: number) => v.toString(16).padStart(12, '0');
  const adids = Array.from({ length: 60 }, (_, i) => `3f1e2d4c-5b6a-4789-9abc-${hex(i + 1)}`);
  adids.push('00000000-0000-0000-0000-000000000000', 'not-a-uuid', adids[0]?.toUpperCase() ?? '');
  const idfvs = Array.from({ length: 40 }, (_, i) => `B1C2D3E4-F5A6-4B7C-8D9E-${hex(i + 7)}`);
  const cuids = Array.from({ length: 20 }, (_, i) => `user-${i}`);
  const ips = ['198.51.100.23', '198.51.100.24', '34.64.1.2', '52.1.2.3', '2600:1f00::1', '203.0.113.9'];
  const records: PipelineRecord[] = [];
  const tpIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = START + Math.floor(rand() * 200 * DAY);
    const maybe = <T>(p: number, v: T) => (rand() < p ? v : undefined);
    if (rand() < 0.1) {
      // A click and its install seconds to minutes later, in bursts (click injection, IP rate, reattribution).
      const at = START + Math.floor(rand() * 60) * 3 * DAY + Math.floor(rand() * HOUR);
      const adid = `9a8b7c6d-5e4f-4321-8fed-${hex(Math.floor(rand() * 300) + 5000)}`;
      const ip = pick(ips);
      const id = `tpb_${seed}_${i}`;
      tpIds.push(id);
      const tp: Touchpoint = {
        id,
        tenantId: 'acme',
        appId: 'com.demo.game',
        type: 'click',
        network: pick(['meta', 'google']),
        timestampMs: at,
        advertisingId: adid,
        ip,
      };
      const gap = Math.floor(rand() * 90_000);
      const ev: AppEvent = {
        eventId: `evb_${seed}_${i}`,
        tenantId: 'acme',
        appId: 'com.demo.game',
        type: 'install',
        timestampMs: at + gap,
        advertisingId: adid,
        ip,
        ...(rand() < 0.3
          ? { installBeginMs: at + gap - Math.floor(rand() * 60_000), referrerClickId: id }
          : {}),
      };
      records.push({ kind: 'touchpoint', receivedAtMs: at, touchpoint: tp });
      records.push({ kind: 'event', receivedAtMs: at + gap, event: ev });
      continue;
    }
    if (rand() < 0.45) {
      const tp: Record<string, unknown> = {
        id: `tp_${seed}_${i}`,
        tenantId: pick(['acme', 'beta']),
        appId: 'com.demo.game',
        type: rand() < 0.75 ? 'click' : 'impression',
        network: pick(['meta', 'google', 'tiktok']),
        campaign: maybe(0.8, pick(['a', 'b', 'c'])),
        adset: maybe(0.3, 'set1'),
        ad: maybe(0.2, 'ad7'),
        timestampMs: t,
        platform: maybe(0.3, pick(['android', 'ios'] as const)),
        advertisingId: maybe(0.5, pick(adids)),
        vendorId: maybe(0.2, pick(idfvs)),
        ip: maybe(0.7, pick(ips)),
        userAgent: maybe(0.7, pick(UAS)),
        osVersion: maybe(0.2, pick(['14', '17.1', '13.0.1'])),
        model: maybe(0.2, pick(['Pixel 8', 'iPhone15,2', 'SM-S911B'])),
      };
      for (const k of Object.keys(tp)) if (tp[k] === undefined) delete tp[k];
      tpIds.push(tp.id as string);
      records.push({ kind: 'touchpoint', receivedAtMs: t, touchpoint: tp as unknown as Touchpoint });
    } else {
      const type = pick(['install', 'install', 'open', 'session', 'purchase', 'level_complete']);
      const e: Record<string, unknown> = {
        eventId: rand() < 0.05 ? `ev_${seed}_${Math.floor(rand() * i)}` : `ev_${seed}_${i}`,
        tenantId: pick(['acme', 'beta']),
        appId: 'com.demo.game',
        type,
        timestampMs: t,
        platform: maybe(0.7, pick(['android', 'ios'] as const)),
        advertisingId: maybe(0.6, pick(adids)),
        vendorId: maybe(0.3, pick(idfvs)),
        customerUserId: maybe(0.2, pick(cuids)),
        ip: maybe(0.7, pick(ips)),
        userAgent: maybe(0.6, pick(UAS)),
        osVersion: maybe(0.5, pick(['14', '17.1', '13.0.1', '10'])),
        model: maybe(0.5, pick(['Pixel 8', 'iPhone15,2', 'SM-S911B'])),
        referrerClickId: maybe(0.2, tpIds.length > 0 ? pick(tpIds) : 'tp_none'),
        installBeginMs: maybe(0.3, t - Math.floor(rand() * 120_000)),
        revenue: maybe(0.2, { amount: Math.round(rand() * 1000) / 100, currency: pick(['USD', 'EUR']) }),
      };
      for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
      records.push({ kind: 'event', receivedAtMs: t, event: e as unknown as AppEvent });
    }
  }
  // Mostly time-ordered with some disorder, as a stream is.
  records.sort((a, b) => a.receivedAtMs - b.receivedAtMs);
  for (let i = 0; i < records.length / 20; i++) {
    const a = Math.floor(rand() * records.length);
    const b = Math.min(records.length - 1, a + Math.floor(rand() * 30));
    [records[a], records[b]] = [records[b] as PipelineRecord, records[a] as PipelineRecord];
  }
  return records;
}

/** JSON with object keys sorted: the fingerprint ignores property order, as JSON readers do. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

async function run(
  hash: ReturnType<typeof createHash>,
  records: PipelineRecord[],
  batchSize: number,
  settingsInput: Parameters<typeof resolveSettings>[0],
) {
  const store = new (class extends InMemoryAttributionStore {
    override async commit(units: readonly UnitOfWork[]) {
      hash.update(canonical(units));
      return super.commit(units);
    }
  })();
  const settings = resolveSettings(settingsInput);
  const engine = new AttributionEngine(store, {
    settingsFor: () => settings,
    dataCenterCidrs: ['34.64.0.0/10', '52.0.0.0/11', '2600:1f00::/24'],
  });
  for (const batch of chunks(records, batchSize)) {
    const r = await engine.processBatch(batch);
    hash.update(canonical(r));
  }
  hash.update(canonical(store.counters()));
  hash.update(canonical(store.attributions));
  hash.update(canonical(store.eventAttributions));
  hash.update(String(store.deviceCount));
  if (process.env.FP_STATS) {
    const stats: Record<string, number> = {};
    const bump = (k: string) => {
      stats[k] = (stats[k] ?? 0) + 1;
    };
    for (const a of store.attributions) {
      bump(`${a.kind}/${a.status}/${a.match}`);
      for (const f of a.fraud) bump(`fraud:${f.reason}:${f.mode}`);
    }
    for (const e of store.eventAttributions) bump(`event:${e.creditedAs}`);
    console.error(stats);
  }
}

async function main() {
  const hash = createHash('sha256');
  const w = buildWorkload(3000, { tenantId: 'fp' });
  await run(hash, [...w.touchpoints, ...w.events], 500, {});
  const random = randomWorkload(20_000, 7);
  await run(hash, random, 97, {});
  await run(hash, random, 500, {
    fraudMode: 'flag',
    probabilisticMatching: { enabled: false },
    maxInstallsPerIpPerHour: 2,
    reattributionWindowDays: 20,
    reengagementWindowDays: 3,
  });
  await run(hash, randomWorkload(20_000, 11), 1, { clickInjectionThresholdSeconds: 60 });
  console.log(hash.digest('hex'));
}

await main();
