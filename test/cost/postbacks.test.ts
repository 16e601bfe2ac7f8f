import { describe, expect, it } from 'vitest';
import { estimatePostbackCost } from '../../src/cost/postbacks.js';

describe('postback cost per 1,000 events', () => {
  it('prices two deliveries per install: one partner postback and one webhook', () => {
    const estimate = estimatePostbackCost({ installsPer1kEvents: 50, regions: 1 });
    expect(estimate.deliveriesPer1k).toBe(100);
    expect(estimate.recordBytes).toHaveLength(2);
    // The webhook's record carries the §3 answer: bigger than the partner's rendered URL.
    expect(estimate.recordBytes[1]).toBeGreaterThan(estimate.recordBytes[0] ?? 0);
    expect(estimate.totalPer1k).toBeGreaterThan(0);
  });

  it('bills the delivery records again in each replica region', () => {
    const one = estimatePostbackCost({ installsPer1kEvents: 50, regions: 1 });
    const two = estimatePostbackCost({ installsPer1kEvents: 50, regions: 2 });
    const replicated = (e: typeof one) =>
      e.lines.find((l) => l.item === 'DynamoDB replicated writes')?.usdPer1k;
    expect(replicated(one)).toBe(0);
    expect(replicated(two)).toBeGreaterThan(0);
  });

  it('grows with the installs', () => {
    const few = estimatePostbackCost({ installsPer1kEvents: 10, regions: 2 });
    const many = estimatePostbackCost({ installsPer1kEvents: 100, regions: 2 });
    expect(many.totalPer1k).toBeGreaterThan(few.totalPer1k * 5);
  });
});
