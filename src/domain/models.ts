import type { Credits, ModelCredit, ModelName } from './attribution.js';
import type { Candidate } from './matching.js';
import { type AppSettings, DAY_MS } from './settings.js';

/**
 * The five multi-touch models (SPEC §4 rule 6). Each credits every qualifying touchpoint of an install
 * and its credits sum to exactly 1 (the last share absorbs floating-point rounding). `last_touch` is the
 * install's own attribution, precedence included, so it always agrees with the reported winner.
 */

export const EMPTY_CREDITS: Credits = {
  last_touch: [],
  first_touch: [],
  linear: [],
  time_decay: [],
  position_based: [],
};

function credit(c: Candidate, share: number): ModelCredit {
  const tp = c.touchpoint;
  return tp.campaign === undefined
    ? { touchpointId: tp.id, network: tp.network, credit: share }
    : { touchpointId: tp.id, network: tp.network, campaign: tp.campaign, credit: share };
}

/** Shares proportional to `weights`, normalised so that they sum to exactly 1. */
function normalised(ordered: readonly Candidate[], weights: readonly number[]): ModelCredit[] {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i] as number;
  const n = ordered.length;
  const out: ModelCredit[] = new Array(n);
  let assigned = 0;
  for (let i = 0; i < n - 1; i++) {
    const share = total > 0 ? (weights[i] as number) / total : 1 / n;
    assigned += share;
    out[i] = credit(ordered[i] as Candidate, share);
  }
  out[n - 1] = credit(ordered[n - 1] as Candidate, Math.max(0, 1 - assigned));
  return out;
}

/** Position-based weights for `n` touchpoints: first/middle/last; 2 → first and last share the middle's part. */
export function positionWeights(n: number, w: AppSettings['positionBasedWeights']): number[] {
  if (n === 1) return [1];
  if (n === 2) return w.first + w.last > 0 ? [w.first, w.last] : [1, 1];
  const out = new Array<number>(n).fill(w.middle / (n - 2));
  out[0] = w.first;
  out[n - 1] = w.last;
  return out;
}

/** Time-decay weight: halves every half-life before the install. */
export function timeDecayWeight(ageMs: number, halfLifeDays: number): number {
  return 2 ** (-ageMs / (halfLifeDays * DAY_MS));
}

/**
 * Credits under every model.
 * @param qualifying every qualifying touchpoint, oldest first
 * @param winner the install's winner (one of `qualifying`)
 */
export function computeCredits(
  qualifying: readonly Candidate[],
  winner: Candidate | undefined,
  settings: AppSettings,
): Credits {
  const n = qualifying.length;
  if (n === 0 || !winner) return EMPTY_CREDITS;
  const first = qualifying[0] as Candidate;
  if (n === 1) {
    const all = [credit(first, 1)];
    return { last_touch: all, first_touch: all, linear: all, time_decay: all, position_based: all };
  }
  const linear = new Array<number>(n).fill(1);
  const decay = qualifying.map((c) => timeDecayWeight(c.ageMs, settings.timeDecayHalfLifeDays));
  return {
    last_touch: [credit(winner, 1)],
    first_touch: [credit(first, 1)],
    linear: normalised(qualifying, linear),
    time_decay: normalised(qualifying, decay),
    position_based: normalised(qualifying, positionWeights(n, settings.positionBasedWeights)),
  } satisfies Record<ModelName, ModelCredit[]>;
}
