import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { UsageCounters } from '../../src/app/ports/usage-counters.js';
import { dayWindow, secondWindow } from '../../src/http/limits.js';

/** The usage-counter port's contract (`src/app/ports/usage-counters.ts`), run against every implementation. */
export function usageCountersContract(name: string, setUp: () => Promise<UsageCounters>): void {
  describe(`the usage counters contract: ${name}`, () => {
    let counters: UsageCounters;
    const nowMs = Date.UTC(2026, 10, 29, 12, 0, 0, 400);
    const app = () => `com.acme.${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      counters = await setUp();
    });

    it('adds up to the limit, then refuses with the total found and adds nothing', async () => {
      const window = secondWindow(app(), nowMs);
      expect(await counters.add(window, 2, 3)).toEqual({ admitted: true, total: 2 });
      expect(await counters.add(window, 1, 3)).toEqual({ admitted: true, total: 3 });
      expect(await counters.add(window, 1, 3)).toEqual({ admitted: false, total: 3 });
      expect(await counters.add(window, 0, 3)).toEqual({ admitted: true, total: 3 });
    });

    it('refuses a batch that would pass the remaining quota, and admits one that fits', async () => {
      const window = dayWindow(app(), nowMs);
      await counters.add(window, 8, 10);
      expect((await counters.add(window, 3, 10)).admitted).toBe(false);
      expect(await counters.add(window, 2, 10)).toEqual({ admitted: true, total: 10 });
    });

    it('keeps apps and windows apart', async () => {
      const one = app();
      await counters.add(secondWindow(one, nowMs), 1, 1);
      expect((await counters.add(secondWindow(one, nowMs), 1, 1)).admitted).toBe(false);
      expect((await counters.add(secondWindow(app(), nowMs), 1, 1)).admitted).toBe(true);
      expect((await counters.add(secondWindow(one, nowMs + 1000), 1, 1)).admitted).toBe(true);
    });

    it('gives units back, and ignores a window it never counted', async () => {
      const window = dayWindow(app(), nowMs);
      await counters.add(window, 4, 4);
      await counters.remove(window, 4);
      expect(await counters.add(window, 4, 4)).toEqual({ admitted: true, total: 4 });
      await expect(counters.remove(dayWindow(app(), nowMs), 4)).resolves.toBeUndefined();
    });
  });
}
