import type { AppEvent, PipelineRecord, Touchpoint } from '../src/domain/index.js';

/**
 * A realistic, deterministic workload: devices with three touchpoints each (device-id clicks, referrer
 * clicks, probabilistic clicks, impressions across four networks), their install a few hours later, then
 * in-app events (some with revenue). Touchpoints arrive before installs, as in production.
 */

export interface Workload {
  readonly touchpoints: PipelineRecord[];
  readonly events: PipelineRecord[];
  readonly installs: number;
  readonly inAppEvents: number;
}

const NETWORKS = ['meta', 'google', 'tiktok', 'unity'] as const;
const CAMPAIGNS = ['summer', 'brand', 'retarget', 'video', 'launch'] as const;
const MODELS = ['Pixel 8', 'Pixel 7a', 'SM-S911B', 'SM-A546B', 'moto g54', '2201117TY', 'CPH2581'] as const;
const START = Date.parse('2026-11-01T00:00:00Z');
const HOUR = 3_600_000;

/** xorshift32: reproducible without Math.random. */
export function rng(seed: number) {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function uuid(n: number, salt: number): string {
  const hex = (v: number, len: number) => (v >>> 0).toString(16).padStart(len, '0').slice(-len);
  return `${hex(n * 2654435761 + salt, 8)}-${hex(n, 4)}-4${hex(salt, 3)}-8${hex(n >>> 4, 3)}-${hex(n * 40503, 8)}${hex(salt, 4)}`;
}

export function buildWorkload(
  devices: number,
  options: { tenantId?: string; eventsPerDevice?: number } = {},
): Workload {
  const tenantId = options.tenantId ?? 'bench';
  const appId = 'com.bench.game';
  const eventsPerDevice = options.eventsPerDevice ?? 2;
  const rand = rng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const touchpoints: PipelineRecord[] = [];
  const events: PipelineRecord[] = [];
  let inAppEvents = 0;
  for (let d = 0; d < devices; d++) {
    const adid = uuid(d, 0xa1);
    const ip = `10.${(d >>> 16) & 255}.${(d >>> 8) & 255}.${d & 255}`;
    const model = pick(MODELS);
    const osVersion = String(12 + Math.floor(rand() * 3));
    const ua = `Mozilla/5.0 (Linux; Android ${osVersion}; ${model}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36`;
    const installMs = START + Math.floor(rand() * 20 * 24) * HOUR + Math.floor(rand() * HOUR);
    let referrerClickId: string | undefined;
    for (let t = 0; t < 3; t++) {
      const style = rand();
      const network = pick(NETWORKS);
      const id = `tp_${d}_${t}`;
      const base = {
        id,
        tenantId,
        appId,
        network,
        campaign: pick(CAMPAIGNS),
        timestampMs: installMs - Math.floor(rand() * 6 * 24 * HOUR) - 30_000,
      };
      let tp: Touchpoint;
      if (style < 0.45)
        tp = { ...base, type: 'click', advertisingId: adid, platform: 'android', ip, userAgent: ua };
      else if (style < 0.65) {
        tp = { ...base, type: 'click', ip, userAgent: ua };
        referrerClickId = id;
      } else if (style < 0.85)
        tp = {
          ...base,
          type: 'click',
          ip,
          userAgent: ua,
          timestampMs: installMs - Math.floor(rand() * 30 * HOUR),
        };
      else
        tp = {
          ...base,
          type: 'impression',
          advertisingId: adid,
          timestampMs: installMs - Math.floor(rand() * 30 * HOUR),
        };
      touchpoints.push({ kind: 'touchpoint', receivedAtMs: tp.timestampMs, touchpoint: tp });
    }
    const installEvent: AppEvent = {
      eventId: `ev_${d}_install`,
      tenantId,
      appId,
      type: 'install',
      timestampMs: installMs,
      platform: 'android',
      advertisingId: adid,
      ip,
      userAgent: 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UD1A.230803.041)',
      osVersion,
      model,
      ...(referrerClickId ? { referrerClickId } : {}),
      installBeginMs: installMs - 20_000,
    };
    events.push({ kind: 'event', receivedAtMs: installMs, event: installEvent });
    for (let k = 0; k < eventsPerDevice; k++) {
      const purchase = rand() < 0.3;
      const e: AppEvent = {
        eventId: `ev_${d}_${k}`,
        tenantId,
        appId,
        type: purchase ? 'purchase' : 'level_complete',
        timestampMs: installMs + (k + 1) * 10 * 60_000,
        platform: 'android',
        advertisingId: adid,
        ...(purchase ? { revenue: { amount: 4.99, currency: 'USD' } } : {}),
      };
      events.push({ kind: 'event', receivedAtMs: e.timestampMs, event: e });
      inAppEvents++;
    }
  }
  touchpoints.sort((a, b) => a.receivedAtMs - b.receivedAtMs);
  return { touchpoints, events, installs: devices, inAppEvents };
}

/** Records as the Kinesis consumer receives them: base64 of the JSON the ingest path put. */
export function encodeForKinesis(records: readonly PipelineRecord[]): string[] {
  return records.map((r) => Buffer.from(JSON.stringify(r), 'utf8').toString('base64'));
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
