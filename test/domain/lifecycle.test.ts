import { describe, expect, it } from 'vitest';
import { InMemoryAttributionStore, presentAttribution } from '../../src/domain/index.js';
import {
  ADID,
  appEvent,
  click,
  DAY_MS,
  HOUR_MS,
  harness,
  install,
  T0,
  toRecord,
  unitOfWork,
} from './factories.js';

describe('install (SPEC §4 rule 1)', () => {
  it('takes the first open as the install when no install event came', async () => {
    const h = harness();
    const r = await h.send(click({ advertisingId: ADID }), appEvent({ type: 'open', timestampMs: T0 }));
    expect(r.outcomes[1]?.attribution).toMatchObject({ kind: 'install', status: 'attributed' });
    expect(r.outcomes[1]?.attribution?.explanation[1]).toContain('first open (no install event seen)');
  });
  it('treats a later open as an ordinary event', async () => {
    const h = harness();
    const r = await h.send(install(), appEvent({ type: 'open', timestampMs: T0 + HOUR_MS }));
    expect(r.outcomes[1]?.attribution).toBeUndefined();
    expect(r.outcomes[1]?.eventAttribution?.creditedAs).toBe('organic');
  });
  it('sees a click and an install of the same batch', async () => {
    const h = harness();
    const r = await h.send(click({ advertisingId: ADID }), install());
    expect(r.outcomes[1]?.attribution?.status).toBe('attributed');
  });
});

describe('reinstall and reattribution (SPEC §4 rule 4, 90-day window)', () => {
  const firstInstall = () => [click({ id: 'tp_first', network: 'meta', advertisingId: ADID }), install()];

  it('credits a reinstall after 89 days of inactivity to the first source', async () => {
    const h = harness();
    await h.send(...firstInstall());
    const later = T0 + 89 * DAY_MS;
    const r = await h.send(
      click({ network: 'google', advertisingId: ADID, timestampMs: later - HOUR_MS }),
      install({ timestampMs: later }),
    );
    expect(r.outcomes[1]?.attribution).toMatchObject({
      kind: 'reinstall',
      source: { touchpointId: 'tp_first' },
    });
    expect(h.store.total('reinstalls', 'meta')).toBe(1);
  });

  it('reattributes after exactly 90 days of inactivity when a new touchpoint qualifies', async () => {
    const h = harness();
    await h.send(...firstInstall());
    const later = T0 + 90 * DAY_MS;
    const r = await h.send(
      click({ network: 'google', advertisingId: ADID, timestampMs: later - HOUR_MS }),
      install({ timestampMs: later }),
    );
    expect(r.outcomes[1]?.attribution).toMatchObject({
      kind: 'reattribution',
      status: 'attributed',
      source: { network: 'google' },
    });
    expect(h.store.total('reattributions', 'google')).toBe(1);
  });

  it('measures inactivity from the last event, not the install', async () => {
    const h = harness();
    await h.send(...firstInstall(), appEvent({ timestampMs: T0 + 10 * DAY_MS }));
    const later = T0 + 95 * DAY_MS;
    const r = await h.send(
      click({ network: 'google', advertisingId: ADID, timestampMs: later - HOUR_MS }),
      install({ timestampMs: later }),
    );
    expect(r.outcomes[1]?.attribution?.kind).toBe('reinstall');
    expect(r.outcomes[1]?.attribution?.explanation[1]).toContain(
      'last active 85 d ago, under the 90 d reattribution window',
    );
  });

  it('keeps the first source when the device was inactive long enough but no new touchpoint qualifies', async () => {
    const h = harness();
    await h.send(...firstInstall());
    const r = await h.send(install({ timestampMs: T0 + 120 * DAY_MS }));
    expect(r.outcomes[0]?.attribution).toMatchObject({ kind: 'reinstall', source: { network: 'meta' } });
    expect(r.outcomes[0]?.attribution?.explanation[1]).toContain('but no new touchpoint qualifies');
  });
});

describe('in-app events and re-engagement (SPEC §4 rule 5, 30-day window)', () => {
  it('credits in-app events and revenue to the install source', async () => {
    const h = harness();
    const r = await h.send(
      click({ advertisingId: ADID }),
      install(),
      appEvent({ revenue: { amount: 4.99, currency: 'USD' } }),
    );
    expect(r.outcomes[2]?.eventAttribution).toMatchObject({
      creditedAs: 'install',
      source: { network: 'meta' },
    });
    expect(h.store.counters({ metric: 'revenue' })).toMatchObject([
      { network: 'meta', campaign: 'summer', currency: 'USD', value: 4.99 },
    ]);
  });

  it('does not credit events of a rejected install to the network', async () => {
    const h = harness();
    const r = await h.send(click({ advertisingId: ADID, timestampMs: T0 - 1000 }), install(), appEvent());
    expect(r.outcomes[2]?.eventAttribution?.creditedAs).toBe('unattributed');
  });

  const retargeted = async () => {
    const h = harness();
    await h.send(install());
    const rt = click({
      id: 'tp_rt',
      network: 'criteo',
      campaign: 'winback',
      advertisingId: ADID,
      timestampMs: T0 + 40 * DAY_MS,
      retargeting: true,
    });
    await h.send(rt);
    return h;
  };

  it('credits an event 29 days after a retargeting click as a re-engagement, counted once', async () => {
    const h = await retargeted();
    const r = await h.send(
      appEvent({ timestampMs: T0 + 69 * DAY_MS }),
      appEvent({ timestampMs: T0 + 69 * DAY_MS + 1 }),
    );
    expect(r.outcomes[0]?.eventAttribution).toMatchObject({
      creditedAs: 'reengagement',
      source: { network: 'criteo' },
    });
    expect(r.outcomes[0]?.attribution).toMatchObject({
      kind: 'reengagement',
      source: { touchpointId: 'tp_rt' },
    });
    expect(r.outcomes[1]?.attribution).toBeUndefined();
    expect(h.store.total('reengagements', 'criteo')).toBe(1);
  });

  it('credits an event exactly 30 days after the click (inclusive)', async () => {
    const h = await retargeted();
    const r = await h.send(appEvent({ timestampMs: T0 + 70 * DAY_MS }));
    expect(r.outcomes[0]?.eventAttribution?.creditedAs).toBe('reengagement');
  });

  it('goes back to the install source 30 days and 1 second after the click', async () => {
    const h = await retargeted();
    const r = await h.send(appEvent({ timestampMs: T0 + 70 * DAY_MS + 1000 }));
    expect(r.outcomes[0]?.eventAttribution?.creditedAs).toBe('organic');
  });
});

describe('duplicates and batches', () => {
  it('counts an event sent twice once, in one batch or across batches, with no writes', async () => {
    const h = harness();
    const e = install();
    const r = await h.send(e, e);
    expect(r.outcomes.map((o) => o.status)).toEqual(['processed', 'duplicate']);
    const again = await h.send(e);
    expect(again.outcomes[0]?.status).toBe('duplicate');
    expect(h.store.total('installs')).toBe(1);
  });

  it('reports a unit the store could not commit as failed, and its retry succeeds', async () => {
    let fail = true;
    const store = new InMemoryAttributionStore({ failUnit: (u) => fail && u.attributions.length > 0 });
    const h = harness({}, { store });
    const e = install();
    const r = await h.send(e);
    expect(r).toMatchObject({ failedRecordIndexes: [0], outcomes: [{ index: 0, status: 'failed' }] });
    fail = false;
    expect((await h.engine.processBatch([toRecord(e)])).outcomes[0]?.status).toBe('processed');
  });

  it('fails a record whose device changed under it (version conflict)', async () => {
    const h = harness();
    await h.send(install(), appEvent());
    const device = h.store.deviceById(h.store.attributions[0]?.deviceId ?? '');
    if (!device) throw new Error('no device');
    const stale = { ...device, version: 1 };
    const unit = unitOfWork({ recordIndex: 7, devices: [stale] });
    expect((await h.store.commit([unit])).failedRecordIndexes).toEqual([7]);
  });

  it('loads once and commits once per batch', async () => {
    const h = harness();
    await h.send(click({ advertisingId: ADID }), install(), appEvent());
    expect([h.store.loadCalls, h.store.commitCalls]).toEqual([1, 1]);
  });
});

describe('attribution answer (SPEC §3)', () => {
  it('presents the decision in snake_case with ISO times', async () => {
    const h = harness();
    const r = await h.send(click({ id: 'tp_1', advertisingId: ADID, timestampMs: T0 - HOUR_MS }), install());
    const a = r.outcomes[1]?.attribution;
    if (!a) throw new Error('no attribution');
    expect(presentAttribution(a)).toMatchObject({
      status: 'attributed',
      kind: 'install',
      network: 'meta',
      campaign: 'summer',
      adset: null,
      match: 'device_id',
      touch_time: '2026-11-20T09:00:00.000Z',
      install_time: '2026-11-20T10:00:00.000Z',
      ctit_seconds: 3600,
      fraud: [],
      credits: { linear: [{ touchpoint_id: 'tp_1', network: 'meta', campaign: 'summer', credit: 1 }] },
    });
  });
});
