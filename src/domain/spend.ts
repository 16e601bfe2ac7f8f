import { createHash } from 'node:crypto';
import * as z from 'zod';

/**
 * Ad spend and FX rates (SPEC §8): the cost rows a marketer loads per app, day and source, and the daily
 * exchange rates a tenant sets. Wire schemas (snake_case, as the API and the CLI's CSV take them) and the
 * rules that key them. Pure: no AWS import.
 */

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A real calendar day: `2026-11-31` parses in JavaScript (as 1 December), so the day must round-trip. */
const validDay = (value: string) => {
  if (!DAY.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
};
const day = z.string().refine(validDay, { message: 'expected a date YYYY-MM-DD' });
const currency = z.string().regex(/^[A-Z]{3}$/, { message: 'expected an ISO 4217 code such as USD' });
/** Left empty, a dimension means "not broken down" (spend of the whole campaign, of every country). */
const dimension = (max: number) => z.string().trim().max(max).optional();

/** One cost row, as the API and the CSV take it. */
export const CostRowSchema = z
  .object({
    date: day,
    network: z.string().trim().min(1).max(100),
    campaign: dimension(200),
    adset: dimension(200),
    ad: dimension(200),
    country: z
      .string()
      .regex(/^([A-Za-z]{2})?$/, { message: 'expected an ISO 3166-1 alpha-2 country code' })
      .optional(),
    spend: z.number().finite().nonnegative({ message: 'expected an amount of 0 or more' }),
    currency,
    clicks: z.number().int().nonnegative().optional(),
    impressions: z.number().int().nonnegative().optional(),
  })
  .strict();
export type CostRowInput = z.infer<typeof CostRowSchema>;

/** The most cost rows one request takes (the CLI sends bigger files in batches of this size). */
export const MAX_COST_ROWS = 1000;

/** A cost row, normalised: absent dimensions are empty strings, the country upper case. */
export interface CostRow {
  readonly date: string;
  readonly network: string;
  readonly campaign: string;
  readonly adset: string;
  readonly ad: string;
  readonly country: string;
  readonly spend: number;
  readonly currency: string;
  readonly clicks?: number;
  readonly impressions?: number;
}

export function normaliseCostRow(input: CostRowInput): CostRow {
  return {
    date: input.date,
    network: input.network,
    campaign: input.campaign ?? '',
    adset: input.adset ?? '',
    ad: input.ad ?? '',
    country: (input.country ?? '').toUpperCase(),
    spend: input.spend,
    currency: input.currency,
    ...(input.clicks !== undefined ? { clicks: input.clicks } : {}),
    ...(input.impressions !== undefined ? { impressions: input.impressions } : {}),
  };
}

/**
 * The idempotency key of a cost row (SPEC §8): app, date, network, campaign, adset, ad and country. A
 * row sent again with the same key replaces the earlier one. 32 hex digits of SHA-256.
 * @example costRowKey('com.demo.game', row) // '9f2c…'
 */
export function costRowKey(appId: string, row: CostRow): string {
  const parts = [appId, row.date, row.network, row.campaign, row.adset, row.ad, row.country];
  return createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('hex').slice(0, 32);
}

/** One daily exchange rate: on `date`, one `from` is worth `rate` of `to`. */
export const FxRateSchema = z
  .object({
    date: day,
    from: currency,
    to: currency,
    rate: z.number().finite().positive({ message: 'expected a rate above 0' }),
  })
  .strict();
export type FxRate = z.infer<typeof FxRateSchema>;

/** The most rates one request takes (a year of 10 pairs). */
export const MAX_FX_RATES = 5000;

/** The key a rate replaces an earlier one under: tenant, date and pair. */
export function fxRateKey(rate: Pick<FxRate, 'date' | 'from' | 'to'>): string {
  return `${rate.date}-${rate.from}-${rate.to}`;
}
