import type { z } from 'zod';
import { normaliseCountry } from './country.js';
import {
  type AppEvent,
  AppEventInputSchema,
  MAX_FUTURE_MS,
  MAX_PAST_MS,
  parseReferrerClickId,
  type Touchpoint,
  TouchpointInputSchema,
} from './records.js';

/** A rejected input: a machine-readable code and a message that names the field. */
export interface ValidationFailure {
  readonly ok: false;
  readonly code: 'invalid_event' | 'invalid_touchpoint' | 'timestamp_out_of_range';
  /** `timestamp: expected ISO-8601 date-time`; the caller prefixes its own path (`events[3].`). */
  readonly message: string;
  /** Dotted path of the offending field, e.g. `device.ip`. */
  readonly field: string;
}
export type Validated<T> = { readonly ok: true; readonly value: T } | ValidationFailure;

export interface ValidationContext {
  readonly tenantId: string;
  readonly appId: string;
  /** The receiving clock, epoch ms: the time window is measured from it. */
  readonly nowMs: number;
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc ? `${acc}.${String(key)}` : String(key);
  }, '');
}

function firstIssue(error: z.ZodError, code: ValidationFailure['code']): ValidationFailure {
  const issue = error.issues[0];
  const field = issue ? pathOf(issue.path) : '';
  const message = issue?.message ?? 'invalid input';
  return { ok: false, code, field, message: field ? `${field}: ${message}` : message };
}

/** Checks an event-time against SPEC §3's accepted range. */
export function checkTimestamp(
  field: string,
  timestampMs: number,
  nowMs: number,
): ValidationFailure | undefined {
  if (timestampMs < nowMs - MAX_PAST_MS) {
    return {
      ok: false,
      code: 'timestamp_out_of_range',
      field,
      message: `${field}: more than 400 days in the past`,
    };
  }
  if (timestampMs > nowMs + MAX_FUTURE_MS) {
    return {
      ok: false,
      code: 'timestamp_out_of_range',
      field,
      message: `${field}: more than 15 minutes in the future`,
    };
  }
  return undefined;
}

/**
 * Validates one SDK or server event and normalises it.
 * @example
 * const result = validateEvent(body.events[0], { tenantId, appId, nowMs: Date.now() });
 * if (!result.ok) reject(`events[0].${result.message}`);
 */
export function validateEvent(input: unknown, ctx: ValidationContext): Validated<AppEvent> {
  const parsed = AppEventInputSchema.safeParse(input);
  if (!parsed.success) return firstIssue(parsed.error, 'invalid_event');
  const e = parsed.data;
  const timestampMs = Date.parse(e.timestamp);
  const outOfRange = checkTimestamp('timestamp', timestampMs, ctx.nowMs);
  if (outOfRange) return outOfRange;
  const installBeginMs = e.install_begin_timestamp ? Date.parse(e.install_begin_timestamp) : undefined;
  const d = e.device;
  return {
    ok: true,
    value: stripUndefined({
      eventId: e.event_id,
      tenantId: ctx.tenantId,
      appId: ctx.appId,
      type: e.type,
      timestampMs,
      platform: d.platform,
      advertisingId: d.advertising_id,
      vendorId: d.vendor_id,
      customerUserId: e.customer_user_id,
      ip: d.ip,
      userAgent: d.user_agent,
      osVersion: d.os_version,
      model: d.model,
      locale: d.locale,
      country: normaliseCountry(d.country),
      referrerClickId: parseReferrerClickId(e.install_referrer),
      installBeginMs,
      revenue: e.revenue,
      properties: e.properties,
    }),
  };
}

/** Validates one click or impression (S2S or tracking link) and normalises it under the given id. */
export function validateTouchpoint(
  input: unknown,
  ctx: ValidationContext & { readonly id: string },
): Validated<Touchpoint> {
  const parsed = TouchpointInputSchema.safeParse(input);
  if (!parsed.success) return firstIssue(parsed.error, 'invalid_touchpoint');
  const t = parsed.data;
  const timestampMs = Date.parse(t.timestamp);
  const outOfRange = checkTimestamp('timestamp', timestampMs, ctx.nowMs);
  if (outOfRange) return outOfRange;
  return {
    ok: true,
    value: stripUndefined({
      id: ctx.id,
      tenantId: ctx.tenantId,
      appId: ctx.appId,
      type: t.type,
      network: t.network,
      campaign: t.campaign,
      adset: t.adset,
      ad: t.ad,
      networkClickId: t.click_id,
      retargeting: t.retargeting === true ? true : undefined,
      timestampMs,
      platform: t.device?.platform,
      advertisingId: t.device?.advertising_id,
      vendorId: t.device?.vendor_id,
      ip: t.ip ?? t.device?.ip,
      userAgent: t.user_agent ?? t.device?.user_agent,
      osVersion: t.device?.os_version,
      model: t.device?.model,
      country: normaliseCountry(t.device?.country),
    }),
  };
}

/** Drops undefined properties so records compare and serialise cleanly. */
export function stripUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}
