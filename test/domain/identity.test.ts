import { describe, expect, it } from 'vitest';
import {
  deviceIdentifiers,
  identifierKey,
  isValidAdvertisingId,
  resolveIdentity,
} from '../../src/domain/index.js';
import { ADID, ADID_2, APP, appEvent, DAY_MS, harness, IDFV, install, T0, TENANT } from './factories.js';

describe('advertising ids', () => {
  it('uses a UUID advertising id, lower-cased', () => {
    expect(deviceIdentifiers({ advertisingId: ADID.toUpperCase() }).advertisingId).toBe(ADID);
  });

  it('uses an advertising id padded with spaces, trimmed', () => {
    expect(deviceIdentifiers({ advertisingId: ` ${ADID} ` }).advertisingId).toBe(ADID);
  });

  it.each(['00000000-0000-0000-0000-000000000000', 'not-a-uuid', '3f1e2d4c5b6a47899abcdef012345678', ''])(
    'does not use the malformed advertising id %j as an identifier',
    (bad) => {
      expect(isValidAdvertisingId(bad)).toBe(false);
      const ids = deviceIdentifiers({ advertisingId: bad });
      expect(ids.advertisingId).toBeUndefined();
      expect(ids.malformedAdvertisingId).toBe(bad);
    },
  );
});

describe('vendor ids', () => {
  it('uses a vendor id trimmed and lower-cased, as the SDK and a network may spell it either way', () => {
    expect(deviceIdentifiers({ vendorId: ` ${IDFV.toUpperCase()} ` }).vendorId).toBe(IDFV.toLowerCase());
  });

  it('keeps the customer user id exactly as sent', () => {
    expect(deviceIdentifiers({ customerUserId: ' User-42 ' }).customerUserId).toBe(' User-42 ');
  });
});

describe('identity resolution', () => {
  const view = { deviceByKey: () => undefined };

  it('derives a new device id from its first identifier key, deterministically', () => {
    const ids = deviceIdentifiers({ advertisingId: ADID });
    const keys = { adid: identifierKey(TENANT, APP, 'adid', ADID) };
    const a = resolveIdentity(TENANT, APP, ids, keys, view, T0, 'fallback');
    const b = resolveIdentity(TENANT, APP, ids, keys, view, T0 + 1, 'fallback');
    expect(a.device.deviceId).toBe(b.device.deviceId);
    expect(a.device.deviceId).toMatch(/^dev_[0-9a-f]{16}$/);
    expect(a.newLinks).toEqual([keys.adid]);
  });

  it('finds a known device by its vendor id when the advertising id changed (reset)', async () => {
    const h = harness();
    await h.send(install({ advertisingId: ADID, vendorId: IDFV }));
    await h.send(appEvent({ advertisingId: ADID_2, vendorId: IDFV, timestampMs: T0 + DAY_MS }));
    const byOld = h.store.deviceByIdentifier(identifierKey(TENANT, APP, 'adid', ADID));
    const byNew = h.store.deviceByIdentifier(identifierKey(TENANT, APP, 'adid', ADID_2));
    expect(byNew?.deviceId).toBe(byOld?.deviceId);
    expect(byNew?.advertisingIds).toEqual([ADID, ADID_2]);
  });

  it('merges two devices that one event links, keeping the one installed first and saying so', async () => {
    const h = harness();
    await h.send(install({ advertisingId: ADID, timestampMs: T0 }));
    await h.send(install({ advertisingId: undefined, vendorId: IDFV, timestampMs: T0 + DAY_MS }));
    const r = await h.send(install({ advertisingId: ADID, vendorId: IDFV, timestampMs: T0 + 2 * DAY_MS }));
    const first = h.store.deviceByIdentifier(identifierKey(TENANT, APP, 'adid', ADID));
    const viaIdfv = h.store.deviceByIdentifier(identifierKey(TENANT, APP, 'idfv', IDFV));
    expect(viaIdfv?.deviceId).toBe(first?.deviceId);
    expect(first?.installCount).toBe(3);
    expect(r.outcomes[0]?.attribution?.kind).toBe('reinstall');
    expect(r.outcomes[0]?.attribution?.explanation[0]).toMatch(
      /merged dev_\w+ into dev_\w+, the device installed first/,
    );
  });

  it('uses a customer user id only when no device id is known, and never moves it between devices', async () => {
    const h = harness();
    await h.send(install({ advertisingId: ADID, customerUserId: 'user-1' }));
    const r = await h.send(
      install({ advertisingId: ADID_2, customerUserId: 'user-1', timestampMs: T0 + DAY_MS }),
    );
    expect(r.outcomes[0]?.attribution?.kind).toBe('install');
    expect(r.outcomes[0]?.attribution?.explanation[0]).toContain('stays on the device it already belongs to');
    const r2 = await h.send(
      appEvent({ advertisingId: undefined, customerUserId: 'user-1', timestampMs: T0 + 2 * DAY_MS }),
    );
    const owner = h.store.deviceByIdentifier(identifierKey(TENANT, APP, 'adid', ADID));
    expect(r2.outcomes[0]?.eventAttribution?.deviceId).toBe(owner?.deviceId);
  });

  it('makes an event without any usable identifier its own device', async () => {
    const h = harness();
    const r = await h.send(install({ advertisingId: '00000000-0000-0000-0000-000000000000' }));
    expect(r.outcomes[0]?.attribution?.explanation[0]).toContain('no usable device identifier');
  });
});
