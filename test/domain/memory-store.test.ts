import { describe, expect, it } from 'vitest';
import { type CounterIncrement, type Device, InMemoryAttributionStore } from '../../src/domain/index.js';
import { APP, click, TENANT, unitOfWork as unit } from './factories.js';

/** The in-memory store's own bookkeeping (the port's conditions are in test/contracts). */

const device = (deviceId: string, version: number): Device => ({
  deviceId,
  tenantId: TENANT,
  appId: APP,
  advertisingIds: [],
  vendorIds: [],
  customerUserIds: [],
  firstSeenMs: 0,
  lastEventMs: 0,
  installCount: 0,
  version,
});

const noKeys = { deviceKeys: [], touchpointKeys: [], eventKeys: [], ipHourKeys: [] };

describe('in-memory store', () => {
  it('keeps every touchpoint of a match key once, in arrival order, from the first one on', () => {
    const store = new InMemoryAttributionStore();
    const [a, b, c] = [click({ id: 'a' }), click({ id: 'b' }), click({ id: 'c' })];
    store.commitSync([unit({ touchpoints: [{ touchpoint: a, keys: ['k1', 'k2'] }] })]);
    expect(store.touchpointsFor('k1')).toEqual([a]);
    expect(store.loadSync({ ...noKeys, touchpointKeys: ['k1'] }).touchpoints.get('k1')).toEqual([a]);

    store.commitSync([
      unit({ touchpoints: [{ touchpoint: a, keys: ['k1'] }] }),
      unit({ touchpoints: [{ touchpoint: b, keys: ['k1'] }] }),
      unit({ touchpoints: [{ touchpoint: b, keys: ['k1'] }] }),
      unit({ touchpoints: [{ touchpoint: c, keys: ['k1'] }] }),
    ]);
    expect(store.touchpointsFor('k1')).toEqual([a, b, c]);
    expect(store.loadSync({ ...noKeys, touchpointKeys: ['k1', 'k2', 'k3'] }).touchpoints).toEqual(
      new Map([
        ['k1', [a, b, c]],
        ['k2', [a]],
      ]),
    );
    expect(store.touchpointsFor('k3')).toEqual([]);
  });

  it('checks and writes each device of interleaved units against its own stored version', () => {
    const store = new InMemoryAttributionStore();
    const result = store.commitSync([
      unit({
        recordIndex: 0,
        devices: [device('dev_a', 0)],
        identifierLinks: [{ key: 'ka', deviceId: 'dev_a' }],
      }),
      unit({
        recordIndex: 1,
        devices: [device('dev_b', 0)],
        identifierLinks: [{ key: 'kb', deviceId: 'dev_b' }],
      }),
      unit({ recordIndex: 2, devices: [device('dev_a', 1)] }),
      // A second version 1 of a is a conflict; b at version 1 is not.
      unit({ recordIndex: 3, devices: [device('dev_a', 1)] }),
      unit({ recordIndex: 4, devices: [device('dev_b', 1)] }),
      unit({ recordIndex: 5, devices: [device('dev_a', 2), device('dev_b', 2)] }),
      unit({ recordIndex: 6, devices: [device('dev_a', 3), device('dev_b', 9)] }),
    ]);
    expect(result.failedRecordIndexes).toEqual([3, 6]);
    expect(store.deviceById('dev_a')?.version).toBe(2);
    expect(store.deviceById('dev_b')?.version).toBe(2);
    expect(store.deviceByIdentifier('kb')?.deviceId).toBe('dev_b');
  });

  it('takes an event marker back when a device condition fails, so the retry applies', () => {
    const store = new InMemoryAttributionStore();
    store.commitSync([unit({ devices: [device('dev_a', 0)] })]);
    const stale = unit({ recordIndex: 7, eventKey: 'e1', devices: [device('dev_a', 5)] });
    expect(store.commitSync([stale]).failedRecordIndexes).toEqual([7]);
    expect(store.loadSync({ ...noKeys, eventKeys: ['e1'] }).processedEvents.size).toBe(0);
    const retry = unit({ recordIndex: 7, eventKey: 'e1', devices: [device('dev_a', 1)] });
    expect(store.commitSync([retry]).failedRecordIndexes).toEqual([]);
    expect(store.commitSync([{ ...retry, devices: [device('dev_a', 2)] }]).failedRecordIndexes).toEqual([7]);
  });

  it('adds each increment to its own counter when consecutive increments differ in any field', () => {
    const store = new InMemoryAttributionStore();
    const base: CounterIncrement = {
      tenantId: TENANT,
      appId: APP,
      day: '2026-11-20',
      network: 'meta',
      campaign: 'c',
      metric: 'events',
      value: 1,
    };
    const variants: CounterIncrement[] = [
      base,
      { ...base, network: 'google' },
      base,
      { ...base, day: '2026-11-21' },
      { ...base, campaign: 'd' },
      { ...base, appId: 'other.app' },
      { ...base, tenantId: 'other-tenant' },
      { ...base, metric: 'revenue', currency: 'USD', value: 2 },
      { ...base, metric: 'revenue', currency: 'EUR', value: 3 },
      base,
    ];
    store.commitSync([unit({ counters: variants })]);
    const total = (c: Partial<CounterIncrement>) =>
      store
        .counters()
        .filter((x) => Object.entries(c).every(([k, v]) => x[k as keyof CounterIncrement] === v))
        .reduce((s, x) => s + x.value, 0);
    expect(store.counters()).toHaveLength(8);
    expect(
      total({
        tenantId: TENANT,
        appId: APP,
        day: '2026-11-20',
        network: 'meta',
        campaign: 'c',
        metric: 'events',
      }),
    ).toBe(3);
    expect(total({ network: 'google' })).toBe(1);
    expect(total({ day: '2026-11-21' })).toBe(1);
    expect(total({ campaign: 'd' })).toBe(1);
    expect(total({ appId: 'other.app' })).toBe(1);
    expect(total({ tenantId: 'other-tenant' })).toBe(1);
    expect(total({ currency: 'USD' })).toBe(2);
    expect(total({ currency: 'EUR' })).toBe(3);
  });
});
