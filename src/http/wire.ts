import * as z from 'zod';
import { APP_ID_PATTERN, TENANT_ID_PATTERN } from '../definitions/ids.js';
import { DELIVERY_STATUSES } from '../definitions/postbacks.js';
import { REQUEST_LIMITS } from '../definitions/routes.js';
import { DestinationsInputSchema } from '../domain/postbacks/destinations.js';
import { AppEventInputSchema, TouchpointInputSchema } from '../domain/records.js';
import { AppSettingsWireSchema } from '../domain/settings.js';
import { CostRowSchema, FxRateSchema, MAX_COST_ROWS, MAX_FX_RATES } from '../domain/spend.js';

/**
 * The wire schemas of the HTTP API v1: the one copy of every request shape. The routes validate with
 * them, `openapi.ts` describes the API from them, and `lib/ingest/request-models.ts` derives API
 * Gateway's request models from them. Pure zod: no adapter, no AWS import (the CDK reads this file).
 */

export { APP_ID_PATTERN, TENANT_ID_PATTERN } from '../definitions/ids.js';
/** A UTC day, as reports and replay take their ranges. */
export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an absolute http(s) URL' });
const StoreUrlsSchema = z
  .object({ android: httpUrl.optional(), ios: httpUrl.optional(), web: httpUrl.optional() })
  .strict();
const HostsSchema = z
  .array(z.string().regex(/^[a-z0-9.-]{1,253}$/i, 'expected a host name such as example.com'))
  .max(50);
const day = (meaning: string) =>
  z.string().regex(DAY_PATTERN, 'expected a date YYYY-MM-DD').describe(meaning);

export const CreateTenantSchema = z
  .object({
    tenant_id: z.string().regex(TENANT_ID_PATTERN, 'expected 2-63 lower-case letters, digits or -'),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const CreateAppSchema = z
  .object({
    app_id: z.string().regex(APP_ID_PATTERN, 'expected a bundle id or package name (letters, digits, . _ -)'),
    name: z.string().trim().min(1).max(200).optional(),
    store_urls: StoreUrlsSchema.optional(),
    allowed_redirect_hosts: HostsSchema.optional(),
    settings: AppSettingsWireSchema.optional(),
  })
  .strict();

export const UpdateAppSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    store_urls: StoreUrlsSchema.optional(),
    allowed_redirect_hosts: HostsSchema.optional(),
    settings: AppSettingsWireSchema.optional(),
  })
  .strict();

export const ErasureSchema = z
  .object({
    app_id: z.string().regex(APP_ID_PATTERN, 'expected an app id'),
    advertising_id: z.string().optional(),
    vendor_id: z.string().optional(),
    customer_user_id: z.string().optional(),
  })
  .strict();

/** Hours the old keys keep working after a rotation when the body does not say. */
export const DEFAULT_OLD_KEY_EXPIRY_HOURS = 24;
/** The longest an old key may outlive a rotation: 30 days. */
export const MAX_OLD_KEY_EXPIRY_HOURS = 720;

export const RotateKeySchema = z
  .object({
    old_key_expires_in_hours: z
      .number()
      .min(0, 'expected 0 (revoke now) or more hours')
      .max(MAX_OLD_KEY_EXPIRY_HOURS, `expected at most ${MAX_OLD_KEY_EXPIRY_HOURS} hours (30 days)`)
      .optional(),
  })
  .strict();

export const SigningSecretSchema = z.object({ enabled: z.boolean().optional() }).strict();

/**
 * `POST /v1/events`. The handler takes the batch apart itself (`readBatch`) and checks each event with
 * `AppEventInputSchema`, so one bad event is rejected alone and the others are kept (SPEC §3).
 */
export const EventBatchSchema = z.object({
  events: z.array(AppEventInputSchema).min(1).max(REQUEST_LIMITS.maxEventsPerBatch),
});

/** `POST /v1/touchpoints`, checked per touchpoint like the event batch. */
export const TouchpointBatchSchema = z.object({
  touchpoints: z.array(TouchpointInputSchema).min(1).max(REQUEST_LIMITS.maxTouchpointsPerBatch),
});

/** Days replay reads when the body names no range (ending today). */
export const DEFAULT_REPLAY_DAYS = 30;
/** The longest range one replay reads. */
export const MAX_REPLAY_DAYS = 90;

/** `POST /v1/reports/{appId}/replay`: the settings to try, and the event-time days to replay. */
export const ReplayRequestSchema = z
  .object({
    settings: AppSettingsWireSchema.describe(
      'The candidate settings, whole (as PUT /v1/tenants/{tenantId}/apps/{appId} takes them); what is left out takes the default',
    ),
    from: day(`First day replayed, UTC. Default: ${DEFAULT_REPLAY_DAYS - 1} days before \`to\``).optional(),
    to: day('Last day replayed, UTC. Default: today').optional(),
  })
  .strict();
export type ReplayRequest = z.infer<typeof ReplayRequestSchema>;

const text = (meaning: string) => z.string().describe(meaning);

/** Query string of the tracking links (SPEC §3). */
export const TrackingLinkQuerySchema = z.object({
  network: text('The ad network (required)').min(1),
  campaign: text('Campaign name').optional(),
  adset: text('Ad set name').optional(),
  ad: text('Ad name').optional(),
  click_id: text("The network's own click id").optional(),
  advertising_id: text('GAID or IDFA').optional(),
  vendor_id: text('IDFV').optional(),
  redirect: text("An allowed override of the store URL (its host in the app's allowed_redirect_hosts)")
    .url()
    .optional(),
});

/** `GET /v1/attribution/{appId}`: exactly one of the three identifiers. */
export const AttributionQuerySchema = z.object({
  advertising_id: text('GAID or IDFA (exactly one of the three)').optional(),
  vendor_id: text('IDFV (exactly one of the three)').optional(),
  customer_user_id: text("The app's own user id (exactly one of the three)").optional(),
});

export const InstallReportQuerySchema = z.object({
  from: day('First day, UTC'),
  to: day('Last day, UTC (at most 400 days after from)'),
  group_by: text('Comma-separated: day, network, campaign. Default network,campaign').optional(),
});

/** `POST /v1/costs/{appId}` (SPEC §8), checked per row: valid rows are kept, the others listed. */
export const CostBatchSchema = z.object({
  costs: z.array(CostRowSchema).min(1).max(MAX_COST_ROWS),
});

/** `PUT /v1/tenants/{tenantId}/fx-rates` (SPEC §8): all or nothing. */
export const FxRatesSchema = z.object({ rates: z.array(FxRateSchema).min(1).max(MAX_FX_RATES) }).strict();

export const PerformanceReportQuerySchema = z.object({
  from: day('First install day, UTC'),
  to: day('Last install day, UTC (at most 400 days after from)'),
  group_by: text(
    'Comma-separated: network, campaign, adset, ad, country, platform. Default network,campaign',
  ).optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as USD')
    .describe('The report currency (ISO 4217). Default USD')
    .optional(),
});

export const CohortReportQuerySchema = PerformanceReportQuerySchema.extend({
  days: text('Comma-separated days since install, 0 to 400. Default 0,1,3,7,14,30').optional(),
  metric: z
    .enum(['retention', 'revenue', 'roas'])
    .describe('retention (share of the cohort active that day), revenue (cumulative) or roas (cumulative)')
    .optional(),
});

export const ErasureStatusQuerySchema = z.object({
  tenant_id: text('The tenant of the request; required of a platform-wide token').optional(),
});

/** SPEC §3: the one error shape of every failure. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().describe('Machine-readable, e.g. invalid_event'),
    message: z.string().describe('What went wrong, naming the field'),
    details: z.array(
      z.object({
        field: z.string().optional(),
        index: z.number().int().optional(),
        code: z.string().optional(),
        message: z.string(),
      }),
    ),
  }),
});

/** What a route takes on the wire: its body (with an example) and its query string. */
export interface RouteWire {
  readonly body?: z.ZodType;
  /** Whether the body may be left out (the defaults apply). @default false */
  readonly bodyOptional?: boolean;
  /** A body that passes `body`; shown in the API document. */
  readonly example?: unknown;
  readonly query?: z.ZodObject;
  /**
   * A batch: API Gateway checks only the envelope, the handler checks each item so that one bad item is
   * rejected alone (SPEC §3). Names the array.
   */
  readonly batchOf?: string;
}

const EXAMPLE_DEVICE = {
  platform: 'android',
  advertising_id: '38400000-8cf0-11bd-b23e-10b96e40000d',
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8)',
  os_version: '14',
  model: 'Pixel 8',
  locale: 'en_US',
  country: 'DE',
};

/** Deliveries one `GET …/postbacks/deliveries` lists at most. */
export const MAX_DELIVERIES_LISTED = 100;

export const DeliveriesQuerySchema = z
  .object({
    status: z.enum(DELIVERY_STATUSES).optional().describe('Only deliveries in this status'),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_DELIVERIES_LISTED)
      .optional()
      .describe('At most this many, newest first'),
  })
  .strict();

/** Most audit log entries one page holds, and how many one holds when `limit` is left out. */
export const MAX_AUDIT_ENTRIES_LISTED = 500;
export const DEFAULT_AUDIT_ENTRIES_LISTED = 100;

export const AuditLogQuerySchema = z
  .object({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_AUDIT_ENTRIES_LISTED)
      .optional()
      .describe(`At most this many entries, newest first (default ${DEFAULT_AUDIT_ENTRIES_LISTED})`),
    before: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("Entries older than this: the previous page's `next_before`"),
  })
  .strict();

/** The wire of every route that takes a body or a query string, by `METHOD /path`. */
export const ROUTE_WIRES: Readonly<Record<string, RouteWire>> = {
  'GET /v1/click/{appId}': { query: TrackingLinkQuerySchema },
  'GET /v1/impression/{appId}': { query: TrackingLinkQuerySchema },
  'POST /v1/touchpoints': {
    body: TouchpointBatchSchema,
    batchOf: 'touchpoints',
    example: {
      touchpoints: [
        {
          type: 'click',
          network: 'meta',
          campaign: 'spring_sale',
          click_id: 'fb.1.1700000000.abc',
          timestamp: '2026-11-20T09:15:00Z',
          device: { platform: 'android', advertising_id: EXAMPLE_DEVICE.advertising_id },
          ip: '203.0.113.7',
          user_agent: EXAMPLE_DEVICE.user_agent,
        },
      ],
    },
  },
  'POST /v1/events': {
    body: EventBatchSchema,
    batchOf: 'events',
    example: {
      events: [
        {
          event_id: '0b7c2f4e-9a51-4c1e-8f0a-2d6b5e3c1a90',
          type: 'install',
          timestamp: '2026-11-20T10:15:00Z',
          device: EXAMPLE_DEVICE,
          install_referrer: 'utm_source=meta&ugp_click_id=4f1c9a0e2b7d4e8f9a6b3c5d7e1f2a3b',
        },
        {
          event_id: '7d1e0c3b-2a4f-4b6e-9c8d-1e2f3a4b5c6d',
          type: 'purchase',
          timestamp: '2026-11-20T10:40:00Z',
          device: EXAMPLE_DEVICE,
          revenue: { amount: 4.99, currency: 'USD' },
          properties: { sku: 'gems_100' },
        },
      ],
    },
  },
  'GET /v1/attribution/{appId}': { query: AttributionQuerySchema },
  'GET /v1/reports/{appId}/installs': { query: InstallReportQuerySchema },
  'POST /v1/reports/{appId}/replay': {
    body: ReplayRequestSchema,
    example: {
      settings: { click_lookback_hours: 48, probabilistic_matching: { enabled: false } },
      from: '2026-11-01',
      to: '2026-11-20',
    },
  },
  'POST /v1/privacy/erasure': {
    body: ErasureSchema,
    example: { app_id: 'com.demo.game', advertising_id: EXAMPLE_DEVICE.advertising_id },
  },
  'GET /v1/privacy/erasure/{requestId}': { query: ErasureStatusQuerySchema },
  'POST /v1/costs/{appId}': {
    body: CostBatchSchema,
    batchOf: 'costs',
    example: {
      costs: [
        {
          date: '2026-11-20',
          network: 'meta',
          campaign: 'spring_sale',
          adset: 'lookalike_1',
          ad: 'video_a',
          country: 'DE',
          spend: 412.5,
          currency: 'EUR',
          clicks: 5120,
          impressions: 210000,
        },
      ],
    },
  },
  'PUT /v1/tenants/{tenantId}/fx-rates': {
    body: FxRatesSchema,
    example: { rates: [{ date: '2026-11-20', from: 'EUR', to: 'USD', rate: 1.08 }] },
  },
  'GET /v1/reports/{appId}/performance': { query: PerformanceReportQuerySchema },
  'GET /v1/reports/{appId}/cohorts': { query: CohortReportQuerySchema },
  'POST /v1/tenants': { body: CreateTenantSchema, example: { tenant_id: 'acme', name: 'Acme Games' } },
  'POST /v1/tenants/{tenantId}/apps': {
    body: CreateAppSchema,
    example: {
      app_id: 'com.acme.runner',
      name: 'Runner',
      store_urls: {
        android: 'https://play.google.com/store/apps/details?id=com.acme.runner',
        ios: 'https://apps.apple.com/app/id123456789',
      },
      allowed_redirect_hosts: ['landing.acme.example'],
      settings: { click_lookback_hours: 72 },
    },
  },
  'PUT /v1/tenants/{tenantId}/apps/{appId}': {
    body: UpdateAppSchema,
    example: { settings: { click_lookback_hours: 48, fraud_modes: { bot_user_agent: 'flag' } } },
  },
  'POST /v1/tenants/{tenantId}/apps/{appId}/keys': {
    body: RotateKeySchema,
    bodyOptional: true,
    example: { old_key_expires_in_hours: 24 },
  },
  'POST /v1/tenants/{tenantId}/apps/{appId}/signing-secret': {
    body: SigningSecretSchema,
    bodyOptional: true,
    example: { enabled: true },
  },
  'PUT /v1/tenants/{tenantId}/apps/{appId}/postbacks': {
    body: DestinationsInputSchema,
    example: {
      postbacks: [
        {
          id: 'meta-installs',
          type: 'partner',
          network: 'meta',
          url: 'https://partner.example/pb?click={click_id}&adid={advertising_id}&ev={event_name}&rev={revenue}',
          kinds: ['install', 'rejected'],
          events: ['purchase'],
        },
        {
          id: 'backend',
          type: 'webhook',
          url: 'https://customer.example/hooks/ugp',
          kinds: ['install'],
          events: ['*'],
        },
      ],
    },
  },
  'GET /v1/tenants/{tenantId}/apps/{appId}/postbacks/deliveries': { query: DeliveriesQuerySchema },
  'GET /v1/tenants/{tenantId}/audit-log': { query: AuditLogQuerySchema },
};
