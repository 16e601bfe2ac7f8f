import type { MatchType } from './attribution.js';
import type { Touchpoint } from './records.js';
import { type AppSettings, HOUR_MS } from './settings.js';

/**
 * Matching and precedence (SPEC §4 rules 1–2). A touchpoint is a candidate for an install when it is
 * found through one of the install's match keys and lies inside the window of its match class:
 *
 * | class (highest first)  | found through                           | window                   |
 * | ---------------------- | --------------------------------------- | ------------------------ |
 * | `referrer_click`       | the click id in the install referrer     | click lookback (7 d)     |
 * | `device_click`         | the install's advertising or vendor id   | click lookback (7 d)     |
 * | `probabilistic_click`  | the IP + User-Agent signature            | probabilistic (24 h)     |
 * | `device_impression`    | the install's advertising or vendor id   | view-through (24 h)      |
 *
 * Window edges are inclusive: a touchpoint exactly one window before the install still counts, one
 * millisecond more does not. A touchpoint at the install's own millisecond counts (it is not after it);
 * any later one never does. Inside a class the latest touchpoint wins; an exact tie goes to the smaller
 * touchpoint id, so the result never depends on storage order.
 *
 * The referrer's click id names a click by our id or, failing that, by the network's own `click_id`
 * (SPEC §4.1): a click whose platform id it is makes network-id matches of the same value ordinary.
 */

export const MATCH_CLASSES = [
  'referrer_click',
  'device_click',
  'probabilistic_click',
  'device_impression',
] as const;
export type MatchClass = (typeof MATCH_CLASSES)[number];

/** Higher wins. */
export const CLASS_RANK: Readonly<Record<MatchClass, number>> = {
  referrer_click: 4,
  device_click: 3,
  probabilistic_click: 2,
  device_impression: 1,
};

export const MATCH_TYPE_OF_CLASS: Readonly<Record<MatchClass, MatchType>> = {
  referrer_click: 'click_id',
  device_click: 'device_id',
  probabilistic_click: 'probabilistic',
  device_impression: 'view_through',
};

/** How a touchpoint was found for an install (bit flags). */
export const FOUND_BY_REFERRER = 1;
export const FOUND_BY_DEVICE_ID = 2;
export const FOUND_BY_SIGNATURE = 4;

/** Every window of an app's settings, in milliseconds. */
export interface MatchWindows {
  readonly clickMs: number;
  readonly viewThroughMs: number;
  /** 0 when probabilistic matching is off. */
  readonly probabilisticMs: number;
  readonly probabilisticEnabled: boolean;
}

const windowCache = new WeakMap<AppSettings, MatchWindows>();

export function matchWindows(settings: AppSettings): MatchWindows {
  let w = windowCache.get(settings);
  if (!w) {
    w = {
      clickMs: settings.clickLookbackHours * HOUR_MS,
      viewThroughMs: settings.viewThroughLookbackHours * HOUR_MS,
      probabilisticMs: settings.probabilisticMatching.enabled
        ? settings.probabilisticMatching.windowHours * HOUR_MS
        : 0,
      probabilisticEnabled: settings.probabilisticMatching.enabled,
    };
    windowCache.set(settings, w);
  }
  return w;
}

/** A touchpoint found for an install, with how it was found. */
export interface FoundTouchpoint {
  readonly touchpoint: Touchpoint;
  readonly foundBy: number;
}

/** A touchpoint that qualifies for an install. */
export interface Candidate {
  readonly touchpoint: Touchpoint;
  readonly cls: MatchClass;
  /** Install time minus touch time, ≥ 0. */
  readonly ageMs: number;
}

export type ExclusionReason =
  | 'after_install'
  | 'outside_window'
  | 'impression_without_device_id'
  | 'probabilistic_off'
  | 'referrer_names_another_click'
  | 'excluded_source';

/** A touchpoint that was found but does not qualify, and why. */
export interface Exclusion {
  readonly touchpoint: Touchpoint;
  readonly reason: ExclusionReason;
  /** For `outside_window`: the class it would have had, its window, and by how much it missed. */
  readonly cls?: MatchClass;
  readonly windowMs?: number;
  readonly overByMs?: number;
  /** For `after_install`: how long after the install. */
  readonly afterMs?: number;
}

export interface MatchResult {
  readonly winner?: Candidate;
  /** Every qualifying touchpoint (winner included), oldest first: what the multi-touch models credit. */
  readonly qualifying: readonly Candidate[];
  readonly excluded: readonly Exclusion[];
}

function windowOf(cls: MatchClass, w: MatchWindows): number {
  switch (cls) {
    case 'referrer_click':
    case 'device_click':
      return w.clickMs;
    case 'probabilistic_click':
      return w.probabilisticMs;
    case 'device_impression':
      return w.viewThroughMs;
  }
}

/**
 * The referrer's click id as it names touchpoints: `byId` when some found click carries it as our id,
 * else it names the clicks a network sent with that `click_id`.
 */
interface ReferrerMatch {
  readonly clickId: string | undefined;
  readonly byId: boolean;
}

function referrerMatchOf(found: readonly FoundTouchpoint[], clickId: string | undefined): ReferrerMatch {
  if (clickId === undefined) return { clickId, byId: false };
  for (let i = 0; i < found.length; i++) {
    const f = found[i] as FoundTouchpoint;
    if (f.foundBy & FOUND_BY_REFERRER && f.touchpoint.id === clickId) return { clickId, byId: true };
  }
  return { clickId, byId: false };
}

function isReferrerClick(tp: Touchpoint, referrer: ReferrerMatch): boolean {
  if (referrer.clickId === undefined) return false;
  return referrer.byId ? tp.id === referrer.clickId : tp.networkClickId === referrer.clickId;
}

/** `classesOf`'s answer: read before the next call (one list for every touchpoint, not one each). */
const CLASSES: MatchClass[] = [];

/** The classes a touchpoint may hold, highest first, given how it was found (valid until the next call). */
function classesOf(
  tp: Touchpoint,
  foundBy: number,
  referrer: ReferrerMatch,
  w: MatchWindows,
): readonly MatchClass[] {
  const out = CLASSES;
  out.length = 0;
  if (tp.type === 'click') {
    if (foundBy & FOUND_BY_REFERRER && isReferrerClick(tp, referrer)) out.push('referrer_click');
    if (foundBy & FOUND_BY_DEVICE_ID) out.push('device_click');
    if (foundBy & FOUND_BY_SIGNATURE && w.probabilisticEnabled) out.push('probabilistic_click');
  } else if (foundBy & FOUND_BY_DEVICE_ID) {
    out.push('device_impression');
  }
  return out;
}

/** True when `a` beats `b`: higher class, then later, then smaller id. */
export function beats(a: Candidate, b: Candidate): boolean {
  const ra = CLASS_RANK[a.cls];
  const rb = CLASS_RANK[b.cls];
  if (ra !== rb) return ra > rb;
  if (a.touchpoint.timestampMs !== b.touchpoint.timestampMs) {
    return a.touchpoint.timestampMs > b.touchpoint.timestampMs;
  }
  return a.touchpoint.id < b.touchpoint.id;
}

/** Oldest first; ties by id. */
export function byTouchTime(a: Candidate, b: Candidate): number {
  return (
    a.touchpoint.timestampMs - b.touchpoint.timestampMs ||
    (a.touchpoint.id < b.touchpoint.id ? -1 : a.touchpoint.id > b.touchpoint.id ? 1 : 0)
  );
}

/**
 * Sorts in place by `byTouchTime`; stable, as `Array.prototype.sort` is. An insertion sort: an install has
 * a handful of candidates, and the built-in sort allocates a work copy for every call.
 */
function sortByTouchTime(list: Candidate[]): void {
  for (let i = 1; i < list.length; i++) {
    const c = list[i] as Candidate;
    let j = i - 1;
    while (j >= 0 && byTouchTime(list[j] as Candidate, c) > 0) {
      list[j + 1] = list[j] as Candidate;
      j--;
    }
    list[j + 1] = c;
  }
}

/**
 * Picks the winner among the touchpoints found for an install (SPEC §4 rule 2).
 * @param found every touchpoint found, each once, with how it was found
 * @param excludeTouchpointId a touchpoint that may not qualify (a reattribution needs a *new* source)
 */
export function matchInstall(
  found: readonly FoundTouchpoint[],
  installTimeMs: number,
  referrerClickId: string | undefined,
  windows: MatchWindows,
  excludeTouchpointId?: string,
): MatchResult {
  const qualifying: Candidate[] = [];
  const excluded: Exclusion[] = [];
  let winner: Candidate | undefined;
  const referrer = referrerMatchOf(found, referrerClickId);
  for (let i = 0; i < found.length; i++) {
    const { touchpoint, foundBy } = found[i] as FoundTouchpoint;
    const ageMs = installTimeMs - touchpoint.timestampMs;
    if (ageMs < 0) {
      excluded.push({ touchpoint, reason: 'after_install', afterMs: -ageMs });
      continue;
    }
    if (touchpoint.id === excludeTouchpointId) {
      excluded.push({ touchpoint, reason: 'excluded_source' });
      continue;
    }
    const classes = classesOf(touchpoint, foundBy, referrer, windows);
    if (classes.length === 0) {
      const reason: ExclusionReason =
        touchpoint.type === 'impression'
          ? 'impression_without_device_id'
          : foundBy === FOUND_BY_REFERRER
            ? 'referrer_names_another_click'
            : 'probabilistic_off';
      excluded.push({ touchpoint, reason });
      continue;
    }
    let cls: MatchClass | undefined;
    for (let k = 0; k < classes.length; k++) {
      const c = classes[k] as MatchClass;
      if (ageMs <= windowOf(c, windows)) {
        cls = c;
        break;
      }
    }
    if (cls === undefined) {
      const best = classes[0] as MatchClass;
      const windowMs = windowOf(best, windows);
      excluded.push({
        touchpoint,
        reason: 'outside_window',
        cls: best,
        windowMs,
        overByMs: ageMs - windowMs,
      });
      continue;
    }
    const candidate: Candidate = { touchpoint, cls, ageMs };
    qualifying.push(candidate);
    if (!winner || beats(candidate, winner)) winner = candidate;
  }
  if (qualifying.length > 1) sortByTouchTime(qualifying);
  return winner ? { winner, qualifying, excluded } : { qualifying, excluded };
}
