import { describe, expect, it } from 'vitest';
import {
  ADID,
  ANDROID_UA,
  attribute,
  click,
  DAY_MS,
  HOUR_MS,
  IDFV,
  IP,
  impression,
  install,
  MINUTE,
  T0,
} from './factories.js';

const deviceClick = (ageMs: number) => click({ advertisingId: ADID, timestampMs: T0 - ageMs });
const deviceImpression = (ageMs: number) => impression({ advertisingId: ADID, timestampMs: T0 - ageMs });
const signatureClick = (ageMs: number) =>
  click({ network: 'tiktok', ip: IP, userAgent: ANDROID_UA, timestampMs: T0 - ageMs });
const sdkInstall = () => install({ ip: IP, osVersion: '14', model: 'Pixel 8' });

describe('click lookback window (7 days)', () => {
  it('credits a click 6 days 23 hours before the install', async () => {
    expect((await attribute([deviceClick(6 * DAY_MS + 23 * HOUR_MS)])).status).toBe('attributed');
  });
  it('credits a click exactly 7 days before the install (the edge is inclusive)', async () => {
    expect((await attribute([deviceClick(7 * DAY_MS)])).status).toBe('attributed');
  });
  it('does not credit a click 7 days and 1 second before the install, and says by how much it missed', async () => {
    const a = await attribute([deviceClick(7 * DAY_MS + 1000)]);
    expect(a.status).toBe('organic');
    expect(a.explanation.join('\n')).toContain('outside the 7 d click lookback window by 1 s');
  });
  it('follows the app setting: 48 hours', async () => {
    expect((await attribute([deviceClick(48 * HOUR_MS)], install(), { clickLookbackHours: 48 })).status).toBe(
      'attributed',
    );
    expect(
      (await attribute([deviceClick(48 * HOUR_MS + 1)], install(), { clickLookbackHours: 48 })).status,
    ).toBe('organic');
  });
  it('applies to a referrer click too', async () => {
    const tp = click({ timestampMs: T0 - 7 * DAY_MS - 1000 });
    expect((await attribute([tp], install({ referrerClickId: tp.id }))).status).toBe('organic');
  });
});

describe('view-through window (24 hours)', () => {
  it('credits an impression 23 hours 59 minutes before the install', async () => {
    const a = await attribute([deviceImpression(24 * HOUR_MS - MINUTE)]);
    expect(a).toMatchObject({ status: 'attributed', match: 'view_through' });
  });
  it('credits an impression exactly 24 hours before', async () => {
    expect((await attribute([deviceImpression(24 * HOUR_MS)])).status).toBe('attributed');
  });
  it('does not credit an impression 24 hours and 1 second before', async () => {
    expect((await attribute([deviceImpression(24 * HOUR_MS + 1000)])).status).toBe('organic');
  });
  it('does not credit an impression matched only on IP + User-Agent', async () => {
    const a = await attribute(
      [impression({ ip: IP, userAgent: ANDROID_UA, timestampMs: T0 - HOUR_MS })],
      sdkInstall(),
    );
    expect(a.status).toBe('organic');
    expect(a.explanation.join('\n')).toContain('impressions count only on a device id');
  });
});

describe('probabilistic window (24 hours, IP + User-Agent)', () => {
  it('credits a signature click 23 hours 59 minutes before the install', async () => {
    const a = await attribute([signatureClick(24 * HOUR_MS - MINUTE)], sdkInstall());
    expect(a).toMatchObject({ status: 'attributed', match: 'probabilistic' });
  });
  it('credits a signature click exactly 24 hours before', async () => {
    expect((await attribute([signatureClick(24 * HOUR_MS)], sdkInstall())).status).toBe('attributed');
  });
  it('does not credit a signature click 24 hours and 1 second before', async () => {
    expect((await attribute([signatureClick(24 * HOUR_MS + 1000)], sdkInstall())).status).toBe('organic');
  });
  it('does not match probabilistically when the app turned it off', async () => {
    const a = await attribute([signatureClick(HOUR_MS)], sdkInstall(), {
      probabilisticMatching: { enabled: false },
    });
    expect(a.status).toBe('organic');
    expect(a.explanation.join('\n')).toContain('probabilistic matching is off');
  });
});

describe('precedence (SPEC §4 rule 2)', () => {
  it('ranks the referrer click id above a later device-id click', async () => {
    const ref = click({ network: 'google', timestampMs: T0 - 3 * HOUR_MS });
    const a = await attribute([ref, deviceClick(HOUR_MS)], install({ referrerClickId: ref.id }));
    expect(a).toMatchObject({ match: 'click_id', source: { touchpointId: ref.id } });
    expect(a.explanation.join('\n')).toMatch(/Beat click .* lower class/);
  });
  it('ranks a device-id click above a later probabilistic click', async () => {
    const dev = deviceClick(5 * HOUR_MS);
    const a = await attribute([dev, signatureClick(HOUR_MS)], sdkInstall());
    expect(a).toMatchObject({ match: 'device_id', source: { touchpointId: dev.id } });
  });
  it('matches a click on the vendor id as a device-id click', async () => {
    const dev = click({ vendorId: IDFV, timestampMs: T0 - HOUR_MS });
    const a = await attribute([dev], install({ advertisingId: undefined, vendorId: IDFV, platform: 'ios' }));
    expect(a.match).toBe('device_id');
  });
  it('ranks a probabilistic click above a later device-id impression', async () => {
    const sig = signatureClick(5 * HOUR_MS);
    const a = await attribute([sig, deviceImpression(HOUR_MS)], sdkInstall());
    expect(a).toMatchObject({ match: 'probabilistic', source: { touchpointId: sig.id } });
  });
  it('gives the install to the latest touchpoint inside one class, and says the other is older', async () => {
    const older = deviceClick(3 * HOUR_MS);
    const latest = deviceClick(HOUR_MS);
    const a = await attribute([latest, older]);
    expect(a.source?.touchpointId).toBe(latest.id);
    expect(a.explanation.join('\n')).toContain(
      `Beat click ${older.id} (meta / summer): same class, older: 2 h before the winner`,
    );
  });
  it('is organic with no qualifying touchpoint', async () => {
    const a = await attribute([]);
    expect(a).toMatchObject({ status: 'organic', match: 'none', fraud: [] });
    expect(a.source).toBeUndefined();
    expect(a.credits.linear).toEqual([]);
  });
});

describe('touchpoints after the install (SPEC §4 rule 1)', () => {
  it('never counts a click 1 ms after the install', async () => {
    const a = await attribute([deviceClick(-1)]);
    expect(a.status).toBe('organic');
    expect(a.explanation.join('\n')).toContain('touchpoints after the install never count');
  });
  it('counts a click at the install millisecond (not after it), then rejects it as click injection', async () => {
    const a = await attribute([deviceClick(0)]);
    expect(a).toMatchObject({ status: 'rejected', fraud: [{ reason: 'click_injection' }] });
  });
});
