import type { Attribution, FraudFinding, Source } from './attribution.js';
import { counter, sourceOf } from './counters.js';
import { type DecisionContext, flattenLines, NONE } from './decision.js';
import { withInstall } from './device.js';
import {
  explainFirstInstall,
  explainFraud,
  explainInactive,
  explainMatch,
  explainNoFirstSource,
  explainReinstallResult,
  explainStillActive,
  explainVerdict,
  ORGANIC_FRAUD_LINE,
  RULE_LABEL,
} from './explain.js';
import { runFraudChecks } from './fraud.js';
import { MATCH_TYPE_OF_CLASS, type MatchResult, matchInstall, matchWindows } from './matching.js';
import { computeCredits, EMPTY_CREDITS } from './models.js';
import { gather, type Overlay } from './overlay.js';
import type { PreparedEvent } from './prepare.js';
import type { AppEvent } from './records.js';
import { type AppSettings, DAY_MS } from './settings.js';
import type { CounterIncrement, Device } from './store.js';

/** Install decisions (SPEC §4 rules 1–4 and §4.1): first installs, reinstalls and reattributions. */

/** An install-type decision: the attribution, its counters and the device as it now stands. */
export interface InstallStep {
  readonly attribution: Attribution;
  readonly counters: CounterIncrement[];
  readonly device: Device;
}

type DecidedKind = 'install' | 'reinstall' | 'reattribution';

/** What the decision from a match needs besides the match. */
interface MatchedInstall {
  readonly p: PreparedEvent;
  readonly settings: AppSettings;
  readonly ctx: DecisionContext;
  readonly deviceId: string;
  readonly kind: DecidedKind;
  /** The lines so far (identity and the rule that fired); the decision appends its own. */
  readonly lines: string[];
  readonly installsFromIp: number;
}

/** Rule 3 and the other fraud rules on the winner; every decision with a winning touchpoint runs them. */
function fraudOf(
  m: MatchedInstall,
  match: MatchResult,
): { status: Attribution['status']; fraud: readonly FraudFinding[] } {
  const winner = match.winner;
  if (!winner) {
    m.lines.push(ORGANIC_FRAUD_LINE);
    return { status: 'organic', fraud: NONE };
  }
  const e = m.p.event;
  // One fixed shape (absent values undefined), not conditional spreads: this runs for every install.
  const checks = runFraudChecks({
    settings: m.settings,
    winner,
    installTimeMs: e.timestampMs,
    installBeginMs: e.installBeginMs,
    malformedAdvertisingId: m.p.ids.malformedAdvertisingId,
    userAgent: e.userAgent,
    ip: e.ip,
    installsFromIpThisHour: m.installsFromIp,
    dataCenter: m.ctx.dataCenter,
  });
  const fraud: FraudFinding[] = [];
  let rejected = false;
  for (const c of checks) {
    if (c.finding) {
      fraud.push(c.finding);
      if (c.finding.mode === 'reject') rejected = true;
    }
  }
  for (const l of explainFraud(checks)) m.lines.push(l);
  // Most installs have no finding: they share one frozen empty list.
  return { status: rejected ? 'rejected' : 'attributed', fraud: fraud.length === 0 ? NONE : fraud };
}

const KIND_METRIC = {
  install: 'installs',
  reinstall: 'reinstalls',
  reattribution: 'reattributions',
} as const;

/** Match, fraud checks, credits and explanation of an install, reinstall or reattribution. */
function decideFromMatch(
  m: MatchedInstall,
  match: MatchResult,
): { attribution: Attribution; counters: CounterIncrement[] } {
  const e = m.p.event;
  const winner = match.winner;
  for (const l of explainMatch(match, RULE_LABEL.precedence)) m.lines.push(l);
  const { status, fraud } = fraudOf(m, match);
  const source = winner ? sourceOf(winner.touchpoint) : undefined;
  m.lines.push(explainVerdict(status, source, fraud));
  flattenLines(m.lines);
  const credits =
    status === 'rejected' ? EMPTY_CREDITS : computeCredits(match.qualifying, winner, m.settings);
  // Two literal shapes, not spreads: this runs for every install.
  const attribution: Attribution =
    winner && source
      ? {
          tenantId: e.tenantId,
          appId: e.appId,
          deviceId: m.deviceId,
          eventId: e.eventId,
          status,
          kind: m.kind,
          source,
          match: MATCH_TYPE_OF_CLASS[winner.cls],
          touchTimeMs: winner.touchpoint.timestampMs,
          ctitSeconds: winner.ageMs / 1000,
          installTimeMs: e.timestampMs,
          fraud,
          credits,
          explanation: m.lines,
        }
      : {
          tenantId: e.tenantId,
          appId: e.appId,
          deviceId: m.deviceId,
          eventId: e.eventId,
          status,
          kind: m.kind,
          match: 'none',
          installTimeMs: e.timestampMs,
          fraud,
          credits,
          explanation: m.lines,
        };
  const network = source?.network ?? 'organic';
  const campaign = source?.campaign;
  const counters: CounterIncrement[] = [];
  if (status === 'rejected') counters.push(counter(e, network, campaign, 'rejected'));
  else {
    counters.push(counter(e, network, campaign, KIND_METRIC[m.kind]));
    if (status === 'organic' && m.kind !== 'reinstall')
      counters.push(counter(e, network, campaign, 'organic'));
    else if (fraud.length > 0) counters.push(counter(e, network, campaign, 'flagged'));
  }
  return { attribution, counters };
}

/** Rule 1: the device's first install (or, failing one, its first open) is its install. */
export function decideFirstInstall(
  p: PreparedEvent,
  ov: Overlay,
  ctx: DecisionContext,
  settings: AppSettings,
  device: Device,
  identityLine: string,
): InstallStep {
  const e = p.event;
  const installsFromIp = ov.countIpInstall(p);
  const match = matchInstall(gather(p, ov), e.timestampMs, e.referrerClickId, matchWindows(settings));
  const lines = [identityLine, explainFirstInstall(e.type, device.deviceId, e.timestampMs)];
  const d = decideFromMatch(
    { p, settings, ctx, deviceId: device.deviceId, kind: 'install', lines, installsFromIp },
    match,
  );
  return {
    attribution: d.attribution,
    counters: d.counters,
    device: withInstall(device, d.attribution, d.attribution),
  };
}

/**
 * Rule 4 and SPEC §4.1: a later install of a known device. Without a first source (its first install
 * rejected) it is decided like a first install; inactive for the reattribution window with a new
 * touchpoint it is a reattribution; otherwise a reinstall credited to the first source.
 */
export function decideLaterInstall(
  p: PreparedEvent,
  ov: Overlay,
  ctx: DecisionContext,
  settings: AppSettings,
  device: Device,
  identityLine: string,
): InstallStep {
  const e = p.event;
  const installsFromIp = ov.countIpInstall(p);
  const first = device.firstAttribution;
  const lines = [identityLine];
  const matched = (kind: DecidedKind): MatchedInstall => ({
    p,
    settings,
    ctx,
    deviceId: device.deviceId,
    kind,
    lines,
    installsFromIp,
  });
  const windows = matchWindows(settings);
  if (first === undefined || first.status === 'rejected') {
    lines.push(explainNoFirstSource(device.deviceId, first?.source, e.timestampMs));
    const match = matchInstall(gather(p, ov), e.timestampMs, e.referrerClickId, windows);
    const d = decideFromMatch(matched('reinstall'), match);
    // The first decision that is not rejected becomes the device's first source.
    const firstAttribution = d.attribution.status === 'rejected' ? first : d.attribution;
    return {
      attribution: d.attribution,
      counters: d.counters,
      device: withInstall(device, firstAttribution, d.attribution),
    };
  }
  const inactiveMs = e.timestampMs - device.lastEventMs;
  const windowDays = settings.reattributionWindowDays;
  // Inclusive: a device inactive exactly the reattribution window may be reattributed.
  if (inactiveMs >= windowDays * DAY_MS) {
    const exclude = first.source?.touchpointId;
    const match = matchInstall(gather(p, ov), e.timestampMs, e.referrerClickId, windows, exclude);
    lines.push(
      explainInactive(device.deviceId, inactiveMs, windowDays, e.timestampMs, match.winner !== undefined),
    );
    if (match.winner) {
      const d = decideFromMatch(matched('reattribution'), match);
      return {
        attribution: d.attribution,
        counters: d.counters,
        device: withInstall(device, first, d.attribution),
      };
    }
    for (const l of explainMatch(match, RULE_LABEL.precedenceNewSource)) lines.push(l);
  } else {
    lines.push(explainStillActive(device.deviceId, inactiveMs, windowDays));
  }
  lines.push(explainReinstallResult(first));
  flattenLines(lines);
  const attribution = reinstallOf(e, device.deviceId, first, lines);
  const counters = [counter(e, first.source?.network ?? 'organic', first.source?.campaign, 'reinstalls')];
  return { attribution, counters, device: withInstall(device, first, attribution) };
}

/**
 * A reinstall credited to the device's first source (SPEC §4.1: with that source's `match`); absent
 * values are left out.
 */
function reinstallOf(e: AppEvent, deviceId: string, first: Attribution, explanation: string[]): Attribution {
  const source: Source | undefined = first.source;
  const touchTimeMs = first.touchTimeMs;
  if (source !== undefined && touchTimeMs !== undefined) {
    return {
      tenantId: e.tenantId,
      appId: e.appId,
      deviceId,
      eventId: e.eventId,
      status: first.status,
      kind: 'reinstall',
      source,
      match: first.match,
      touchTimeMs,
      installTimeMs: e.timestampMs,
      fraud: first.fraud,
      credits: first.credits,
      explanation,
    };
  }
  const a: { -readonly [K in keyof Attribution]: Attribution[K] } = {
    tenantId: e.tenantId,
    appId: e.appId,
    deviceId,
    eventId: e.eventId,
    status: first.status,
    kind: 'reinstall',
    match: first.match,
    installTimeMs: e.timestampMs,
    fraud: first.fraud,
    credits: first.credits,
    explanation,
  };
  if (source !== undefined) a.source = source;
  if (touchTimeMs !== undefined) a.touchTimeMs = touchTimeMs;
  return a;
}
