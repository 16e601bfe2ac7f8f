import { describe, expect, it } from 'vitest';
import { CostRowSchema, FxRateSchema } from '../../src/domain/spend.js';
import { DEMO_NETWORKS, demoPlan, demoSpend } from '../../src/local/demo-traffic.js';

describe('demo spend', () => {
  const nowMs = Date.parse('2026-11-20T12:00:00Z');
  const { costs, rates } = demoSpend({ seed: 7, nowMs, days: 3 });

  it('gives every demo network spend on each day, rows the costs route accepts', () => {
    expect(new Set(costs.map((c) => c.network))).toEqual(new Set(Object.keys(DEMO_NETWORKS)));
    expect(new Set(costs.map((c) => c.date))).toEqual(new Set(['2026-11-18', '2026-11-19', '2026-11-20']));
    for (const row of costs) expect(CostRowSchema.safeParse(row).success).toBe(true);
  });

  it('bills some networks in euros and gives a EUR→USD rate for each of those days', () => {
    const euroDays = new Set(costs.filter((c) => c.currency === 'EUR').map((c) => c.date));
    expect(euroDays.size).toBe(3);
    expect(new Set(rates.map((r) => r.date))).toEqual(euroDays);
    for (const rate of rates) expect(FxRateSchema.safeParse(rate).success).toBe(true);
  });

  it('is the same for the same seed', () => {
    expect(demoSpend({ seed: 7, nowMs, days: 3 })).toEqual({ costs, rates });
  });

  it("sends each device's country, so spend by country meets the installs of that country", () => {
    const installs = demoPlan({ devices: 200, seed: 7, nowMs }).events.filter((e) => e.type === 'install');
    const countries = installs.map((e) => (e.device as { country?: string }).country);

    expect(new Set(countries)).toEqual(new Set(['US', 'DE', 'FR', 'JP']));
    expect(new Set(costs.map((c) => c.country))).toEqual(new Set(['US', 'DE']));
  });
});
