import { describe, expect, it } from 'vitest';
import { replay, resolveSettings } from '../../src/domain/index.js';
import { ADID, ADID_2, click, DAY_MS, install, T0 } from './factories.js';

describe('replay (what-if)', () => {
  const history = {
    touchpoints: [
      click({ id: 'tp_a', network: 'meta', advertisingId: ADID, timestampMs: T0 - 3 * DAY_MS }),
      click({ id: 'tp_b', network: 'google', advertisingId: ADID_2, timestampMs: T0 - 3600_000 }),
    ],
    events: [
      install({ eventId: 'i1', advertisingId: ADID }),
      install({ eventId: 'i2', advertisingId: ADID_2 }),
    ],
  };

  it('reports the installs that move when the click lookback narrows to 48 hours', () => {
    const report = replay(history, resolveSettings(), resolveSettings({ clickLookbackHours: 48 }));
    expect(report.decisions).toBe(2);
    expect(report.changed).toHaveLength(1);
    expect(report.changed[0]).toMatchObject({
      eventId: 'i1',
      before: { network: 'meta' },
      after: { network: 'organic' },
    });
    expect(report.changed[0]?.description).toBe(
      'event i1: install attributed to meta (tp_a, device_id) → install organic',
    );
    expect(report.moves).toEqual([{ from: 'meta', to: 'organic', count: 1 }]);
  });

  it('reports nothing when the settings do not change a decision', () => {
    expect(replay(history, resolveSettings(), resolveSettings({ clickLookbackHours: 96 })).changed).toEqual(
      [],
    );
  });

  it('says why: the explanation of the new decision', () => {
    const [change] = replay(history, resolveSettings(), resolveSettings({ clickLookbackHours: 48 })).changed;

    expect(change?.why).toContain(
      'Not counted: click tp_a (meta / summer), matched by a device id (click), is outside the 2 d click lookback window by 24 h.',
    );
    expect(change?.why.at(-1)).toBe('Result: organic.');
  });

  it('replays the warm-up before compareFromMs without comparing its decisions', () => {
    const later = {
      touchpoints: history.touchpoints,
      events: [
        ...history.events,
        install({ eventId: 'i3', advertisingId: '0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5' }),
      ],
    };

    const report = replay(later, resolveSettings(), resolveSettings({ clickLookbackHours: 48 }), {
      compareFromMs: T0 + 1,
    });

    expect(report.decisions).toBe(0);
    expect(report.changed).toEqual([]);
    const all = replay(later, resolveSettings(), resolveSettings({ clickLookbackHours: 48 }), {
      compareFromMs: T0,
    });
    expect(all.decisions).toBe(3);
    expect(all.changed.map((c) => c.eventId)).toEqual(['i1']);
  });
});
