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
  }

  get size(): number {
    return this.ranges.length;
  }

  /** The CIDR range containing `ip`, or undefined. IPv4-mapped IPv6 addresses match IPv4 ranges. */
  match(ip: string): string | undefined {
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

const na = (reason: FraudReason, detail: string): FraudCheck => ({
  reason,
  outcome: 'not_applicable',
  detail,
});

/** Rule 3: a winning click under the threshold, or after the install began; clicks only. */
function clickInjection(input: FraudInput): FraudCheck {
  const { settings, winner } = input;
  const tp = winner.touchpoint;
  if (tp.type !== 'click') return na('click_injection', 'applies to clicks; the winner is an impression');
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
  return check(
    input.settings,
    'malformed_advertising_id',
    bad !== undefined,
    bad !== undefined
      ? `advertising id "${bad}" is not a usable UUID`
      : 'advertising id is a valid UUID or was not sent',
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
  return check(
    input.settings,
    'bot_user_agent',
    botUa !== undefined,
    botUa ? `${botUa} is a known bot` : 'no bot User-Agent on the install or the touchpoint',
  );
}

function installRatePerIp(input: FraudInput): FraudCheck {
  if (input.ip === undefined) return na('install_rate_per_ip', 'the install has no IP');
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
  if (!input.dataCenter || input.dataCenter.size === 0) {
    return na('data_center_ip', 'no data-centre ranges configured');
  }
  if (input.ip === undefined) return na('data_center_ip', 'the install has no IP');
  if (isHashedIp(input.ip)) {
    return na('data_center_ip', "the app keeps IPs hashed (ip_handling 'hashed'): ranges cannot be checked");
  }
  const range = input.dataCenter.match(input.ip);
  return check(
    input.settings,
    'data_center_ip',
    range !== undefined,
    range ? `IP ${input.ip} is in data-centre range ${range}` : 'IP is not in a data-centre range',
  );
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
