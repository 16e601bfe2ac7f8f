import { demoPlan } from '../local/demo-traffic.js';
import { seededRandom } from '../local/seeded-random.js';

/**
 * The cost model's workload: the demo traffic of `demo-traffic.ts` (networks, campaigns, paid and organic
 * installs, fraud, reinstalls, retargeting) plus the traffic that converts to nothing, sent the way
 * clients send it. Pure and seeded: the same options give the same requests.
 *
 * Per device that installs:
 * - its own touchpoints from the demo plan (about 0.9: the attributed click or impression, a third with
 *   an older second touch) and, for 10 % of devices, the tracking-link click it installs from;
 * - touchpoints that convert to nothing: `clicksPerInstall` tracking-link clicks (one GET each),
 *   `s2sClicksPerInstall` server-to-server clicks and `impressionsPerInstall` impressions, which ad
 *   networks report in batches of `s2sBatchSize`;
 * - SDK events: the install (sent alone at first launch), `sessionsPerInstall` sessions and the demo
 *   plan's purchases with revenue (30 % of devices buy 1 to 3 times), sent by the SDK in batches of at
 *   most `sdkBatchSize` of one device's events.
 */

export interface CostWorkloadOptions {
  /** About how many records (events and touchpoints) to send. */
  readonly events: number;
  /** @default 7 */
  readonly seed?: number;
  readonly nowMs: number;
  /** Tracking-link clicks that lead to no install, per install. @default 1 */
  readonly clicksPerInstall?: number;
  /** Server-to-server clicks that lead to no install, per install. @default 3 */
  readonly s2sClicksPerInstall?: number;
  /** Server-to-server impressions that lead to no install, per install. @default 5 */
  readonly impressionsPerInstall?: number;
  /** Sessions an installed device reports. @default 4 */
  readonly sessionsPerInstall?: number;
  /** Events per SDK request. @default 5 */
  readonly sdkBatchSize?: number;
  /** Touchpoints per server-to-server request. @default 100 */
  readonly s2sBatchSize?: number;
}

export type WorkloadRequest =
  | {
      readonly kind: 'click';
      /** The device that installs from this click, if any (its install carries the click's referrer). */
      readonly deviceIndex?: number;
      readonly query: Readonly<Record<string, string>>;
      readonly userAgent: string;
      readonly ip: string;
    }
  | { readonly kind: 'touchpoints'; readonly touchpoints: readonly Record<string, unknown>[] }
  | {
      readonly kind: 'events';
      readonly deviceIndex: number;
      /** An install whose `install_referrer` is `fromTrackingLink` takes the click's referrer. */
      readonly events: readonly Record<string, unknown>[];
    };

export interface CostWorkload {
  /** Sent in order; the stream is drained between phases (clicks before installs, installs before the rest). */
  readonly phases: readonly (readonly WorkloadRequest[])[];
  /** Records of each kind. */
  readonly mix: Readonly<Record<string, number>>;
  readonly records: number;
  readonly requests: number;
  readonly devices: number;
}

/** Records per installing device with the default mix, to size the plan. */
const RECORDS_PER_DEVICE = 15.6;

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

const HOUR = 3_600_000;
const NETWORKS = ['meta', 'google_ads', 'tiktok', 'unity_ads', 'applovin'];
const USER_AGENT =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36';
const iso = (ms: number) => new Date(Math.round(ms)).toISOString();

type DemoPlan = ReturnType<typeof demoPlan>;

/** Records of each kind, counted in the order kinds first appear (the order `mix` lists them). */
interface MixCounter {
  readonly mix: Record<string, number>;
  add(kind: string, n?: number): void;
}

function mixCounter(): MixCounter {
  const mix: Record<string, number> = {};
  return {
    mix,
    add: (kind, n = 1) => {
      mix[kind] = (mix[kind] ?? 0) + n;
    },
  };
}

/** The seeded draws of the traffic that converts to nothing. */
function strayTraffic(random: () => number) {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  const ipOf = () =>
    `${['198.51.100', '203.0.113', '192.0.2'][Math.floor(random() * 3)]}.${1 + Math.floor(random() * 254)}`;
  const network = () => NETWORKS[Math.floor(random() * NETWORKS.length)] ?? 'meta';
  const click = (): WorkloadRequest => ({
    kind: 'click',
    query: { network: network(), campaign: `c${Math.floor(random() * 4)}`, advertising_id: uuid() },
    userAgent: USER_AGENT,
    ip: ipOf(),
  });
  const touchpoint = (type: 'click' | 'impression', nowMs: number): Record<string, unknown> => {
    const touchNetwork = network();
    return {
      type,
      network: touchNetwork,
      campaign: `c${Math.floor(random() * 4)}`,
      ...(type === 'click' ? { click_id: `${touchNetwork}-${hex(12)}` } : {}),
      timestamp: iso(nowMs - 5 * 60_000 - random() * 48 * HOUR),
      device: { platform: 'android', advertising_id: uuid() },
      ip: ipOf(),
      user_agent: USER_AGENT,
    };
  };
  return { click, touchpoint };
}

/** Phase 1: touchpoints, converting or not. */
function touchpointPhase(
  plan: DemoPlan,
  devices: number,
  options: CostWorkloadOptions,
  stray: ReturnType<typeof strayTraffic>,
  { add }: MixCounter,
): WorkloadRequest[] {
  const clicks: WorkloadRequest[] = plan.trackingLinkClicks.map((c) => {
    add('tracking-link clicks (installing)');
    return { kind: 'click', deviceIndex: c.deviceIndex, query: c.query, userAgent: c.userAgent, ip: c.ip };
  });
  const s2s: Record<string, unknown>[] = [...plan.touchpoints];
  for (const t of plan.touchpoints)
    add(t.type === 'click' ? 'S2S clicks (attributed)' : 'S2S impressions (attributed)');
  for (let d = 0; d < devices; d++) {
    for (let i = 0; i < (options.clicksPerInstall ?? 1); i++) {
      clicks.push(stray.click());
      add('tracking-link clicks (no install)');
    }
    for (let i = 0; i < (options.s2sClicksPerInstall ?? 3); i++)
      s2s.push(stray.touchpoint('click', options.nowMs));
    for (let i = 0; i < (options.impressionsPerInstall ?? 5); i++)
      s2s.push(stray.touchpoint('impression', options.nowMs));
    add('S2S clicks (no install)', options.s2sClicksPerInstall ?? 3);
    add('S2S impressions (no install)', options.impressionsPerInstall ?? 5);
  }
  const touchpointRequests: WorkloadRequest[] = chunks(s2s, options.s2sBatchSize ?? 100).map((batch) => ({
    kind: 'touchpoints',
    touchpoints: batch,
  }));
  return [...touchpointRequests, ...clicks];
}

/**
 * Phase 2: installs, one request each (the SDK sends the install at first launch); phase 3: each
 * device's sessions, purchases and reinstalls in SDK batches.
 */
function sdkEventPhases(
  plan: DemoPlan,
  options: CostWorkloadOptions,
  seed: number,
  { add }: MixCounter,
): { readonly installs: WorkloadRequest[]; readonly later: WorkloadRequest[] } {
  const byDevice = new Map<number, Record<string, unknown>[]>();
  for (const { deviceIndex, ...event } of plan.events) {
    const list = byDevice.get(deviceIndex) ?? [];
    list.push(event);
    byDevice.set(deviceIndex, list);
  }
  const installs: WorkloadRequest[] = [];
  const later: WorkloadRequest[] = [];
  for (const [deviceIndex, events] of byDevice) {
    const [install, ...rest] = events;
    if (!install) continue;
    installs.push({ kind: 'events', deviceIndex, events: [install] });
    add('installs');
    const installMs = Date.parse(String(install.timestamp));
    const sessions = Array.from({ length: options.sessionsPerInstall ?? 4 }, (_, i) => ({
      event_id: `cost-${seed}-${deviceIndex}-session-${i}`,
      type: 'session',
      timestamp: iso(Math.min(options.nowMs - 60_000, installMs + (i + 1) * 20 * 60_000)),
      device: install.device,
    }));
    for (const e of rest) add(e.type === 'install' ? 'reinstalls' : 'purchases (revenue)');
    add('sessions', sessions.length);
    const deviceEvents = [...sessions, ...rest].sort((a, b) =>
      String(a.timestamp).localeCompare(String(b.timestamp)),
    );
    for (const batch of chunks(deviceEvents, options.sdkBatchSize ?? 5))
      later.push({ kind: 'events', deviceIndex, events: batch });
  }
  return { installs, later };
}

/** Phase 4: retargeting clicks, then the events they re-engage. */
function retargetingPhase(plan: DemoPlan, s2sBatch: number, { add }: MixCounter): WorkloadRequest[] {
  const retargeting: WorkloadRequest[] = chunks(plan.retargetingTouchpoints, s2sBatch).map((batch) => ({
    kind: 'touchpoints',
    touchpoints: batch,
  }));
  add('retargeting clicks', plan.retargetingTouchpoints.length);
  const lateEvents: WorkloadRequest[] = plan.lateEvents.map(({ deviceIndex, ...event }) => ({
    kind: 'events',
    deviceIndex,
    events: [event],
  }));
  add('re-engaged purchases', plan.lateEvents.length);
  return [...retargeting, ...lateEvents];
}

export function costWorkload(options: CostWorkloadOptions): CostWorkload {
  const seed = options.seed ?? 7;
  const stray = strayTraffic(seededRandom(seed + 1));
  const devices = Math.max(1, Math.round(options.events / RECORDS_PER_DEVICE));
  const plan = demoPlan({ devices, seed, nowMs: options.nowMs });
  const counter = mixCounter();
  const touchpoints = touchpointPhase(plan, devices, options, stray, counter);
  const { installs, later } = sdkEventPhases(plan, options, seed, counter);
  const phases = [touchpoints, installs, later, retargetingPhase(plan, options.s2sBatchSize ?? 100, counter)];
  return {
    phases,
    mix: counter.mix,
    records: Object.values(counter.mix).reduce((n, v) => n + v, 0),
    requests: phases.reduce((n, p) => n + p.length, 0),
    devices,
  };
}
