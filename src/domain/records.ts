import * as z from 'zod';
import { DAY_MS } from './settings.js';

/**
 * The event model: wire schemas (snake_case, as SPEC §3 sends them) and the normalised records the
 * engine works on (camelCase, epoch milliseconds). The same schemas validate the HTTP API.
 */

/** Accepted event-time range (SPEC §3): 400 days back (backfills, offline SDK queues), 15 minutes ahead. */
export const MAX_PAST_MS = 400 * DAY_MS;
export const MAX_FUTURE_MS = 15 * 60_000;

const id = (max: number) => z.string().trim().min(1).max(max);
const isoDateTime = z.iso.datetime({ offset: true, message: 'expected ISO-8601 date-time' });

export const PLATFORMS = ['android', 'ios', 'web', 'other'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const DeviceSchema = z.object({
  platform: z.enum(PLATFORMS).optional(),
  advertising_id: id(128).optional(),
  vendor_id: id(128).optional(),
  ip: z.union([z.ipv4(), z.ipv6()], { message: 'expected an IPv4 or IPv6 address' }).optional(),
  user_agent: z.string().max(1024).optional(),
  os_version: z.string().max(64).optional(),
  model: z.string().max(128).optional(),
  locale: z.string().max(35).optional(),
  /** ISO 3166-1 alpha-2 (SPEC §8); when absent, the country of `ip` at ingest. */
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, { message: 'expected an ISO 3166-1 alpha-2 country code' })
    .optional(),
});
export type DeviceInput = z.infer<typeof DeviceSchema>;

export const TouchpointInputSchema = z.object({
  type: z.enum(['click', 'impression']),
  network: id(100),
  campaign: id(200).optional(),
  adset: id(200).optional(),
  ad: id(200).optional(),
  click_id: id(256).optional(),
  /** A retargeting touchpoint (SPEC §4.1): only these re-engage an installed device. */
  retargeting: z.boolean().optional(),
  timestamp: isoDateTime,
  device: DeviceSchema.optional(),
  ip: z.union([z.ipv4(), z.ipv6()], { message: 'expected an IPv4 or IPv6 address' }).optional(),
  user_agent: z.string().max(1024).optional(),
});
export type TouchpointInput = z.infer<typeof TouchpointInputSchema>;

export const RevenueSchema = z.object({
  amount: z.number().finite().min(-1_000_000_000).max(1_000_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code such as USD'),
});

/** Limits of an event's free-form `properties`: they travel on the stream twice (event and lake row). */
export const MAX_PROPERTIES_DEPTH = 10;
export const MAX_PROPERTIES_BYTES = 32 * 1024;

/** How deeply a JSON value nests, counted without recursion (a hostile value may nest thousands deep). */
function depthOf(value: unknown, stopAfter: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > stopAfter) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

export const PropertiesSchema = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  if (depthOf(value, MAX_PROPERTIES_DEPTH) > MAX_PROPERTIES_DEPTH) {
    ctx.addIssue({ code: 'custom', message: `nested deeper than ${MAX_PROPERTIES_DEPTH} levels` });
  } else if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_PROPERTIES_BYTES) {
    ctx.addIssue({ code: 'custom', message: `more than ${MAX_PROPERTIES_BYTES} bytes of JSON` });
  }
});

export const AppEventInputSchema = z.object({
  event_id: id(128),
  /** install | open | session | an in-app event name such as `purchase`. */
  type: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'expected letters, digits, _ . : or -'),
  timestamp: isoDateTime,
  device: DeviceSchema,
  customer_user_id: id(256).optional(),
  install_referrer: z.string().max(2048).optional(),
  install_begin_timestamp: isoDateTime.optional(),
  revenue: RevenueSchema.optional(),
  properties: PropertiesSchema.optional(),
});
export type AppEventInput = z.infer<typeof AppEventInputSchema>;

/** A click or impression, normalised. `id` is ours: it travels in the Play Install Referrer. */
export interface Touchpoint {
  readonly id: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly type: 'click' | 'impression';
  readonly network: string;
  readonly campaign?: string;
  readonly adset?: string;
  readonly ad?: string;
  /** The network's own click id; an install referrer carrying it matches this click too (SPEC §4.1). */
  readonly networkClickId?: string;
  /** Set only when the touchpoint says it is retargeting; only such clicks re-engage (SPEC §4.1). */
  readonly retargeting?: true;
  readonly timestampMs: number;
  readonly platform?: Platform;
  readonly advertisingId?: string;
  readonly vendorId?: string;
  readonly ip?: string;
  readonly userAgent?: string;
  readonly osVersion?: string;
  readonly model?: string;
  /** ISO 3166-1 alpha-2, upper case: sent, or derived from the IP at ingest (SPEC §8). */
  readonly country?: string;
}

export const LIFECYCLE_EVENT_TYPES = ['install', 'open', 'session'] as const;

/** An app event (install, open, session or in-app event), normalised. */
export interface AppEvent {
  readonly eventId: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly type: string;
  readonly timestampMs: number;
  readonly platform?: Platform;
  readonly advertisingId?: string;
  readonly vendorId?: string;
  readonly customerUserId?: string;
  readonly ip?: string;
  readonly userAgent?: string;
  readonly osVersion?: string;
  readonly model?: string;
  readonly locale?: string;
  /** ISO 3166-1 alpha-2, upper case: `device.country` as sent, or derived from the IP at ingest (SPEC §8). */
  readonly country?: string;
  /**
   * The install referrer's `ugp_click_id` value: our touchpoint id or, failing that, a network's
   * `click_id` (SPEC §4.1).
   */
  readonly referrerClickId?: string;
  /** Play Install Referrer `install_begin_timestamp_seconds`, in ms. */
  readonly installBeginMs?: number;
  readonly revenue?: { readonly amount: number; readonly currency: string };
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** What the ingest path puts on the stream and the consumer decodes. */
export type PipelineRecord =
  | { readonly kind: 'touchpoint'; readonly receivedAtMs: number; readonly touchpoint: Touchpoint }
  | { readonly kind: 'event'; readonly receivedAtMs: number; readonly event: AppEvent };

/** The install referrer parameter that carries our click id. */
export const REFERRER_CLICK_ID_PARAM = 'ugp_click_id';

/** Reads the click id out of a raw Play Install Referrer string (`utm_source=x&ugp_click_id=…`). */
export function parseReferrerClickId(referrer: string | undefined): string | undefined {
  if (!referrer) return undefined;
  let decoded = referrer;
  try {
    // Play hands over the referrer URL-encoded once more when the link itself encoded it.
    if (!decoded.includes('=') || decoded.includes('%3D')) decoded = decodeURIComponent(decoded);
  } catch {
    return undefined;
  }
  const value = new URLSearchParams(decoded).get(REFERRER_CLICK_ID_PARAM);
  return value ? value.trim() || undefined : undefined;
}
