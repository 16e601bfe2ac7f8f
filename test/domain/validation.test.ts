import { describe, expect, it } from 'vitest';
import { parseReferrerClickId, validateEvent, validateTouchpoint } from '../../src/domain/index.js';
import { ADID, DAY_MS, MINUTE, T0 } from './factories.js';

const ctx = { tenantId: 'acme', appId: 'com.demo.game', nowMs: T0 };
const wireEvent = (overrides: Record<string, unknown> = {}) => ({
  event_id: 'e1',
  type: 'install',
  timestamp: new Date(T0).toISOString(),
  device: { platform: 'android', advertising_id: ADID, ip: '198.51.100.23' },
  ...overrides,
});

describe('event validation', () => {
  it('normalises a valid install to epoch milliseconds and camelCase', () => {
    const r = validateEvent(
      wireEvent({
        install_referrer: 'utm_source=x&ugp_click_id=tp_9',
        install_begin_timestamp: '2026-11-20T09:59:00Z',
      }),
      ctx,
    );
    expect(r).toMatchObject({
      ok: true,
      value: {
        eventId: 'e1',
        type: 'install',
        timestampMs: T0,
        advertisingId: ADID,
        referrerClickId: 'tp_9',
      },
    });
    expect(r.ok && r.value.installBeginMs).toBe(T0 - MINUTE);
  });

  it('names the field of a malformed timestamp', () => {
    const r = validateEvent(wireEvent({ timestamp: 'yesterday' }), ctx);
    expect(r).toMatchObject({ ok: false, code: 'invalid_event', field: 'timestamp' });
    expect(!r.ok && r.message).toBe('timestamp: expected ISO-8601 date-time');
  });

  it('names a nested field', () => {
    const r = validateEvent(wireEvent({ device: { ip: 'not-an-ip' } }), ctx);
    expect(r).toMatchObject({ ok: false, field: 'device.ip' });
    expect(!r.ok && r.message).toContain('device.ip: expected an IPv4 or IPv6 address');
  });

  it('rejects a revenue currency that is not ISO 4217', () => {
    expect(validateEvent(wireEvent({ revenue: { amount: 1, currency: 'usd' } }), ctx)).toMatchObject({
      ok: false,
      field: 'revenue.currency',
    });
  });

  describe('accepted time range', () => {
    it('accepts an event exactly 400 days old', () => {
      expect(validateEvent(wireEvent({ timestamp: new Date(T0 - 400 * DAY_MS).toISOString() }), ctx).ok).toBe(
        true,
      );
    });
    it('rejects an event 400 days and 1 second old with timestamp_out_of_range', () => {
      const r = validateEvent(
        wireEvent({ timestamp: new Date(T0 - 400 * DAY_MS - 1000).toISOString() }),
        ctx,
      );
      expect(r).toMatchObject({ ok: false, code: 'timestamp_out_of_range', field: 'timestamp' });
    });
    it('accepts an event 15 minutes in the future', () => {
      expect(validateEvent(wireEvent({ timestamp: new Date(T0 + 15 * MINUTE).toISOString() }), ctx).ok).toBe(
        true,
      );
    });
    it('rejects an event 15 minutes and 1 second in the future', () => {
      const r = validateEvent(wireEvent({ timestamp: new Date(T0 + 15 * MINUTE + 1000).toISOString() }), ctx);
      expect(r).toMatchObject({ ok: false, code: 'timestamp_out_of_range' });
    });
  });
});

describe('touchpoint validation', () => {
  it('takes IP and User-Agent from the top level, falling back to the device', () => {
    const r = validateTouchpoint(
      {
        type: 'click',
        network: 'meta',
        click_id: 'n-1',
        timestamp: new Date(T0).toISOString(),
        device: { ip: '203.0.113.1', user_agent: 'UA' },
      },
      { ...ctx, id: 'tp_1' },
    );
    expect(r).toMatchObject({
      ok: true,
      value: { id: 'tp_1', networkClickId: 'n-1', ip: '203.0.113.1', userAgent: 'UA' },
    });
  });

  it('requires a network', () => {
    const r = validateTouchpoint(
      { type: 'click', timestamp: new Date(T0).toISOString() },
      { ...ctx, id: 'x' },
    );
    expect(r).toMatchObject({ ok: false, code: 'invalid_touchpoint', field: 'network' });
  });
});

describe('install referrer', () => {
  it('reads our click id from a plain referrer', () => {
    expect(parseReferrerClickId('utm_source=google&ugp_click_id=tp_42')).toBe('tp_42');
  });
  it('reads it from a URL-encoded referrer', () => {
    expect(parseReferrerClickId('utm_source%3Dgoogle%26ugp_click_id%3Dtp_42')).toBe('tp_42');
  });
  it('gives nothing for a referrer without it, or a broken one', () => {
    expect(parseReferrerClickId('utm_source=google')).toBeUndefined();
    expect(parseReferrerClickId('%E0%A4%A')).toBeUndefined();
    expect(parseReferrerClickId(undefined)).toBeUndefined();
  });
});
