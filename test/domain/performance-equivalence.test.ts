import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildWorkload, chunks } from '../../bench/workload.js';
import {
  AttributionEngine,
  InMemoryAttributionStore,
  isValidAdvertisingId,
  type PipelineRecord,
  resolveSettings,
} from '../../src/domain/index.js';

/** The hot-path rewrites keep the rules they replaced. */

// The definition the character loop replaced.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ALL_ZEROS = /^[0-]+$/;
const byRegex = (v: string) => v.length === 36 && UUID.test(v) && !ALL_ZEROS.test(v);

describe('advertising id check (no regular expression)', () => {
  const hex = fc.constantFrom(...'0123456789abcdefABCDEFgG-z0'.split(''));
  const uuidLike = fc.array(hex, { minLength: 32, maxLength: 32 }).map((c) => {
    const s = c.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  });

  it('agrees with the UUID regular expression on UUID-shaped and arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(uuidLike, fc.string({ maxLength: 40 })), (v) => {
        expect(isValidAdvertisingId(v)).toBe(byRegex(v));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    '00000000-0000-0000-0000-000000000000',
    '00000000-0000-0000-0000-000000000001',
    '3F1E2D4C-5B6A-4789-9ABC-DEF012345678',
    '3f1e2d4c-5b6a-4789-9abc-def01234567g',
    '3f1e2d4c_5b6a-4789-9abc-def012345678',
    '3f1e2d4c-5b6a-4789-9abc-def012345678 ',
  ])('agrees on %j', (v) => {
    expect(isValidAdvertisingId(v)).toBe(byRegex(v));
  });
});

describe('in-memory store without history', () => {
  async function run(retainHistory: boolean) {
    const store = new InMemoryAttributionStore({ retainHistory });
    const settings = resolveSettings();
    const engine = new AttributionEngine(store, { settingsFor: () => settings });
    const w = buildWorkload(300, { tenantId: 't' });
    const outcomes: unknown[] = [];
    for (const batch of chunks<PipelineRecord>([...w.touchpoints, ...w.events], 97)) {
      outcomes.push((await engine.processBatch(batch)).outcomes);
    }
    return { store, outcomes };
  }

  it('decides the same and keeps the same state, only without the attribution lists', async () => {
    const kept = await run(true);
    const lean = await run(false);
    expect(lean.outcomes).toEqual(kept.outcomes);
    expect(lean.store.counters()).toEqual(kept.store.counters());
    expect(lean.store.deviceCount).toBe(kept.store.deviceCount);
    expect(kept.store.attributions.length).toBe(300);
    expect(lean.store.attributions).toEqual([]);
    expect(lean.store.eventAttributions).toEqual([]);
  });
});
