import { describe, expect, it } from 'vitest';
import { prepareBatch } from '../../src/domain/engine.js';
import { clickIdKey } from '../../src/domain/keys.js';
import { touchpointMatchKeys } from '../../src/domain/match-keys.js';
import { ADID, ANDROID_UA, APP, click, IP, impression, TENANT, toRecord } from './factories.js';

describe('touchpoint match keys', () => {
  it('stores a click under our click id, its advertising id and its IP + User-Agent signature', () => {
    const tp = click({ advertisingId: ADID, ip: IP, userAgent: ANDROID_UA, platform: 'android' });
    const keys = touchpointMatchKeys(tp);
    expect(keys[0]).toBe(clickIdKey(TENANT, APP, tp.id));
    expect(keys).toHaveLength(3);
  });

  it('does not store an impression under its id: only a click can win by the install referrer', () => {
    const tp = impression({ advertisingId: ADID, ip: IP, userAgent: ANDROID_UA, platform: 'android' });
    const keys = touchpointMatchKeys(tp);
    expect(keys).not.toContain(clickIdKey(TENANT, APP, tp.id));
    expect(keys).toHaveLength(2);
  });

  it('gives the engine the same keys, in the same order, for clicks and impressions', () => {
    const tps = [
      click({ advertisingId: ADID, ip: IP, userAgent: ANDROID_UA, platform: 'android' }),
      impression({ advertisingId: ADID, ip: IP, userAgent: ANDROID_UA, platform: 'android' }),
      impression({ ip: IP, userAgent: ANDROID_UA }),
    ];
    const prepared = prepareBatch(tps.map(toRecord));
    prepared.forEach((p, i) => {
      expect(p.kind === 'touchpoint' ? p.matchKeys : undefined).toEqual(touchpointMatchKeys(tps[i] as never));
    });
  });
});
