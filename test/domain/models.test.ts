import { describe, expect, it } from 'vitest';
import {
  type Candidate,
  computeCredits,
  DEFAULT_SETTINGS,
  positionWeights,
  timeDecayWeight,
} from '../../src/domain/index.js';
import { click, DAY_MS, T0 } from './factories.js';

const candidates = (...agesDays: number[]): Candidate[] =>
  agesDays
    .sort((a, b) => b - a)
    .map((d, i) => ({
      touchpoint: click({ id: `tp${i}`, timestampMs: T0 - d * DAY_MS }),
      cls: 'device_click',
      ageMs: d * DAY_MS,
    }));
const shares = (cs: readonly { credit: number }[]) => cs.map((c) => c.credit);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('multi-touch models', () => {
  it('give one touchpoint all the credit in every model', () => {
    const c = candidates(1);
    const credits = computeCredits(c, c[0], DEFAULT_SETTINGS);
    for (const model of Object.values(credits)) expect(shares(model)).toEqual([1]);
  });

  it('split position-based 50/50 with two touchpoints', () => {
    const c = candidates(2, 1);
    expect(shares(computeCredits(c, c[1], DEFAULT_SETTINGS).position_based)).toEqual([0.5, 0.5]);
  });

  it('give position-based 40/20/40, the middle 20 spread over the middle', () => {
    const c = candidates(4, 3, 2, 1);
    const pb = shares(computeCredits(c, c[3], DEFAULT_SETTINGS).position_based);
    expect(pb[0]).toBeCloseTo(0.4, 12);
    expect(pb[1]).toBeCloseTo(0.1, 12);
    expect(pb[2]).toBeCloseTo(0.1, 12);
    expect(pb[3]).toBeCloseTo(0.4, 12);
    expect(positionWeights(3, DEFAULT_SETTINGS.positionBasedWeights)).toEqual([0.4, 0.2, 0.4]);
  });

  it('halve the time-decay weight every half-life (7 days)', () => {
    expect(timeDecayWeight(7 * DAY_MS, 7)).toBe(0.5);
    const c = candidates(7, 0);
    const td = shares(computeCredits(c, c[1], DEFAULT_SETTINGS).time_decay);
    expect(td[0]).toBeCloseTo(1 / 3, 12);
    expect(td[1]).toBeCloseTo(2 / 3, 12);
  });

  it('credit the oldest in first touch and the install winner in last touch', () => {
    const c = candidates(3, 2, 1);
    const credits = computeCredits(c, c[1], DEFAULT_SETTINGS);
    expect(credits.first_touch[0]?.touchpointId).toBe('tp0');
    expect(credits.last_touch[0]?.touchpointId).toBe('tp1');
  });

  it('make linear credits over three touchpoints sum to exactly 1', () => {
    const c = candidates(3, 2, 1);
    const linear = shares(computeCredits(c, c[2], DEFAULT_SETTINGS).linear);
    expect(Math.abs(sum(linear) - 1)).toBeLessThanOrEqual(1e-9);
  });

  describe('position-based with asymmetric weights (60% first, 30% middle, 10% last)', () => {
    const weights = { first: 0.6, middle: 0.3, last: 0.1 };
    const settings = { ...DEFAULT_SETTINGS, positionBasedWeights: weights };

    it('gives the first of two touchpoints 6/7 and the last 1/7 (their parts, the middle shared)', () => {
      const c = candidates(2, 1);
      const pb = computeCredits(c, c[1], settings).position_based;
      expect(pb.map((x) => x.touchpointId)).toEqual(['tp0', 'tp1']);
      expect(shares(pb)[0]).toBeCloseTo(6 / 7, 12);
      expect(shares(pb)[1]).toBeCloseTo(1 / 7, 12);
      expect(positionWeights(2, weights)).toEqual([0.6, 0.1]);
    });

    it('gives three touchpoints 60/30/10, oldest first', () => {
      const c = candidates(3, 2, 1);
      const pb = computeCredits(c, c[2], settings).position_based;
      expect(pb.map((x) => x.touchpointId)).toEqual(['tp0', 'tp1', 'tp2']);
      const [first, middle, last] = shares(pb);
      expect(first).toBeCloseTo(0.6, 12);
      expect(middle).toBeCloseTo(0.3, 12);
      expect(last).toBeCloseTo(0.1, 12);
      expect(positionWeights(3, weights)).toEqual([0.6, 0.3, 0.1]);
    });

    it('spreads the 30% middle evenly over two middle touchpoints', () => {
      const c = candidates(4, 3, 2, 1);
      const pb = shares(computeCredits(c, c[3], settings).position_based);
      expect(pb.map((x) => Math.round(x * 1e12) / 1e12)).toEqual([0.6, 0.15, 0.15, 0.1]);
    });
  });
});
