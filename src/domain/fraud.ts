import ipaddr from 'ipaddr.js';
import { isbot } from 'isbot';
import type { FraudFinding } from './attribution.js';
import { formatDuration } from './format.js';
import { isHashedIp } from './ip-privacy.js';
import type { Candidate } from './matching.js';
import type { AppSettings, FraudReason } from './settings.js';

/**
 * Fraud rules (SPEC §4 rule 3). Each rule is run on every attributed install decision and gives a
 * machine-readable reason; the app's mode for that reason decides whether it rejects the install (still
 * naming the network) or only flags it. Organic installs are not checked: there is no network to pay.
 */

export type FraudCheckOutcome = 'passed' | 'failed' | 'not_applicable';

/** One rule's run, for the explanation. */
export interface FraudCheck {
  readonly reason: FraudReason;
  readonly outcome: FraudCheckOutcome;
  /** Why it passed, failed or did not apply. */
  readonly detail: string;
  readonly finding?: FraudFinding;
}

/** Matches IPs against the operator's data-centre CIDR ranges. */
export class DataCenterMatcher {
  private readonly ranges: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];
  private readonly cidrs: readonly string[];
  private readonly cache = new Map<string, string | null>();
  /** The IPv4 ranges, in order, as network and mask: canonical dotted quads are matched without parsing. */
  private readonly v4: readonly { readonly network: number; readonly mask: number; readonly cidr: string }[];

  /** @throws Error naming the first CIDR that does not parse. */
  constructor(cidrs: readonly string[]) {
    this.cidrs = cidrs;
    this.ranges = cidrs.map((cidr) => {
      try {
        return ipaddr.parseCIDR(cidr);
      } catch (cause) {
        throw new Error(`dataCenterCidrs: "${cidr}" is not a CIDR range such as 203.0.113.0/24`, { cause });
      }
    });
    const v4: { network: number; mask: number; cidr: string }[] = [];
    for (let i = 0; i < this.ranges.length; i++) {
      const [addr, bits] = this.ranges[i] as [ipaddr.IPv4 | ipaddr.IPv6, number];
      if (addr.kind() !== 'ipv4') continue;
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      const [a, b, c, d] = (addr as ipaddr.IPv4).octets as [number, number, number, number];
      v4.push({
        network: (((a << 24) | (b << 16) | (c << 8) | d) & mask) >>> 0,
        mask,
        cidr: cidrs[i] as string,
      });
    }
    this.v4 = v4;
  }

  get size(): number {
    return this.ranges.length;
  }

  /** The CIDR range containing `ip`, or undefined. IPv4-mapped IPv6 addresses match IPv4 ranges. */
  match(ip: string): string | undefined {
    const v4 = dottedQuad(ip);
    if (v4 !== undefined) {
      // The common case, without parsing: an IPv4 address can only fall in an IPv4 range.
      for (let i = 0; i < this.v4.length; i++) {
        const r = this.v4[i] as { network: number; mask: number; cidr: string };
        if ((v4 & r.mask) >>> 0 === r.network) return r.cidr;
      }
      return undefined;
    }
    const cached = this.cache.get(ip);
    if (cached !== undefined) return cached ?? undefined;
    let hit: string | null = null;
    if (ipaddr.isValid(ip)) {
      let addr = ipaddr.parse(ip);
      if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
        addr = (addr as ipaddr.IPv6).toIPv4Address();
      }
      for (let i = 0; i < this.ranges.length; i++) {
        const range = this.ranges[i] as [ipaddr.IPv4 | ipaddr.IPv6, number];
        if (range[0].kind() === addr.kind() && addr.match(range)) {
          hit = this.cidrs[i] as string;
          break;
        }
      }
    }
    if (this.cache.size >= 50_000) this.cache.clear();
    this.cache.set(ip, hit);
    return hit ?? undefined;
  }
}

/**
 * A canonical dotted-quad IPv4 address (`203.0.113.7`: four decimal parts 0–255, no leading zeros) as an
 * unsigned 32-bit number; undefined for anything else (IPv6, or the octal, hexadecimal and short forms
 * `ipaddr.js` also reads, which go through it).
 */
export function dottedQuad(ip: string): number | undefined {
  const n = ip.length;
  if (n < 7 || n > 15) return undefined;
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 46 /* . */ : ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return undefined;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      // A leading zero makes ipaddr.js read the part as octal: leave such addresses to it.
      if (digits === 1 && part === 0) return undefined;
      part = part * 10 + (c - 48);
      digits++;
      if (digits > 3) return undefined;
    } else return undefined;
  }
  return parts === 4 ? value : undefined;
}

const botCache = new Map<string, boolean>();
// isbot lists HTTP libraries as bots, but mobile SDKs send their events through exactly these.
const MOBILE_SDK_CLIENT = /^(?:okhttp|Dalvik|Alamofire)\/|\bCFNetwork\//i;

/** isbot, memoised (installs repeat a few thousand User-Agents), minus the HTTP clients mobile SDKs use. */
export function isBotUserAgent(ua: string): boolean {
  let bot = botCache.get(ua);
  if (bot === undefined) {
    bot = !MOBILE_SDK_CLIENT.test(ua) && isbot(ua);
    if (botCache.size >= 10_000) botCache.clear();
    botCache.set(ua, bot);
  }
  return bot;
}

export interface FraudInput {
  readonly settings: AppSettings;
  readonly winner: Candidate;
  readonly installTimeMs: number;
  /** Play Install Referrer install-begin time. */
  readonly installBeginMs?: number;
  readonly malformedAdvertisingId?: string;
  readonly userAgent?: string;
  readonly ip?: string;
  /** Installs from the install's IP in its clock hour, this one included. */
  readonly installsFromIpThisHour: number;
  readonly dataCenter?: DataCenterMatcher;
}

function check(settings: AppSettings, reason: FraudReason, failed: boolean, detail: string): FraudCheck {
  if (!failed) return { reason, outcome: 'passed', detail };
  const finding: FraudFinding = { reason, mode: settings.fraudModes[reason], detail };
  return { reason, outcome: 'failed', detail, finding };
}

const na = (reason: FraudReason, detail: string): FraudCheck =>
  Object.freeze({ reason, outcome: 'not_applicable', detail });

/**
 * The checks whose answer is one fixed sentence (a rule that passed or did not apply for a reason that
 * names no value), made once: most installs pass most rules, and `explainFraud` renders each of these
 * lines once too.
 */
const NOT_A_CLICK = na('click_injection', 'applies to clicks; the winner is an impression');
const ADVERTISING_ID_USABLE: FraudCheck = Object.freeze({
  reason: 'malformed_advertising_id',
  outcome: 'passed',
  detail: 'advertising id is a valid UUID or was not sent',
});
const NO_BOT: FraudCheck = Object.freeze({
  reason: 'bot_user_agent',
  outcome: 'passed',
  detail: 'no bot User-Agent on the install or the touchpoint',
});
const RATE_NO_IP = na('install_rate_per_ip', 'the install has no IP');
const NO_RANGES = na('data_center_ip', 'no data-centre ranges configured');
const RANGES_NO_IP = na('data_center_ip', 'the install has no IP');
const RANGES_HASHED_IP = na(
  'data_center_ip',
  "the app keeps IPs hashed (ip_handling 'hashed'): ranges cannot be checked",
);
const OUTSIDE_RANGES: FraudCheck = Object.freeze({
  reason: 'data_center_ip',
  outcome: 'passed',
  detail: 'IP is not in a data-centre range',
});

/** Every check that is always the same object (see above). */
export const FIXED_CHECKS: readonly FraudCheck[] = [
  NOT_A_CLICK,
  ADVERTISING_ID_USABLE,
  NO_BOT,
  RATE_NO_IP,
  NO_RANGES,
  RANGES_NO_IP,
  RANGES_HASHED_IP,
  OUTSIDE_RANGES,
];

/** Rule 3: a winning click under the threshold, or after the install began; clicks only. */
function clickInjection(input: FraudInput): FraudCheck {
  const { settings, winner } = input;
  const tp = winner.touchpoint;
  if (tp.type !== 'click') return NOT_A_CLICK;
  if (input.installBeginMs !== undefined && tp.timestampMs > input.installBeginMs) {
    const s = Math.round((tp.timestampMs - input.installBeginMs) / 1000);
    return check(settings, 'click_injection', true, `the click came ${s} s after the install began`);
  }
  const ctit = winner.ageMs / 1000;
  const threshold = settings.clickInjectionThresholdSeconds;
  const under = ctit < threshold;
  return check(
    settings,
    'click_injection',
    under,
    under
      ? `click-to-install time ${readableSeconds(winner.ageMs)} is under the ${threshold} s threshold`
      : `click-to-install time ${readableSeconds(winner.ageMs)} is at or above the ${threshold} s threshold`,
  );
}

function malformedAdvertisingId(input: FraudInput): FraudCheck {
  const bad = input.malformedAdvertisingId;
  if (bad === undefined) return ADVERTISING_ID_USABLE;
  return check(
    input.settings,
    'malformed_advertising_id',
    true,
    `advertising id "${bad}" is not a usable UUID`,
  );
}

function botUserAgent(input: FraudInput): FraudCheck {
  const tp = input.winner.touchpoint;
  const botUa =
    input.userAgent && isBotUserAgent(input.userAgent)
      ? `install User-Agent "${input.userAgent}"`
      : tp.userAgent && isBotUserAgent(tp.userAgent)
        ? `click User-Agent "${tp.userAgent}"`
        : undefined;
  if (botUa === undefined) return NO_BOT;
  return check(input.settings, 'bot_user_agent', true, `${botUa} is a known bot`);
}

function installRatePerIp(input: FraudInput): FraudCheck {
  if (input.ip === undefined) return RATE_NO_IP;
  const n = input.installsFromIpThisHour;
  const max = input.settings.maxInstallsPerIpPerHour;
  return check(
    input.settings,
    'install_rate_per_ip',
    n > max,
    n > max
      ? `install ${n} from IP ${input.ip} this hour is over the limit of ${max}`
      : `install ${n} from its IP this hour, limit ${max}`,
  );
}

function dataCenterIp(input: FraudInput): FraudCheck {
  if (!input.dataCenter || input.dataCenter.size === 0) return NO_RANGES;
  if (input.ip === undefined) return RANGES_NO_IP;
  if (isHashedIp(input.ip)) return RANGES_HASHED_IP;
  const range = input.dataCenter.match(input.ip);
  if (range === undefined) return OUTSIDE_RANGES;
  return check(input.settings, 'data_center_ip', true, `IP ${input.ip} is in data-centre range ${range}`);
}

/** Runs every fraud rule on an attributed install; returns one check per rule, in `FRAUD_REASONS` order. */
export function runFraudChecks(input: FraudInput): FraudCheck[] {
  return [
    clickInjection(input),
    malformedAdvertisingId(input),
    botUserAgent(input),
    installRatePerIp(input),
    dataCenterIp(input),
  ];
}

/** Seconds with one decimal under a minute (where the threshold bites), `3 d 4 h` beyond. */
function readableSeconds(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 100) / 10} s` : formatDuration(ms);
}
