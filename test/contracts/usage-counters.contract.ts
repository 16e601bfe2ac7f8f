import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { UsageCounters } from '../../src/app/ports/usage-counters.js';
import { dayWindow, IngestLimiter, secondWindow } from '../../src/http/limits.js';

/** Two regions' counters over one (replicated) table. */
export interface RegionPair {
  readonly us: UsageCounters;
  readonly eu: UsageCounters;
}

/**
 * The usage-counter port's contract (`src/app/ports/usage-counters.ts`), run against every
 * implementation; `setUpRegions` (where the implementation has regions) adds the multi-region rules.
 */
export function usageCountersContract(
  name: string,
  setUp: () => Promise<UsageCounters>,
  setUpRegions?: () => Promise<RegionPair>,
): void {
  describe(`the usage counters contract: ${name}`, () => {
    let counters: UsageCounters;
    const nowMs = Date.UTC(2026, 10, 29, 12, 0, 0, 400);
    const app = () => `com.acme.${randomUUID().slice(0, 8)}`;
    const shard = (window: ReturnType<typeof secondWindow>, n: number) => ({ ...window, shard: n });

    beforeAll(async () => {
      counters = await setUp();
    });

    it('adds to a shard up to its limit, then refuses with the total found and adds nothing', async () => {
      const window = shard(secondWindow(app(), nowMs), 0);
      expect(await counters.add(window, 2, 3)).toEqual({ admitted: true, total: 2 });
      expect(await counters.add(window, 1, 3)).toEqual({ admitted: true, total: 3 });
      expect(await counters.add(window, 1, 3)).toEqual({ admitted: false, total: 3 });
      expect(await counters.add(window, 0, 3)).toEqual({ admitted: true, total: 3 });
    });

    it('refuses a lease that would pass what the shard has left, and admits one that fits', async () => {
      const window = shard(dayWindow(app(), nowMs), 5);
      await counters.add(window, 8, 10);
      expect(await counters.add(window, 3, 10)).toEqual({ admitted: false, total: 8 });
      expect(await counters.add(window, 2, 10)).toEqual({ admitted: true, total: 10 });
    });

    it('keeps shards, apps and windows apart', async () => {
      const one = app();
      await counters.add(shard(secondWindow(one, nowMs), 0), 1, 1);
      expect((await counters.add(shard(secondWindow(one, nowMs), 0), 1, 1)).admitted).toBe(false);
      expect((await counters.add(shard(secondWindow(one, nowMs), 1), 1, 1)).admitted).toBe(true);
      expect((await counters.add(shard(secondWindow(app(), nowMs), 0), 1, 1)).admitted).toBe(true);
      expect((await counters.add(shard(secondWindow(one, nowMs + 1000), 0), 1, 1)).admitted).toBe(true);
    });

    it('answers no other regions in a single-region deployment', async () => {
      const window = dayWindow(app(), nowMs);
      await counters.add({ ...window, shard: 0 }, 5, 10);
      expect(await counters.otherRegionsTotal(window, 64)).toBe(0);
    });

    it('never lets instances sharing the counters admit more than the limit in a window', async () => {
      // Prepare: 8 API instances, each starting at its own shard, 400 requests against a limit of 250.
      const instances = Array.from(
        { length: 8 },
        (_, i) => new IngestLimiter({ counters, now: () => nowMs, firstShard: i * 8 }),
      );
      const limited = { tenantId: 'acme', appId: app(), settings: { rateLimitPerSecond: 250 } };

      // Act
      let admitted = 0;
      for (let i = 0; i < 400; i++)
        await instances[i % instances.length]
          ?.admitRequest(limited)
          .then(() => admitted++)
          .catch(() => undefined);

      // Assess: never past the limit, and short of it by no more than the leases left unused.
      expect(admitted).toBeLessThanOrEqual(250);
      expect(admitted).toBeGreaterThanOrEqual(200);
    });

    if (setUpRegions) {
      describe('across regions', () => {
        let regions: RegionPair;
        beforeAll(async () => {
          regions = await setUpRegions();
        });

        it('writes each region into its own items, and answers the other regions’ sum over the shards', async () => {
          const window = dayWindow(app(), nowMs);
          await regions.us.add({ ...window, shard: 0 }, 3, 100);
          await regions.us.add({ ...window, shard: 7 }, 4, 100);
          await regions.eu.add({ ...window, shard: 0 }, 5, 100);

          expect(await regions.eu.otherRegionsTotal(window, 64)).toBe(7);
          expect(await regions.us.otherRegionsTotal(window, 64)).toBe(5);
          expect(await regions.us.otherRegionsTotal(window, 4)).toBe(5);
          expect(await regions.eu.otherRegionsTotal(window, 4)).toBe(3);
        });

        it('applies a daily quota to the sum of the regions', async () => {
          const limited = { tenantId: 'acme', appId: app(), settings: { dailyEventQuota: 100 } };
          const us = new IngestLimiter({ counters: regions.us, now: () => nowMs, firstShard: 0 });
          const eu = new IngestLimiter({ counters: regions.eu, now: () => nowMs + 1, firstShard: 0 });
          await us.withinDailyQuota(limited, 70, async () => undefined);

          const refused = await eu.withinDailyQuota(limited, 40, async () => 'published').catch((e) => e);
          const fitting = await eu.withinDailyQuota(limited, 30, async () => 'published');

          expect((refused as Error).message).toContain('30 of its daily quota of 100 events left');
          expect(fitting).toBe('published');
        });
      });
    }
  });
}
