import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AppSettingsInput,
  type Attribution,
  decideBatch,
  MODEL_NAMES,
  type PipelineRecord,
  prepareBatch,
  resolveSettings,
  type Touchpoint,
} from '../../src/domain/index.js';
import { ADID, ANDROID_UA, APP, DAY_MS, IP, install, T0, TENANT, toRecord } from './factories.js';

/** Arbitrary touchpoints around one install: clicks and impressions, matched by referrer, device id or signature. */
const touchpointArb = fc
  .record({
    n: fc.integer({ min: 0, max: 1_000_000 }),
    type: fc.constantFrom('click', 'impression') as fc.Arbitrary<'click' | 'impression'>,
    network: fc.constantFrom('meta', 'google', 'tiktok'),
    offsetMs: fc.integer({ min: -2 * DAY_MS, max: 9 * DAY_MS }),
    by: fc.constantFrom('device', 'signature', 'referrer'),
  })
  .map(
    ({ n, type, network, offsetMs, by }): Touchpoint => ({
      id: `tp_${n}`,
      tenantId: TENANT,
      appId: APP,
      type,
      network,
      timestampMs: T0 - offsetMs,
      ...(by === 'device' ? { advertisingId: ADID } : { ip: IP, userAgent: ANDROID_UA }),
    }),
  );
const touchpointsArb = fc.uniqueArray(touchpointArb, { selector: (t) => t.id, maxLength: 8 });

const ctxFor = (input: AppSettingsInput = {}) => {
  const s = resolveSettings(input);
  return { settingsFor: () => s };
};

function decide(
  tps: readonly Touchpoint[],
  referrer: string | undefined,
  input: AppSettingsInput = {},
): Attribution {
  const e = install({
    eventId: 'e_install',
    ip: IP,
    osVersion: '14',
    model: 'Pixel 8',
    ...(referrer ? { referrerClickId: referrer } : {}),
  });
  const records: PipelineRecord[] = [...tps.map(toRecord), toRecord(e)];
  const snapshot = {
    devices: new Map(),
    touchpoints: new Map(),
    processedEvents: new Set<string>(),
    ipInstallCounts: new Map(),
  };
  const { outcomes } = decideBatch(prepareBatch(records), snapshot, ctxFor(input));
  const a = outcomes.at(-1)?.attribution;
  if (!a) throw new Error('no attribution');
  return a;
}

const referrerOf = (tps: readonly Touchpoint[], pick: number) =>
  tps.length > 0 ? tps[pick % tps.length]?.id : undefined;

describe('properties', () => {
  it("each model's credits sum to 1 (within 1e-9) whenever a touchpoint qualifies", () => {
    fc.assert(
      fc.property(touchpointsArb, fc.nat(), (tps, pick) => {
        const a = decide(tps, referrerOf(tps, pick), { fraudMode: 'flag' });
        for (const model of MODEL_NAMES) {
          const credits = a.credits[model];
          if (a.status === 'organic') expect(credits).toEqual([]);
          else {
            const sum = credits.reduce((s, c) => s + c.credit, 0);
            expect(Math.abs(sum - 1)).toBeLessThanOrEqual(1e-9);
            for (const c of credits) expect(c.credit).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a touchpoint after the install never wins', () => {
    fc.assert(
      fc.property(touchpointsArb, fc.nat(), (tps, pick) => {
        const a = decide(tps, referrerOf(tps, pick));
        if (a.touchTimeMs !== undefined) expect(a.touchTimeMs).toBeLessThanOrEqual(a.installTimeMs);
        for (const model of MODEL_NAMES) {
          for (const c of a.credits[model]) {
            const tp = tps.find((t) => t.id === c.touchpointId);
            expect(tp?.timestampMs).toBeLessThanOrEqual(T0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the result does not depend on the order touchpoints were stored in', () => {
    fc.assert(
      fc.property(
        touchpointsArb.chain((tps) =>
          fc.tuple(
            fc.constant(tps),
            fc.shuffledSubarray(tps, { minLength: tps.length, maxLength: tps.length }),
          ),
        ),
        fc.nat(),
        ([tps, shuffled], pick) => {
          const referrer = referrerOf(tps, pick);
          const a = decide(tps, referrer);
          const b = decide(shuffled, referrer);
          expect({ ...b, explanation: [] }).toEqual({ ...a, explanation: [] });
          expect([...b.explanation].sort()).toEqual([...a.explanation].sort());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('widening a window never turns an attributed install organic', () => {
    const windowArb = fc.record({
      click: fc.integer({ min: 1, max: 24 * 10 }),
      view: fc.integer({ min: 1, max: 24 * 3 }),
      prob: fc.integer({ min: 1, max: 24 * 3 }),
    });
    fc.assert(
      fc.property(touchpointsArb, fc.nat(), windowArb, windowArb, (tps, pick, w, extra) => {
        const narrow = {
          clickLookbackHours: w.click,
          viewThroughLookbackHours: w.view,
          probabilisticMatching: { windowHours: w.prob },
        };
        const wide = {
          clickLookbackHours: Math.min(720, w.click + extra.click),
          viewThroughLookbackHours: Math.min(168, w.view + extra.view),
          probabilisticMatching: { windowHours: Math.min(168, w.prob + extra.prob) },
        };
        const referrer = referrerOf(tps, pick);
        if (decide(tps, referrer, narrow).status !== 'organic') {
          expect(decide(tps, referrer, wide).status).not.toBe('organic');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the same input gives the same output', () => {
    fc.assert(
      fc.property(touchpointsArb, fc.nat(), (tps, pick) => {
        const referrer = referrerOf(tps, pick);
        expect(decide(tps, referrer)).toEqual(decide(tps, referrer));
      }),
      { numRuns: 100 },
    );
  });
});
