import type { AttributionStatus, FraudFinding, Source } from './attribution.js';
import type { FraudCheck } from './fraud.js';
import type { IdentityResolution } from './identity.js';
import { type Candidate, CLASS_RANK, type Exclusion, type MatchClass, type MatchResult } from './matching.js';
import type { Touchpoint } from './model.js';

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

/** `6 d 23 h`, `26 h 5 min`, `2 min 5 s`, `0 s`: at most two units, rounded down. */
export function formatDuration(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  // Up to two days in hours: a 24 h window reads as `24 h`, not `1 d`.
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}

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

export function explainFraud(checks: readonly FraudCheck[]): string[] {
  const lines = new Array<string>(checks.length);
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i] as FraudCheck;
    const result =
      c.outcome === 'failed'
        ? `FAILED (${c.finding?.mode === 'flag' ? 'flag' : 'reject'})`
        : c.outcome === 'passed'
          ? 'passed'
          : 'not applicable';
    lines[i] = `Fraud check ${c.reason}: ${result}, ${c.detail}.`;
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
