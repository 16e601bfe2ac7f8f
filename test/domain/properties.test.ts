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

const HOUR_MS = DAY_MS / 24;
/**
 * Offsets before the install (negative: after it). Drawn from the window edges of the default settings
 * (0, click lookback 7 d, view-through and probabilistic 24 h, each ± 1 ms), from a small pool so that
 * exact ties occur, and from anywhere in range.
 */
const EDGE_OFFSETS = [0, 1, -1, 7 * DAY_MS, 7 * DAY_MS - 1, 7 * DAY_MS + 1, DAY_MS, DAY_MS - 1, DAY_MS + 1];
const TIE_POOL = [HOUR_MS, 2 * HOUR_MS, 3 * DAY_MS];
const offsetArb = fc.oneof(
  fc.constantFrom(...EDGE_OFFSETS),
  fc.constantFrom(...TIE_POOL),
  fc.integer({ min: -2 * DAY_MS, max: 9 * DAY_MS }),
);

/**
 * Arbitrary touchpoints around one install: clicks and impressions, matched by referrer (with or
 * without a signature, by our id or by the network's click id), device id or signature.
 */
const touchpointArb = fc
  .record({
    n: fc.integer({ min: 0, max: 1_000_000 }),
    type: fc.constantFrom('click', 'impression') as fc.Arbitrary<'click' | 'impression'>,
    network: fc.constantFrom('meta', 'google', 'tiktok'),
    offsetMs: offsetArb,
    by: fc.constantFrom('device', 'signature', 'referrer', 'referrer_bare'),
    networkClickId: fc.option(fc.constantFrom('net_a', 'net_b'), { nil: undefined }),
  })
  .map(
    ({ n, type, network, offsetMs, by, networkClickId }): Touchpoint => ({
      id: `tp_${n}`,
      tenantId: TENANT,
      appId: APP,
      type,
      network,
      timestampMs: T0 - offsetMs,
      ...(networkClickId === undefined ? {} : { networkClickId }),
      ...(by === 'device'
        ? { advertisingId: ADID }
        : by === 'referrer_bare'
          ? {}
          : { ip: IP, userAgent: ANDROID_UA }),
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

/** The referrer's click id: one touchpoint's own id, or (every fifth pick) a network click id. */
const referrerOf = (tps: readonly Touchpoint[], pick: number) => {
  if (tps.length === 0) return undefined;
  const tp = tps[pick % tps.length];
  return pick % 5 === 4 && tp?.networkClickId !== undefined ? tp.networkClickId : tp?.id;
};

describe('the touchpoint generator', () => {
  it('makes exact ties, window edges and referrer touchpoints without a signature', () => {
    const samples = fc.sample(touchpointsArb, { numRuns: 1_300, seed: 42 });
    const withTie = samples.filter((tps) => new Set(tps.map((t) => t.timestampMs)).size < tps.length);
    const edges = new Set(EDGE_OFFSETS.map((o) => T0 - o));
    const atEdge = samples.filter((tps) => tps.some((t) => edges.has(t.timestampMs)));
    const bare = samples.filter((tps) =>
      tps.some((t) => t.ip === undefined && t.advertisingId === undefined),
    );
    expect(withTie.length).toBeGreaterThan(100);
    expect(atEdge.length).toBeGreaterThan(100);
    expect(bare.length).toBeGreaterThan(100);
  });
});

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

  it('an exact tie inside the best class goes to the smaller touchpoint id, whatever the order', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TIE_POOL),
        fc.uniqueArray(fc.integer({ min: 0, max: 999 }), { minLength: 2, maxLength: 5 }),
        (offsetMs, ns) => {
          const tps = ns.map((n) => ({
            id: `tp_${String(n).padStart(3, '0')}`,
            tenantId: TENANT,
            appId: APP,
            type: 'click' as const,
            network: 'meta',
            timestampMs: T0 - offsetMs,
            advertisingId: ADID,
          }));
          const smallest = [...tps].sort((a, b) => (a.id < b.id ? -1 : 1))[0]?.id;
          expect(decide(tps, undefined).source?.touchpointId).toBe(smallest);
          expect(decide([...tps].reverse(), undefined).source?.touchpointId).toBe(smallest);
        },
      ),
      { numRuns: 100 },
    );
  });
});
