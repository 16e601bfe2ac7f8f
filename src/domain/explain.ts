import type { AttributionStatus, FraudFinding, Source } from './attribution.js';
import { formatDuration, formatTime } from './format.js';
import { FIXED_CHECKS, type FraudCheck } from './fraud.js';
import type { IdentityResolution } from './identity.js';
import { type Candidate, CLASS_RANK, type Exclusion, type MatchClass, type MatchResult } from './matching.js';
import type { Touchpoint } from './records.js';
import { DAY_MS } from './settings.js';

/**
 * Explanations (SPEC §4 rule 7): one readable line per rule applied. The engine decides on structured
 * data (`MatchResult`, `FraudCheck[]`, `IdentityResolution`); these functions only render it, with plain
 * template strings and one ISO date per decision, so explaining stays cheap on the hot path.
 */

const CLASS_LABEL: Readonly<Record<MatchClass, string>> = {
  referrer_click: 'the click id in the install referrer',
  device_click: 'a device id (click)',
  probabilistic_click: 'the IP + User-Agent signature (probabilistic click)',
  device_impression: 'a device id (impression, view-through)',
};

const WINDOW_LABEL: Readonly<Record<MatchClass, string>> = {
  referrer_click: 'click lookback',
  device_click: 'click lookback',
  probabilistic_click: 'probabilistic matching',
  device_impression: 'view-through',
};

export function describeTouchpoint(tp: Touchpoint): string {
  return tp.campaign === undefined
    ? `${tp.type} ${tp.id} (${tp.network})`
    : `${tp.type} ${tp.id} (${tp.network} / ${tp.campaign})`;
}

export function describeSource(s: Source): string {
  return s.campaign === undefined ? `${s.network}` : `${s.network} / ${s.campaign}`;
}

/** The line on how the device was found, merged or created. */
export function explainIdentity(r: IdentityResolution): string {
  const id = r.device.deviceId;
  let line: string;
  if (!r.stored) {
    line =
      r.device.advertisingIds.length + r.device.vendorIds.length + r.device.customerUserIds.length === 0
        ? `Identity: no usable device identifier; new device ${id} for this event only.`
        : `Identity: new device ${id}.`;
  } else if (r.merged.length > 0) {
    const others = r.merged.map((d) => d.deviceId).join(', ');
    line = `Identity: advertising id and vendor id pointed at different devices; merged ${others} into ${id}, the device installed first, and linked its identifiers to ${id}.`;
  } else {
    line = `Identity: known device ${id}, found by ${r.foundBy ?? 'identifier'}.`;
  }
  if (r.customerUserIdElsewhere !== undefined) {
    line += ` Customer user id "${r.customerUserIdElsewhere}" stays on the device it already belongs to (one user may own several devices).`;
  }
  return line;
}

function beatReason(loser: Candidate, winner: Candidate): string {
  if (CLASS_RANK[loser.cls] < CLASS_RANK[winner.cls]) {
    return `lower class: ${CLASS_LABEL[loser.cls]} ranks below ${CLASS_LABEL[winner.cls]}`;
  }
  const gap = winner.touchpoint.timestampMs - loser.touchpoint.timestampMs;
  if (gap > 0) return `same class, older: ${formatDuration(gap)} before the winner`;
  return 'same class and same time: the smaller touchpoint id wins the tie';
}

function exclusionLine(e: Exclusion): string {
  const what = describeTouchpoint(e.touchpoint);
  switch (e.reason) {
    case 'after_install':
      return `Not counted: ${what} came ${formatDuration(e.afterMs ?? 0)} after the install; touchpoints after the install never count.`;
    case 'outside_window': {
      const cls = e.cls ?? 'device_click';
      return `Not counted: ${what}, matched by ${CLASS_LABEL[cls]}, is outside the ${formatDuration(e.windowMs ?? 0)} ${WINDOW_LABEL[cls]} window by ${formatDuration(e.overByMs ?? 0)}.`;
    }
    case 'impression_without_device_id':
      return `Not counted: ${what} matched only on IP + User-Agent; impressions count only on a device id.`;
    case 'probabilistic_off':
      return `Not counted: ${what} matched only on IP + User-Agent and probabilistic matching is off for this app.`;
    case 'referrer_names_another_click':
      return `Not counted: ${what} carries the referrer's click id as its network click id, but the referrer names our click of that id.`;
    case 'excluded_source':
      return `Not counted: ${what} is the device's first source; a reattribution needs a new touchpoint.`;
  }
}

/** The precedence lines: winner, each candidate it beat and why, each touchpoint that did not count. */
export function explainMatch(m: MatchResult, ruleLabel: string): string[] {
  const lines: string[] = [];
  const w = m.winner;
  const found = m.qualifying.length + m.excluded.length;
  if (!w) {
    lines.push(
      found === 0
        ? `${ruleLabel}: no touchpoint found for this install (no referrer click id, device-id or signature match).`
        : `${ruleLabel}: none of the ${found} touchpoints found qualifies.`,
    );
  } else {
    lines.push(
      `${ruleLabel}: winner ${describeTouchpoint(w.touchpoint)}, matched by ${CLASS_LABEL[w.cls]}, ${formatDuration(w.ageMs)} before the install (${m.qualifying.length} qualifying of ${found} found).`,
    );
    for (const c of m.qualifying) {
      if (c !== w) lines.push(`Beat ${describeTouchpoint(c.touchpoint)}: ${beatReason(c, w)}.`);
    }
  }
  for (const e of m.excluded) lines.push(exclusionLine(e));
  return lines;
}

function fraudLine(c: FraudCheck): string {
  const result =
    c.outcome === 'failed'
      ? `FAILED (${c.finding?.mode === 'flag' ? 'flag' : 'reject'})`
      : c.outcome === 'passed'
        ? 'passed'
        : 'not applicable';
  return `Fraud check ${c.reason}: ${result}, ${c.detail}.`;
}

/** The line of each fixed check, rendered once (and flat). */
const FIXED_LINES = new Map<FraudCheck, string>(
  FIXED_CHECKS.map((c) => {
    const line = fraudLine(c);
    line.charCodeAt(0);
    return [c, line];
  }),
);

export function explainFraud(checks: readonly FraudCheck[]): string[] {
  const lines = new Array<string>(checks.length);
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i] as FraudCheck;
    lines[i] = FIXED_LINES.get(c) ?? fraudLine(c);
  }
  return lines;
}

export function explainVerdict(
  status: AttributionStatus,
  source: Source | undefined,
  fraud: readonly FraudFinding[],
): string {
  if (!source) return 'Result: organic.';
  const reasons = fraud.map((f) => f.reason).join(', ');
  if (status === 'rejected') {
    return `Result: rejected for ${describeSource(source)} (${reasons}); no model credits a rejected install.`;
  }
  return fraud.length > 0
    ? `Result: attributed to ${describeSource(source)}, flagged (${reasons}).`
    : `Result: attributed to ${describeSource(source)}.`;
}

/** The rule labels every decision's lines start with. */
export const RULE_LABEL = {
  install: 'Rule 1 (install)',
  reinstall: 'Rule 4 (reinstall)',
  reattribution: 'Rule 4 (reattribution)',
  reengagement: 'Rule 5 (re-engagement)',
  precedence: 'Rule 2 (precedence)',
  precedenceNewSource: 'Rule 2 (precedence, new source)',
} as const;

/** Rule 1: the device's first install, or its first open when no install event was seen. */
export function explainFirstInstall(eventType: string, deviceId: string, timeMs: number): string {
  const what = eventType === 'install' ? 'install' : 'open (no install event seen)';
  return `${RULE_LABEL.install}: first ${what} of device ${deviceId}, at ${formatTime(timeMs)}.`;
}

/** SPEC §4.1: a device whose first install was rejected (or never decided) has no first source. */
export function explainNoFirstSource(deviceId: string, first: Source | undefined, timeMs: number): string {
  const why = first
    ? `its first install was rejected for ${describeSource(first)}, so it has no first source`
    : 'it has no first source';
  return `${RULE_LABEL.reinstall}: device ${deviceId} was installed before but ${why}; this install at ${formatTime(timeMs)} is decided like a first install.`;
}

/** Rule 4 with the device inactive at least the reattribution window. */
export function explainInactive(
  deviceId: string,
  inactiveMs: number,
  windowDays: number,
  timeMs: number,
  newSource: boolean,
): string {
  const inactive = `device ${deviceId} was inactive ${formatDuration(inactiveMs)} (at least the ${windowDays} d reattribution window)`;
  return newSource
    ? `${RULE_LABEL.reattribution}: ${inactive} and a new touchpoint qualifies, at ${formatTime(timeMs)}.`
    : `${RULE_LABEL.reinstall}: ${inactive} but no new touchpoint qualifies.`;
}

/** Rule 4 with the device active inside the reattribution window. */
export function explainStillActive(deviceId: string, inactiveMs: number, windowDays: number): string {
  const shortMs = windowDays * DAY_MS - inactiveMs;
  return `${RULE_LABEL.reinstall}: device ${deviceId} was installed before and was last active ${formatDuration(inactiveMs)} ago, under the ${windowDays} d reattribution window (${formatDuration(shortMs)} short).`;
}

/** The result line of a reinstall credited to the device's first source. */
export function explainReinstallResult(
  first: { readonly source?: Source; readonly status: string } | undefined,
) {
  return first?.source
    ? `Result: reinstall credited to the first source, ${describeSource(first.source)} (${first.status}).`
    : 'Result: reinstall credited to the first source: organic.';
}

export const ORGANIC_FRAUD_LINE = 'Fraud checks: not run; an organic install has no network to pay.';

/** The two lines of a re-engagement, counted on the first event it credits. */
export function explainReengagement(input: {
  readonly source: Source;
  readonly deviceId: string;
  readonly installTimeMs: number | undefined;
  readonly eventType: string;
  readonly sinceClickMs: number;
  readonly windowDays: number;
  readonly untilMs: number;
}): string[] {
  const { source, installTimeMs } = input;
  const installed = installTimeMs === undefined ? '' : ` of ${formatTime(installTimeMs)}`;
  return [
    `${RULE_LABEL.reengagement}: retargeting click ${source.touchpointId} (${describeSource(source)}) reached device ${input.deviceId} after its install${installed}.`,
    `Event "${input.eventType}" came ${formatDuration(input.sinceClickMs)} after the click, inside the ${input.windowDays} d re-engagement window: counted as one re-engagement; the device's events until ${formatTime(input.untilMs)} are credited to it.`,
  ];
}
