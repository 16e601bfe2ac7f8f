import { describe, expect, it } from 'vitest';
import { FxTable } from '../../src/app/performance.js';

/** SPEC §8: money converts with the tenant's rate of its own day; a missing rate is never guessed. */

const rate = (day: string, from: string, to: string, value: number) => ({
  day,
  from_currency: from,
  to_currency: to,
  rate: String(value),
});

describe('FX rates of a tenant', () => {
  const fx = new FxTable([rate('2026-11-20', 'EUR', 'USD', 1.25), rate('2026-11-21', 'EUR', 'USD', 1.1)]);

  it("converts with the day's rate: one EUR is worth the rate in USD", () => {
    expect(fx.convert(8, 'EUR', 'USD', '2026-11-20')).toBe(10);
    expect(fx.convert(10, 'EUR', 'USD', '2026-11-21')).toBeCloseTo(11, 10);
  });

  it('converts the other way with the inverse of the pair it has', () => {
    expect(fx.convert(10, 'USD', 'EUR', '2026-11-20')).toBe(8);
  });

  it('leaves an amount in the report currency as it is, with or without rates', () => {
    expect(fx.convert(7, 'GBP', 'GBP', '2026-11-22')).toBe(7);
  });

  it('has no number for a day or a pair without a rate', () => {
    expect(fx.convert(8, 'EUR', 'USD', '2026-11-22')).toBeUndefined();
    expect(fx.convert(8, 'GBP', 'USD', '2026-11-20')).toBeUndefined();
  });
});
