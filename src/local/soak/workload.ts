import { seededRandom } from '../seeded-random.js';
/**
 * The soak's workload: N records for one app (clicks, impressions, installs, in-app events with
 * revenue), seeded and deterministic, cut into API requests of at most 500 items. Pure: the driver
 * sends it and keeps the client-side record of what the API accepted.
 */

export interface SoakWorkloadOptions {
  /** Records in total (touchpoints + events), exactly. */
  readonly records: number;
  /** Seed of the pseudo-random generator. @default 1 */
  readonly seed?: number;
  /** The clock the traffic is laid out against, epoch ms (timestamps fall in the 30 h before it). */
  readonly nowMs: number;
  /** Items per request. @default 250 */
  readonly itemsPerRequest?: number;
}

/** One request of the workload: a touchpoint batch or an event batch. */
export interface SoakRequest {
  readonly path: '/v1/touchpoints' | '/v1/events';
  readonly items: readonly Record<string, unknown>[];
}

/** What the reconciler expects of an event sent. */
export interface SentEvent {
  readonly type: string;
  /** Revenue in cents (integers add up exactly) and its currency. */
  readonly revenueCents?: number;
  readonly currency?: string;
}

export interface SoakWorkload {
  /** In sending order: a group's touchpoints before its events, as networks report clicks first. */
  readonly requests: readonly SoakRequest[];
  readonly counts: {
    readonly clicks: number;
    readonly impressions: number;
    readonly installs: number;
    readonly inAppEvents: number;
  };
}

const NETWORKS = ['meta', 'google_ads', 'tiktok', 'unity_ads', 'applovin'] as const;
const IN_APP = ['purchase', 'level_complete', 'tutorial_complete', 'ad_view'] as const;
const PRICES_CENTS = [99, 199, 499, 999, 1999] as const;
const HOUR = 3_600_000;

const iso = (ms: number) => new Date(Math.round(ms)).toISOString();

/** The seeded draws of a workload, in the order the devices take them. */
interface Draws {
  random(): number;
  pick<T>(items: readonly T[]): T;
  hex(n: number): string;
}

function draws(seed: number): Draws {
  const random = seededRandom(seed);
  return {
    random,
    pick: <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T,
    hex: (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join(''),
  };
}

/** One device of the workload: its ids, address, install time and the network that reached it. */
interface SoakDevice {
  readonly ids: Record<string, unknown>;
  readonly ip: string;
  readonly userAgent: string;
  readonly installMs: number;
  readonly network: string;
}

function drawDevice({ random, pick, hex }: Draws, nowMs: number): SoakDevice {
  const android = random() < 0.7;
  const adid = `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  const ids = {
    platform: android ? 'android' : 'ios',
    advertising_id: adid,
    ...(android ? {} : { vendor_id: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`.toUpperCase() }),
  };
  const ip = `${pick(['198.51.100', '203.0.113', '192.0.2'])}.${1 + Math.floor(random() * 254)}`;
  const userAgent = android
    ? 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36'
    : 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
  const installMs = nowMs - 10 * 60_000 - random() * 24 * HOUR;
  return { ids, ip, userAgent, installMs, network: pick(NETWORKS) };
}

/** The ad the device clicked or saw before installing. */
function touchpointOf({ random, hex }: Draws, device: SoakDevice, click: boolean): Record<string, unknown> {
  const { network, installMs, ids, ip, userAgent } = device;
  return {
    type: click ? 'click' : 'impression',
    network,
    campaign: `${network}_c${1 + Math.floor(random() * 3)}`,
    click_id: `${network}-${hex(10)}`,
    timestamp: iso(installMs - (0.1 + random() * 5) * HOUR),
    device: ids,
    ip,
    user_agent: userAgent,
  };
}

/** The device's `e`-th in-app event, a few minutes apart after its install; purchases carry revenue. */
function inAppEventOf(
  { random, pick }: Draws,
  device: SoakDevice,
  eventId: string,
  e: number,
  nowMs: number,
): Record<string, unknown> {
  const type = pick(IN_APP);
  return {
    event_id: eventId,
    type,
    timestamp: iso(Math.min(nowMs - 60_000, device.installMs + (e + 1) * 5 * 60_000)),
    device: { ...device.ids, ip: device.ip, user_agent: device.userAgent },
    ...(type === 'purchase'
      ? { revenue: { amount: pick(PRICES_CENTS) / 100, currency: random() < 0.8 ? 'USD' : 'EUR' } }
      : {}),
  };
}

/** Devices are processed in groups: a group's touchpoints go in one request, its events in the next. */
export function soakWorkload(options: SoakWorkloadOptions): SoakWorkload {
  const draw = draws(options.seed ?? 1);
  const perRequest = options.itemsPerRequest ?? 250;
  const seed = options.seed ?? 1;
  const requests: SoakRequest[] = [];
  const counts = { clicks: 0, impressions: 0, installs: 0, inAppEvents: 0 };
  let remaining = options.records;
  let touchpoints: Record<string, unknown>[] = [];
  let events: Record<string, unknown>[] = [];
  const flush = () => {
    if (touchpoints.length > 0) requests.push({ path: '/v1/touchpoints', items: touchpoints });
    if (events.length > 0) requests.push({ path: '/v1/events', items: events });
    touchpoints = [];
    events = [];
  };

  for (let index = 0; remaining > 0; index++) {
    const device = drawDevice(draw, options.nowMs);
    // 60% of the devices clicked an ad, 20% saw one; the rest are organic.
    const touch = draw.random();
    if (touch < 0.8 && remaining > 0) {
      const click = touch < 0.6;
      touchpoints.push(touchpointOf(draw, device, click));
      if (click) counts.clicks++;
      else counts.impressions++;
      remaining--;
    }
    if (remaining > 0) {
      events.push({
        event_id: `soak-${seed}-${index}-install`,
        type: 'install',
        timestamp: iso(device.installMs),
        device: { ...device.ids, ip: device.ip, user_agent: device.userAgent },
      });
      counts.installs++;
      remaining--;
    }
    const inApp = Math.floor(draw.random() * 3);
    for (let e = 0; e < inApp && remaining > 0; e++) {
      events.push(inAppEventOf(draw, device, `soak-${seed}-${index}-${e}`, e, options.nowMs));
      counts.inAppEvents++;
      remaining--;
    }
    if (touchpoints.length + events.length >= perRequest) flush();
  }
  flush();
  return { requests, counts };
}

/** The reconciler's view of an event item of the workload. */
export function sentEventOf(item: Record<string, unknown>): SentEvent {
  const revenue = item.revenue as { amount: number; currency: string } | undefined;
  return revenue
    ? {
        type: String(item.type),
        revenueCents: Math.round(revenue.amount * 100),
        currency: revenue.currency,
      }
    : { type: String(item.type) };
}
