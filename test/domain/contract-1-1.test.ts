import { describe, expect, it } from 'vitest';
import {
  clickIdKey,
  collectKeys,
  identifierKey,
  prepareBatch,
  presentAttribution,
  touchpointMatchKeys,
  validateEvent,
} from '../../src/domain/index.js';
import {
  ADID,
  APP,
  appEvent,
  attribute,
  click,
  DAY_MS,
  HOUR_MS,
  harness,
  IDFV,
  impression,
  install,
  SECOND,
  T0,
  TENANT,
  toRecord,
} from './factories.js';

/** SPEC §4.1 (contract 1.1): the decisions that settle cases the rules of §4 left open. */

/** A click carrying the device's advertising id (the install factory's). */
const adClick: typeof click = (overrides = {}) => click({ advertisingId: ADID, ...overrides });

describe('referrer click ids (SPEC §4.1)', () => {
  it("matches an install whose referrer carries a network's click_id as class click_id", async () => {
    const s2s = click({ network: 'applovin', networkClickId: 'al-7781', timestampMs: T0 - HOUR_MS });
    const a = await attribute([s2s], install({ advertisingId: undefined, referrerClickId: 'al-7781' }));
    expect(a).toMatchObject({ status: 'attributed', match: 'click_id', source: { network: 'applovin' } });
    expect(a.source?.touchpointId).toBe(s2s.id);
  });

  it('prefers the click whose platform id the referrer carries over a network click id of the same value', async () => {
    const ours = click({ id: 'shared-1', network: 'meta', timestampMs: T0 - 2 * HOUR_MS });
    const theirs = click({ network: 'applovin', networkClickId: 'shared-1', timestampMs: T0 - HOUR_MS });
    const a = await attribute(
      [ours, theirs],
      install({ advertisingId: undefined, referrerClickId: 'shared-1' }),
    );
    expect(a).toMatchObject({ match: 'click_id', source: { touchpointId: 'shared-1', network: 'meta' } });
    expect(a.explanation.join('\n')).toContain('the referrer names our click of that id');
  });

  it('keeps a network click id match inside the click lookback window (7 d, edge included)', async () => {
    const atEdge = click({ networkClickId: 'n-edge', timestampMs: T0 - 7 * DAY_MS });
    const a = await attribute([atEdge], install({ advertisingId: undefined, referrerClickId: 'n-edge' }));
    expect(a.match).toBe('click_id');
    const over = click({ networkClickId: 'n-over', timestampMs: T0 - 7 * DAY_MS - 1 });
    const b = await attribute([over], install({ advertisingId: undefined, referrerClickId: 'n-over' }));
    expect(b).toMatchObject({ status: 'organic', match: 'none' });
  });

  it('stores a click under its network click id in the same key space, so an install reads one referrer key', () => {
    const tp = click({ id: 'tp_ours', networkClickId: 'net-1' });
    expect(touchpointMatchKeys(tp)).toEqual(
      expect.arrayContaining([clickIdKey(TENANT, APP, 'tp_ours'), clickIdKey(TENANT, APP, 'net-1')]),
    );
    const keys = collectKeys(
      prepareBatch([toRecord(install({ advertisingId: undefined, referrerClickId: 'net-1' }))]),
    );
    expect(keys.touchpointKeys).toEqual([clickIdKey(TENANT, APP, 'net-1')]);
  });

  it('does not store an impression under its network click id', () => {
    const tp = impression({ id: 'imp_1', networkClickId: 'net-imp' });
    expect(touchpointMatchKeys(tp)).not.toContain(clickIdKey(TENANT, APP, 'net-imp'));
  });
});

describe('identifiers (SPEC §4.1)', () => {
  it('matches an advertising id sent upper-case and padded by a network to the lower-case one of the SDK', async () => {
    const fromNetwork = click({ advertisingId: `  ${ADID.toUpperCase()} ` });
    const a = await attribute([fromNetwork], install({ advertisingId: ADID }));
    expect(a).toMatchObject({ status: 'attributed', match: 'device_id' });
  });

  it('matches a vendor id trimmed and case-insensitively', async () => {
    const fromNetwork = click({ advertisingId: undefined, vendorId: ` ${IDFV.toLowerCase()}\t` });
    const a = await attribute([fromNetwork], install({ advertisingId: undefined, vendorId: IDFV }));
    expect(a).toMatchObject({ status: 'attributed', match: 'device_id' });
  });

  it('never uses an all-zero advertising id as an identifier: two devices sending it stay two devices', async () => {
    const zero = '00000000-0000-0000-0000-000000000000';
    const h = harness();
    const r = await h.send(
      install({ advertisingId: zero, vendorId: IDFV }),
      install({ advertisingId: zero, vendorId: 'C1C2D3E4-F5A6-4B7C-8D9E-0F1A2B3C4D5E' }),
    );
    const [first, second] = r.outcomes.map((o) => o.attribution);
    expect(first?.kind).toBe('install');
    expect(second?.kind).toBe('install');
    expect(first?.deviceId).not.toBe(second?.deviceId);
  });

  it('compares the customer user id exactly (case kept)', async () => {
    const h = harness();
    const r = await h.send(
      install({ advertisingId: undefined, customerUserId: 'User-1' }),
      install({ advertisingId: undefined, customerUserId: 'user-1' }),
    );
    expect(r.outcomes[1]?.attribution?.kind).toBe('install');
  });
});

describe('retargeting is explicit (SPEC §4.1)', () => {
  const installed = async () => {
    const h = harness();
    await h.send(adClick({ network: 'meta', timestampMs: T0 - HOUR_MS }), install());
    return h;
  };

  it('loads the device of a retargeting click only: any other touchpoint is stored without reading it', () => {
    const adidKey = identifierKey(TENANT, APP, 'adid', ADID);
    const plain = collectKeys(
      prepareBatch([toRecord(adClick()), toRecord(impression({ advertisingId: ADID, id: 'imp_1' }))]),
    );
    expect(plain.deviceKeys).toEqual([]);
    const retargeting = collectKeys(prepareBatch([toRecord(adClick({ retargeting: true }))]));
    expect(retargeting.deviceKeys).toEqual([adidKey]);
  });

  it('records a click without `retargeting` that reaches an installed device and credits nothing with it', async () => {
    const h = await installed();
    await h.send(adClick({ network: 'flood', timestampMs: T0 + DAY_MS }));
    const r = await h.send(
      appEvent({ timestampMs: T0 + 2 * DAY_MS, revenue: { amount: 9.99, currency: 'USD' } }),
    );
    expect(r.outcomes[0]?.eventAttribution).toMatchObject({
      creditedAs: 'install',
      source: { network: 'meta' },
    });
    expect(r.outcomes[0]?.attribution).toBeUndefined();
    expect(h.store.total('reengagements', 'flood')).toBe(0);
    expect(h.store.total('revenue', 'flood')).toBe(0);
    expect(h.store.total('revenue', 'meta')).toBe(9.99);
  });

  it('credits nothing to a click without `retargeting` in the same batch as the install it reaches', async () => {
    const h = harness();
    const r = await h.send(
      adClick({ network: 'meta', timestampMs: T0 - HOUR_MS }),
      install(),
      adClick({ id: 'tp_flood', network: 'flood', timestampMs: T0 + DAY_MS }),
      appEvent({ timestampMs: T0 + 2 * DAY_MS, revenue: { amount: 4.99, currency: 'USD' } }),
    );

    expect(r.outcomes[3]?.eventAttribution).toMatchObject({
      creditedAs: 'install',
      source: { network: 'meta' },
    });
    expect(h.store.total('reengagements', 'flood')).toBe(0);
    expect(h.store.total('revenue', 'meta')).toBe(4.99);
  });

  it('re-engages the device with a click marked `retargeting: true` and counts one re-engagement', async () => {
    const h = await installed();
    await h.send(adClick({ id: 'tp_rt', network: 'criteo', timestampMs: T0 + DAY_MS, retargeting: true }));
    const r = await h.send(
      appEvent({ timestampMs: T0 + 2 * DAY_MS }),
      appEvent({ timestampMs: T0 + 3 * DAY_MS }),
    );
    expect(r.outcomes.map((o) => o.eventAttribution?.creditedAs)).toEqual(['reengagement', 'reengagement']);
    expect(r.outcomes[0]?.attribution).toMatchObject({
      kind: 'reengagement',
      source: { touchpointId: 'tp_rt' },
    });
    expect(h.store.total('reengagements', 'criteo')).toBe(1);
  });

  it('does not re-engage with a retargeting impression', async () => {
    const h = await installed();
    await h.send(
      impression({ network: 'criteo', advertisingId: ADID, timestampMs: T0 + DAY_MS, retargeting: true }),
    );
    const r = await h.send(appEvent({ timestampMs: T0 + 2 * DAY_MS }));
    expect(r.outcomes[0]?.eventAttribution?.creditedAs).toBe('install');
  });

  it("answers an open re-engagement in a `reengagement` object while `kind` stays the install's", async () => {
    const h = await installed();
    await h.send(
      adClick({ network: 'criteo', campaign: 'winback', timestampMs: T0 + DAY_MS, retargeting: true }),
    );
    const device = h.store.deviceByIdentifier(identifierKey(TENANT, APP, 'adid', ADID));
    const current = device?.currentAttribution;
    if (!device || !current) throw new Error('device not stored');
    const untilMs = T0 + 31 * DAY_MS;
    const open = presentAttribution(current, { reengagement: device.reengagement, nowMs: untilMs });
    expect(open.kind).toBe('install');
    expect(open.network).toBe('meta');
    expect(open.reengagement).toEqual({
      network: 'criteo',
      campaign: 'winback',
      touch_time: new Date(T0 + DAY_MS).toISOString(),
      until: new Date(untilMs).toISOString(),
    });
    const closed = presentAttribution(current, { reengagement: device.reengagement, nowMs: untilMs + 1 });
    expect(closed).not.toHaveProperty('reengagement');
  });
});

describe('rejected first installs (SPEC §4.1)', () => {
  it('decides the next install of a device whose first install was rejected like a first install, kind reinstall', async () => {
    const h = harness();
    const first = await h.sendEach(adClick({ network: 'injector', timestampMs: T0 - 2 * SECOND }), install());
    expect(first).toMatchObject({ status: 'rejected', source: { network: 'injector' } });
    const later = T0 + 5 * DAY_MS;
    const again = await h.sendEach(
      adClick({ network: 'meta', timestampMs: later - HOUR_MS }),
      install({ timestampMs: later }),
    );
    expect(again).toMatchObject({
      status: 'attributed',
      kind: 'reinstall',
      match: 'device_id',
      source: { network: 'meta' },
    });
    expect(h.store.total('reinstalls', 'meta')).toBe(1);
    expect(again?.explanation.join('\n')).toContain('has no first source');
  });

  it('answers organic for that reinstall when no touchpoint qualifies', async () => {
    const h = harness();
    await h.sendEach(adClick({ network: 'injector', timestampMs: T0 - 2 * SECOND }), install());
    // 8 days on, the injected click is outside the 7-day click lookback window.
    const again = await h.sendEach(install({ timestampMs: T0 + 8 * DAY_MS }));
    expect(again).toMatchObject({ status: 'organic', kind: 'reinstall', match: 'none' });
    expect(again?.source).toBeUndefined();
  });

  it('credits a third install to the source the reinstall found (the first source it ever had)', async () => {
    const h = harness();
    await h.sendEach(adClick({ network: 'injector', timestampMs: T0 - 2 * SECOND }), install());
    const later = T0 + 5 * DAY_MS;
    await h.sendEach(
      adClick({ network: 'meta', timestampMs: later - HOUR_MS }),
      install({ timestampMs: later }),
    );
    const third = await h.sendEach(install({ timestampMs: later + DAY_MS }));
    expect(third).toMatchObject({ status: 'attributed', kind: 'reinstall', source: { network: 'meta' } });
  });
});

describe('answers for reinstalls and organic installs (SPEC §4.1)', () => {
  it("answers a reinstall credited to its first source with that source's match and touch time", async () => {
    const h = harness();
    const tp = adClick({ network: 'meta', advertisingId: undefined, timestampMs: T0 - HOUR_MS });
    await h.sendEach(tp, install({ referrerClickId: tp.id }));
    const again = await h.sendEach(install({ timestampMs: T0 + DAY_MS }));
    const answer = presentAttribution(again as NonNullable<typeof again>);
    expect(answer).toMatchObject({
      kind: 'reinstall',
      network: 'meta',
      match: 'click_id',
      touch_time: new Date(T0 - HOUR_MS).toISOString(),
    });
  });

  it('answers an organic install with network null and match none', async () => {
    const answer = presentAttribution(await attribute([], install()));
    expect(answer).toMatchObject({
      status: 'organic',
      network: null,
      campaign: null,
      match: 'none',
      touch_time: null,
    });
  });
});

describe('activity (SPEC §4.1)', () => {
  it('measures inactivity from the last event, not from touchpoints: clicks in between do not keep a device active', async () => {
    const h = harness();
    await h.sendEach(adClick({ network: 'meta', timestampMs: T0 - HOUR_MS }), install());
    await h.send(adClick({ network: 'criteo', timestampMs: T0 + 60 * DAY_MS, retargeting: true }));
    await h.send(adClick({ network: 'other', timestampMs: T0 + 80 * DAY_MS }));
    const back = T0 + 90 * DAY_MS;
    const a = await h.sendEach(
      adClick({ network: 'tiktok', timestampMs: back - HOUR_MS }),
      install({ timestampMs: back }),
    );
    expect(a).toMatchObject({ kind: 'reattribution', source: { network: 'tiktok' } });
  });

  it('counts a session as activity: 1 ms under the window since it, the install is a reinstall', async () => {
    const h = harness();
    await h.sendEach(adClick({ network: 'meta', timestampMs: T0 - HOUR_MS }), install());
    await h.send(appEvent({ type: 'session', timestampMs: T0 + DAY_MS }));
    const back = T0 + DAY_MS + 90 * DAY_MS - 1;
    const a = await h.sendEach(
      adClick({ network: 'tiktok', timestampMs: back - HOUR_MS }),
      install({ timestampMs: back }),
    );
    expect(a).toMatchObject({ kind: 'reinstall', source: { network: 'meta' } });
  });
});

describe('fraud on every decision (SPEC §4.1)', () => {
  it('rejects a reattribution whose winning click came 3 s before the install (click injection)', async () => {
    const h = harness();
    await h.sendEach(adClick({ network: 'meta', timestampMs: T0 - HOUR_MS }), install());
    const back = T0 + 100 * DAY_MS;
    const a = await h.sendEach(
      adClick({ network: 'injector', timestampMs: back - 3 * SECOND }),
      install({ timestampMs: back }),
    );
    expect(a).toMatchObject({ status: 'rejected', kind: 'reattribution', source: { network: 'injector' } });
    expect(a?.fraud.map((f) => f.reason)).toEqual(['click_injection']);
  });

  it('rejects a reinstall after a rejected first install when its winning click is injected too', async () => {
    const h = harness();
    await h.sendEach(adClick({ network: 'injector', timestampMs: T0 - 2 * SECOND }), install());
    const later = T0 + DAY_MS;
    const a = await h.sendEach(
      adClick({ network: 'injector', timestampMs: later - SECOND }),
      install({ timestampMs: later }),
    );
    expect(a).toMatchObject({
      status: 'rejected',
      kind: 'reinstall',
      fraud: [{ reason: 'click_injection' }],
    });
    expect(h.store.total('rejected', 'injector')).toBe(2);
  });

  it('does not apply click injection to a winning impression', async () => {
    const a = await attribute([impression({ advertisingId: ADID, timestampMs: T0 - SECOND })], install());
    expect(a).toMatchObject({ status: 'attributed', match: 'view_through', fraud: [] });
  });

  it('runs the bot rule on a reattribution too', async () => {
    const h = harness();
    await h.sendEach(adClick({ network: 'meta', timestampMs: T0 - HOUR_MS }), install());
    const back = T0 + 100 * DAY_MS;
    const a = await h.sendEach(
      adClick({
        network: 'botnet',
        timestampMs: back - HOUR_MS,
        userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)',
      }),
      install({ timestampMs: back }),
    );
    expect(a).toMatchObject({
      status: 'rejected',
      kind: 'reattribution',
      fraud: [{ reason: 'bot_user_agent' }],
    });
  });
});

describe('edges and precision (SPEC §4.1)', () => {
  it('rejects a click 9.999 s before the install under the 10 s click-injection threshold (milliseconds count)', async () => {
    const a = await attribute([click({ advertisingId: ADID, timestampMs: T0 - 9_999 })], install());
    expect(a.status).toBe('rejected');
    const b = await attribute([click({ advertisingId: ADID, timestampMs: T0 - 10_000 })], install());
    expect(b.status).toBe('attributed');
  });

  it('reattributes a device inactive exactly the reattribution window, not 1 ms less', async () => {
    const at = async (inactiveMs: number) => {
      const h = harness();
      await h.sendEach(adClick({ network: 'meta', timestampMs: T0 - HOUR_MS }), install());
      const back = T0 + inactiveMs;
      return h.sendEach(
        adClick({ network: 'tiktok', timestampMs: back - HOUR_MS }),
        install({ timestampMs: back }),
      );
    };
    expect((await at(90 * DAY_MS))?.kind).toBe('reattribution');
    expect((await at(90 * DAY_MS - 1))?.kind).toBe('reinstall');
  });

  it('credits a touchpoint at the install millisecond and not one 1 ms after it', async () => {
    const same = await attribute([click({ advertisingId: ADID, timestampMs: T0 })], install(), {
      clickInjectionThresholdSeconds: 0,
    });
    expect(same.status).toBe('attributed');
    const after = await attribute([click({ advertisingId: ADID, timestampMs: T0 + 1 })], install());
    expect(after.status).toBe('organic');
  });
});

describe('properties limits (SPEC §4.1: at most 10 levels and 32 KiB, else that event is invalid_event)', () => {
  const ctx = { tenantId: TENANT, appId: APP, nowMs: T0 };
  const event = (properties: unknown) => ({
    event_id: 'e-1',
    type: 'purchase',
    timestamp: new Date(T0).toISOString(),
    device: { platform: 'android', advertising_id: ADID },
    properties,
  });
  const nested = (depth: number) => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

  it('accepts 10 levels and refuses 11', () => {
    expect(validateEvent(event(nested(10)), ctx).ok).toBe(true);
    expect(validateEvent(event(nested(11)), ctx)).toMatchObject({
      ok: false,
      code: 'invalid_event',
      field: 'properties',
    });
  });

  it('accepts exactly 32,768 bytes of JSON and refuses 32,769', () => {
    // `{"a":""}` is 8 bytes.
    expect(validateEvent(event({ a: 'x'.repeat(32_768 - 8) }), ctx).ok).toBe(true);
    expect(validateEvent(event({ a: 'x'.repeat(32_768 - 7) }), ctx)).toMatchObject({
      ok: false,
      code: 'invalid_event',
      field: 'properties',
    });
  });
});
