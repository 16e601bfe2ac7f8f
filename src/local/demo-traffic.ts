import { seededRandom } from './seeded-random.js';
/**
 * Realistic, seeded demo traffic for one app: several networks and campaigns, clicks (tracking links and
 * server-to-server), impressions, organic and paid installs, reinstalls, in-app purchases and some fraud,
 * installs matched by a network's click id in the Play referrer, and retargeting campaigns (SPEC §4.1:
 * only clicks marked `retargeting: true` re-engage; a click flood on installed users credits nothing).
 * Pure: it returns the plan; `scripts/demo.ts` sends it over HTTP. The same seed gives the same traffic.
 */

export interface DemoOptions {
  /** Devices to simulate. @default 2000 */
  readonly devices?: number;
  /** Seed of the pseudo-random generator. @default 42 */
  readonly seed?: number;
  /** The clock the traffic is laid out against, epoch ms. */
  readonly nowMs: number;
}

export interface DemoDevice {
  readonly platform: 'android' | 'ios';
  readonly advertising_id?: string;
  readonly vendor_id?: string;
  readonly ip: string;
  readonly user_agent: string;
  readonly os_version: string;
  readonly model: string;
  readonly locale: string;
  /** ISO 3166-1 alpha-2, as the SDK sends it: the region of `locale` (the reports' country dimension). */
  readonly country: string;
}

/** A click sent through the tracking link: the install that follows carries its referrer. */
export interface TrackingLinkClick {
  readonly deviceIndex: number;
  readonly query: Record<string, string>;
  readonly userAgent: string;
  readonly ip: string;
}

export interface DemoPlan {
  readonly touchpoints: readonly Record<string, unknown>[];
  readonly trackingLinkClicks: readonly TrackingLinkClick[];
  /** Events per device; an event whose `install_referrer` is `fromTrackingLink` takes the click id the link returned. */
  readonly events: readonly (Record<string, unknown> & { readonly deviceIndex: number })[];
  /**
   * Clicks on installed devices, sent once the installs are processed: retargeting clicks
   * (`retargeting: true`) and, before each, a click of a network flooding clicks (not retargeting).
   */
  readonly retargetingTouchpoints: readonly Record<string, unknown>[];
  /** Events after the retargeting clicks (re-engagement credit). */
  readonly lateEvents: readonly (Record<string, unknown> & { readonly deviceIndex: number })[];
  readonly scenarios: Readonly<Record<string, number>>;
  /** One device of each contract 1.1 scenario (by advertising id), for the demo to look up. */
  readonly highlights: { readonly networkClickIdDevice?: string; readonly retargetedDevice?: string };
}

/** The network whose clicks on installed users are not retargeting: they must earn nothing. */
export const CLICK_FLOOD_NETWORK = 'click_flood';

export const DEMO_NETWORKS = {
  meta: ['spring_sale', 'lookalike_us'],
  google_ads: ['uac_install', 'uac_purchase'],
  tiktok: ['creator_push'],
  unity_ads: ['rewarded_video'],
  applovin: ['playable_q4'],
} as const;

const SCENARIOS = [
  ['organic', 0.25],
  ['click_device_id', 0.25],
  ['network_click_id_referrer', 0.05],
  ['tracking_link_referrer', 0.1],
  ['click_probabilistic', 0.1],
  ['view_through', 0.1],
  ['click_injection', 0.05],
  ['bot_user_agent', 0.04],
  ['zero_advertising_id', 0.03],
  ['retargeted_user', 0.03],
] as const;

const ANDROID_MODELS = ['Pixel 8', 'SM-S918B', 'Pixel 7a', 'CPH2451'];
const IOS_MODELS = ['iPhone15,2', 'iPhone14,5', 'iPhone16,1'];
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(Math.round(ms)).toISOString();

/** The seeded draws of one plan; the order of the calls is the traffic, so keep it. */
function drawsOf(seed: number) {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  return { random, pick, hex, uuid };
}
type Draws = ReturnType<typeof drawsOf>;
type Scenario = (typeof SCENARIOS)[number][0];
type DemoNetwork = keyof typeof DEMO_NETWORKS;
const NETWORKS = Object.keys(DEMO_NETWORKS) as DemoNetwork[];

/** The plan as it is drawn, device by device. */
interface PlanLists {
  readonly touchpoints: Record<string, unknown>[];
  readonly trackingLinkClicks: TrackingLinkClick[];
  readonly events: (Record<string, unknown> & { deviceIndex: number })[];
  readonly retargetingTouchpoints: Record<string, unknown>[];
  readonly lateEvents: (Record<string, unknown> & { deviceIndex: number })[];
  readonly scenarios: Record<string, number>;
  readonly highlights: { networkClickIdDevice?: string; retargetedDevice?: string };
}

/** One simulated device and its campaign, as drawn. */
interface DrawnDevice {
  readonly index: number;
  readonly scenario: Scenario;
  readonly device: DemoDevice;
  /** The identifiers a touchpoint of it carries. */
  readonly deviceIds: Record<string, unknown>;
  readonly network: DemoNetwork;
  readonly campaign: string;
  readonly installMs: number;
  readonly touchMs: number;
}

function drawScenario(draws: Draws): Scenario {
  const draw = draws.random();
  let acc = 0;
  return (
    SCENARIOS.find(([, weight]) => {
      acc += weight;
      return acc > draw;
    })?.[0] ?? 'organic'
  );
}

function drawDevice(draws: Draws, scenario: Scenario): DemoDevice {
  const { random, pick, uuid } = draws;
  const playReferrer = scenario === 'tracking_link_referrer' || scenario === 'network_click_id_referrer';
  const platform = playReferrer || random() < 0.7 ? 'android' : 'ios';
  const osVersion = platform === 'android' ? pick(['13', '14', '15']) : pick(['17.4', '17.5', '18.1']);
  const model = platform === 'android' ? pick(ANDROID_MODELS) : pick(IOS_MODELS);
  const userAgent =
    scenario === 'bot_user_agent'
      ? BOT_UA
      : platform === 'android'
        ? `Mozilla/5.0 (Linux; Android ${osVersion}; ${model}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36`
        : `Mozilla/5.0 (iPhone; CPU iPhone OS ${osVersion.replace('.', '_')} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148`;
  // Documentation ranges (RFC 5737): data only, never contacted.
  const ip = `${pick(['198.51.100', '203.0.113', '192.0.2'])}.${1 + Math.floor(random() * 254)}`;
  const sent: Omit<DemoDevice, 'country'> = {
    platform,
    ...(scenario === 'zero_advertising_id'
      ? { advertising_id: '00000000-0000-0000-0000-000000000000' }
      : scenario === 'click_probabilistic'
        ? {}
        : { advertising_id: uuid() }),
    ...(platform === 'ios' ? { vendor_id: uuid().toUpperCase() } : {}),
    ip,
    user_agent: userAgent,
    os_version: osVersion,
    model,
    locale: pick(['en_US', 'de_DE', 'fr_FR', 'ja_JP']),
  };
  // Drawn in the same order as before the country was sent: the same seed gives the same traffic.
  return { ...sent, country: sent.locale.slice(3) };
}

/** The device's touchpoints before its install; answers the install referrer they leave, if any. */
function addTouchpoints(draws: Draws, lists: PlanLists, d: DrawnDevice): string | undefined {
  const { random, pick, hex } = draws;
  const { scenario, network, campaign, device, deviceIds } = d;
  const { ip, user_agent: userAgent } = device;
  if (scenario === 'tracking_link_referrer') {
    lists.trackingLinkClicks.push({
      deviceIndex: d.index,
      query: { network, campaign, adset: `${campaign}_adset`, ad: `ad_${1 + Math.floor(random() * 3)}` },
      userAgent,
      ip,
    });
    return 'fromTrackingLink';
  }
  if (scenario === 'network_click_id_referrer') {
    // The network knows only its own click id; it passes it on in the Play Install Referrer.
    const clickId = `${network}-${hex(12)}`;
    lists.touchpoints.push({
      type: 'click',
      network,
      campaign,
      click_id: clickId,
      timestamp: iso(d.touchMs),
      user_agent: userAgent,
    });
    lists.highlights.networkClickIdDevice ??= device.advertising_id;
    return `utm_source=${network}&ugp_click_id=${clickId}`;
  }
  if (scenario === 'organic') return undefined;
  const { platform, os_version, model } = device;
  lists.touchpoints.push({
    type: scenario === 'view_through' ? 'impression' : 'click',
    network,
    campaign,
    adset: `${campaign}_adset`,
    ad: `ad_${1 + Math.floor(random() * 3)}`,
    click_id: `${network}-${hex(10)}`,
    timestamp: iso(scenario === 'view_through' ? d.installMs - random() * 20 * HOUR : d.touchMs),
    device: scenario === 'click_probabilistic' ? { platform, os_version, model } : deviceIds,
    ip,
    user_agent: userAgent,
  });
  // A second, older touch on a third of the paid devices feeds the multi-touch models.
  if (random() < 0.33 && scenario !== 'click_probabilistic') {
    const other = pick(NETWORKS);
    lists.touchpoints.push({
      type: 'impression',
      network: other,
      campaign: pick(DEMO_NETWORKS[other]),
      timestamp: iso(d.installMs - (2 + random() * 20) * HOUR),
      device: deviceIds,
      ip,
      user_agent: userAgent,
    });
  }
  return undefined;
}

/** The install, its purchases and, for some devices, a reinstall. */
function addEvents(
  draws: Draws,
  lists: PlanLists,
  d: DrawnDevice,
  installReferrer: string | undefined,
  nowMs: number,
): void {
  const { random, pick } = draws;
  const i = d.index;
  const eventDevice = { ...d.device };
  lists.events.push({
    deviceIndex: i,
    event_id: `demo-${i}-install`,
    type: 'install',
    timestamp: iso(d.installMs),
    device: eventDevice,
    ...(installReferrer ? { install_referrer: installReferrer } : {}),
    ...(d.device.platform === 'android' && d.scenario !== 'click_injection'
      ? { install_begin_timestamp: iso(d.installMs - 30_000) }
      : {}),
  });
  const purchases = random() < 0.3 ? 1 + Math.floor(random() * 3) : 0;
  for (let p = 0; p < purchases; p++) {
    lists.events.push({
      deviceIndex: i,
      event_id: `demo-${i}-purchase-${p}`,
      type: 'purchase',
      timestamp: iso(Math.min(nowMs - 60_000, d.installMs + (p + 1) * (10 + random() * 60) * 60_000)),
      device: eventDevice,
      revenue: { amount: pick([0.99, 1.99, 4.99, 9.99, 19.99]), currency: 'USD' },
    });
  }
  if (random() < 0.05 && d.scenario !== 'click_injection') {
    lists.events.push({
      deviceIndex: i,
      event_id: `demo-${i}-reinstall`,
      type: 'install',
      timestamp: iso(Math.min(nowMs - 60_000, d.installMs + 2 * HOUR)),
      device: eventDevice,
    });
  }
}

/** A retargeted user: a flooding network's click (not retargeting), the retargeting click, a purchase. */
function addRetargeting(lists: PlanLists, d: DrawnDevice, nowMs: number): void {
  if (d.scenario !== 'retargeted_user' || !d.device.advertising_id) return;
  const retargetMs = Math.min(nowMs - 120_000, d.installMs + 3 * HOUR);
  lists.retargetingTouchpoints.push(
    {
      type: 'click',
      network: CLICK_FLOOD_NETWORK,
      campaign: 'flood',
      timestamp: iso(retargetMs - 60_000),
      device: d.deviceIds,
    },
    {
      type: 'click',
      network: 'google_ads',
      campaign: 'winback',
      retargeting: true,
      timestamp: iso(retargetMs),
      device: d.deviceIds,
      ip: d.device.ip,
      user_agent: d.device.user_agent,
    },
  );
  lists.highlights.retargetedDevice ??= d.device.advertising_id;
  lists.lateEvents.push({
    deviceIndex: d.index,
    event_id: `demo-${d.index}-winback-purchase`,
    type: 'purchase',
    timestamp: iso(retargetMs + 30_000),
    device: { ...d.device },
    revenue: { amount: 4.99, currency: 'USD' },
  });
}

export function demoPlan(options: DemoOptions): DemoPlan {
  const draws = drawsOf(options.seed ?? 42);
  const { random, pick } = draws;
  const lists: PlanLists = {
    touchpoints: [],
    trackingLinkClicks: [],
    events: [],
    retargetingTouchpoints: [],
    lateEvents: [],
    scenarios: {},
    highlights: {},
  };
  const count = options.devices ?? 2000;
  for (let index = 0; index < count; index++) {
    const scenario = drawScenario(draws);
    lists.scenarios[scenario] = (lists.scenarios[scenario] ?? 0) + 1;
    const device = drawDevice(draws, scenario);
    const network = pick(NETWORKS);
    const campaign = pick(DEMO_NETWORKS[network]);
    const installMs = options.nowMs - 5 * 60_000 - random() * 48 * HOUR;
    const ctitMs = scenario === 'click_injection' ? 2_000 + random() * 5_000 : 60_000 + random() * 30 * HOUR;
    const deviceIds = {
      ...(device.advertising_id ? { advertising_id: device.advertising_id } : {}),
      ...(device.vendor_id ? { vendor_id: device.vendor_id } : {}),
      platform: device.platform,
      os_version: device.os_version,
      model: device.model,
    };
    const drawn = {
      index,
      scenario,
      device,
      deviceIds,
      network,
      campaign,
      installMs,
      touchMs: installMs - ctitMs,
    };
    const installReferrer = addTouchpoints(draws, lists, drawn);
    addEvents(draws, lists, drawn, installReferrer, options.nowMs);
    addRetargeting(lists, drawn, options.nowMs);
  }
  return { ...lists };
}

/** A cost row of the demo's spend (SPEC §8), as `POST /v1/costs/{appId}` takes it. */
export interface DemoCostRow {
  readonly date: string;
  readonly network: string;
  readonly campaign: string;
  readonly country: string;
  readonly spend: number;
  readonly currency: string;
  readonly clicks: number;
  readonly impressions: number;
}

/** Networks that bill the demo in euros (so the demo shows FX conversion). */
const EURO_NETWORKS = new Set<string>(['meta']);

/**
 * Seeded daily spend of every demo network and campaign over the `days` days up to `nowMs` (UTC), and
 * the EUR→USD rates of those days, so the performance and cohort reports are meaningful out of the box.
 * @example demoSpend({ seed: 7, nowMs: Date.now(), days: 7 }).costs.length // 7 days × 7 campaigns × 2 countries
 */
export function demoSpend(options: { readonly seed: number; readonly nowMs: number; readonly days: number }) {
  const random = seededRandom(options.seed + 1);
  const costs: DemoCostRow[] = [];
  const rates: { date: string; from: string; to: string; rate: number }[] = [];
  for (let d = options.days - 1; d >= 0; d--) {
    const date = new Date(options.nowMs - d * 86_400_000).toISOString().slice(0, 10);
    rates.push({
      date,
      from: 'EUR',
      to: 'USD',
      rate: Math.round((1.05 + random() * 0.06) * 10_000) / 10_000,
    });
    for (const [network, campaigns] of Object.entries(DEMO_NETWORKS)) {
      for (const campaign of campaigns) {
        for (const country of ['US', 'DE']) {
          const spend = Math.round((20 + random() * 180) * 100) / 100;
          costs.push({
            date,
            network,
            campaign,
            country,
            spend,
            currency: EURO_NETWORKS.has(network) ? 'EUR' : 'USD',
            clicks: Math.round(spend * (8 + random() * 8)),
            impressions: Math.round(spend * (300 + random() * 300)),
          });
        }
      }
    }
  }
  return { costs, rates };
}
