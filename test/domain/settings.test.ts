import { describe, expect, it } from 'vitest';
import {
  AppSettingsInputSchema,
  clickIdKey,
  DEFAULT_SETTINGS,
  eventKey,
  identifierKey,
  ipHourKey,
  resolveSettings,
  signatureKey,
} from '../../src/domain/index.js';

describe('SPEC §4 defaults', () => {
  it.each([
    ['click lookback window 7 days', DEFAULT_SETTINGS.clickLookbackHours, 168],
    ['view-through window 24 hours', DEFAULT_SETTINGS.viewThroughLookbackHours, 24],
    ['probabilistic window 24 hours', DEFAULT_SETTINGS.probabilisticMatching.windowHours, 24],
    ['reattribution window 90 days', DEFAULT_SETTINGS.reattributionWindowDays, 90],
    ['re-engagement window 30 days', DEFAULT_SETTINGS.reengagementWindowDays, 30],
    ['click-injection threshold 10 seconds', DEFAULT_SETTINGS.clickInjectionThresholdSeconds, 10],
    ['time-decay half-life 7 days', DEFAULT_SETTINGS.timeDecayHalfLifeDays, 7],
    ['installs per IP per hour 50', DEFAULT_SETTINGS.maxInstallsPerIpPerHour, 50],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('probabilistic matching is on, position-based is 40/20/40, every fraud rule rejects', () => {
    expect(DEFAULT_SETTINGS.probabilisticMatching.enabled).toBe(true);
    expect(DEFAULT_SETTINGS.positionBasedWeights).toEqual({ first: 0.4, middle: 0.2, last: 0.4 });
    expect(new Set(Object.values(DEFAULT_SETTINGS.fraudModes))).toEqual(new Set(['reject']));
  });

  it('resolves an empty input to the defaults', () => {
    expect(resolveSettings({})).toEqual(DEFAULT_SETTINGS);
  });
});

describe('settings input', () => {
  it('keeps what is given and defaults the rest; a per-rule mode wins over the app mode', () => {
    const s = resolveSettings({
      clickLookbackHours: 48,
      fraudMode: 'flag',
      fraudModes: { click_injection: 'reject' },
    });
    expect(s.clickLookbackHours).toBe(48);
    expect(s.viewThroughLookbackHours).toBe(24);
    expect(s.fraudModes.click_injection).toBe('reject');
    expect(s.fraudModes.bot_user_agent).toBe('flag');
  });

  it('rejects position-based weights that do not sum to 1', () => {
    const r = AppSettingsInputSchema.safeParse({
      positionBasedWeights: { first: 0.5, middle: 0.5, last: 0.5 },
    });
    expect(r.success).toBe(false);
  });

  it('rejects unknown settings', () => {
    expect(AppSettingsInputSchema.safeParse({ clickLookbackDays: 7 }).success).toBe(false);
  });
});

describe('store keys', () => {
  it('scope every key by tenant and app', () => {
    for (const key of [
      identifierKey('t', 'a', 'adid', 'X'),
      clickIdKey('t', 'a', 'tp'),
      signatureKey('t', 'a', 's'),
      eventKey('t', 'a', 'e'),
      ipHourKey('t', 'a', '1.2.3.4', 0),
    ]) {
      expect(key.startsWith('t#a#')).toBe(true);
    }
  });

  it('match advertising ids case-insensitively but customer user ids exactly', () => {
    expect(identifierKey('t', 'a', 'adid', 'ABC')).toBe(identifierKey('t', 'a', 'adid', 'abc'));
    expect(identifierKey('t', 'a', 'cuid', 'ABC')).not.toBe(identifierKey('t', 'a', 'cuid', 'abc'));
  });

  it('put installs of one IP in one clock hour under one key', () => {
    const hour = Date.parse('2026-11-20T10:00:00Z');
    expect(ipHourKey('t', 'a', 'ip', hour)).toBe(ipHourKey('t', 'a', 'ip', hour + 3_599_999));
    expect(ipHourKey('t', 'a', 'ip', hour)).not.toBe(ipHourKey('t', 'a', 'ip', hour + 3_600_000));
  });
});
