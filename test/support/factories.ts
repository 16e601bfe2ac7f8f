import { randomUUID } from 'node:crypto';
import type { AppEvent, PipelineRecord, Touchpoint } from '../../src/domain/records.js';

/** Test data factories: realistic defaults, override what the test is about. */

export const T0 = Date.parse('2026-11-20T10:00:00Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export function adid(): string {
  return randomUUID();
}

export function clickRecord(overrides: Partial<Touchpoint> = {}): PipelineRecord {
  const touchpoint: Touchpoint = {
    id: randomUUID().replaceAll('-', ''),
    tenantId: 'acme',
    appId: 'com.acme.game',
    type: 'click',
    network: 'meta',
    campaign: 'winter',
    timestampMs: T0,
    platform: 'android',
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36',
    ...overrides,
  };
  return { kind: 'touchpoint', receivedAtMs: touchpoint.timestampMs, touchpoint };
}

export function eventRecord(overrides: Partial<AppEvent> = {}): PipelineRecord {
  const event: AppEvent = {
    eventId: randomUUID(),
    tenantId: 'acme',
    appId: 'com.acme.game',
    type: 'install',
    timestampMs: T0 + HOUR,
    platform: 'android',
    ip: '203.0.113.7',
    userAgent: 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UQ1A)',
    osVersion: '14',
    model: 'Pixel 8',
    ...overrides,
  };
  return { kind: 'event', receivedAtMs: event.timestampMs, event };
}
