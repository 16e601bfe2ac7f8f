import { describe, expect, it } from 'vitest';
import {
  AppSettingsInputSchema,
  AppSettingsWireSchema,
  clickIdKey,
  DEFAULT_SETTINGS,
  eventKey,
  identifierKey,
  ipHourKey,
  resolveSettings,
  settingsToWire,
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

describe('settings on the wire (SPEC §4.1: snake_case, one schema)', () => {
  it('reads every setting in snake_case into the settings input', () => {
    const parsed = AppSettingsWireSchema.parse({
      click_lookback_hours: 48,
      view_through_lookback_hours: 12,
      probabilistic_matching: { enabled: false, window_hours: 6 },
      reattribution_window_days: 60,
      reengagement_window_days: 14,
      click_injection_threshold_seconds: 5,
      time_decay_half_life_days: 3,
      position_based_weights: { first: 0.6, middle: 0.3, last: 0.1 },
      fraud_mode: 'flag',
      fraud_modes: { click_injection: 'reject' },
      max_installs_per_ip_per_hour: 10,
      ip_handling: 'hashed',
      rate_limit_per_second: 5,
      daily_event_quota: 1000,
    });
    expect(parsed).toEqual({
      clickLookbackHours: 48,
      viewThroughLookbackHours: 12,
      probabilisticMatching: { enabled: false, windowHours: 6 },
      reattributionWindowDays: 60,
      reengagementWindowDays: 14,
      clickInjectionThresholdSeconds: 5,
      timeDecayHalfLifeDays: 3,
      positionBasedWeights: { first: 0.6, middle: 0.3, last: 0.1 },
      fraudMode: 'flag',
      fraudModes: { click_injection: 'reject' },
      maxInstallsPerIpPerHour: 10,
      ipHandling: 'hashed',
      rateLimitPerSecond: 5,
      dailyEventQuota: 1000,
    });
    expect(AppSettingsInputSchema.safeParse(parsed).success).toBe(true);
  });

  it('takes a rate limit up to 100,000 requests a second (sharded counters), and refuses more naming the field', () => {
    expect(AppSettingsWireSchema.safeParse({ rate_limit_per_second: 50_000 }).success).toBe(true);
    const refused = AppSettingsWireSchema.safeParse({ rate_limit_per_second: 100_001 });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.path).toEqual(['rate_limit_per_second']);
  });

  it('answers resolved settings in snake_case, fraud rule names unchanged', () => {
    const wire = settingsToWire(DEFAULT_SETTINGS);
    expect(wire).toMatchObject({
      click_lookback_hours: 168,
      probabilistic_matching: { enabled: true, window_hours: 24 },
      fraud_modes: { click_injection: 'reject', data_center_ip: 'reject' },
      rate_limit_per_second: 100,
    });
    expect(AppSettingsWireSchema.parse(wire)).toEqual(DEFAULT_SETTINGS);
  });

  it.each([
    [
      { clickLookbackHours: 48 },
      '',
      'unknown setting "clickLookbackHours" (settings are snake_case: "click_lookback_hours")',
    ],
    [
      { probabilistic_matching: { windowHours: 6 } },
      'probabilistic_matching',
      'unknown setting "windowHours"',
    ],
    [{ fraud_modes: { clickInjection: 'flag' } }, 'fraud_modes', 'unknown setting "clickInjection"'],
    [{ lookback: 1 }, '', 'unknown setting "lookback"'],
  ])('refuses %j naming the field', (input, path, message) => {
    const result = AppSettingsWireSchema.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path.join('.')).toBe(path);
    expect(issue?.message).toContain(message);
  });
});
