import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SpendLake } from '../../app/spend-lake.js';
import { LAKE_COSTS, LAKE_FX_RATES } from '../../definitions/lake.js';
import { type CostRow, costRowKey, type FxRate, fxRateKey } from '../../domain/spend.js';
import { mapLimit } from '../concurrency.js';

/**
 * Cost rows and FX rates in the lake bucket (tables `costs` and `fx_rates`, JSON SerDe in the cloud,
 * DuckDB locally): one small object per row under its idempotency key, so a re-sent row overwrites its
 * own object and nothing is read before writing.
 */

export interface S3SpendLakeOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix before `costs/` and `fx_rates/`. @default '' */
  readonly prefix?: string;
  /**
   * PutObject calls in flight.
   * @default 16
   */
  readonly concurrency?: number;
}

const part = (key: string, value: string) => `${key}=${encodeURIComponent(value)}`;

/** Object key of one cost row (exported for tests). */
export function costObjectKey(tenantId: string, appId: string, row: CostRow, prefix = ''): string {
  const [tenantKey, appKey, dayKey] = LAKE_COSTS.partitionKeys;
  return (
    `${prefix}${LAKE_COSTS.prefix}${part(tenantKey, tenantId)}/${part(appKey, appId)}/` +
    `${part(dayKey, row.date)}/${costRowKey(appId, row)}.json`
  );
}

/** Object key of one FX rate (exported for tests). */
export function fxRateObjectKey(tenantId: string, rate: FxRate, prefix = ''): string {
  const [tenantKey] = LAKE_FX_RATES.partitionKeys;
  return `${prefix}${LAKE_FX_RATES.prefix}${part(tenantKey, tenantId)}/${fxRateKey(rate)}.json`;
}

/** The lake row of a cost row (the columns of `COST_COLUMNS`). */
export function costLakeRow(row: CostRow, loadedAtMs: number): Record<string, unknown> {
  return {
    network: row.network,
    campaign: row.campaign,
    adset: row.adset,
    ad: row.ad,
    country: row.country,
    spend: row.spend,
    currency: row.currency,
    clicks: row.clicks ?? null,
    impressions: row.impressions ?? null,
    loaded_at: new Date(loadedAtMs).toISOString(),
  };
}

export class S3SpendLake implements SpendLake {
  private readonly prefix: string;
  private readonly concurrency: number;

  constructor(private readonly options: S3SpendLakeOptions) {
    this.prefix = options.prefix ?? '';
    this.concurrency = options.concurrency ?? 16;
  }

  private put(key: string, row: Record<string, unknown>): Promise<unknown> {
    return this.options.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: `${JSON.stringify(row)}\n`,
        ContentType: 'application/x-ndjson',
      }),
    );
  }

  async putCosts(tenantId: string, appId: string, rows: readonly CostRow[], loadedAtMs: number) {
    await mapLimit(rows, this.concurrency, async (row) => {
      await this.put(costObjectKey(tenantId, appId, row, this.prefix), costLakeRow(row, loadedAtMs));
    });
  }

  async putFxRates(tenantId: string, rates: readonly FxRate[], loadedAtMs: number) {
    await mapLimit(rates, this.concurrency, async (rate) => {
      await this.put(fxRateObjectKey(tenantId, rate, this.prefix), {
        day: rate.date,
        from_currency: rate.from,
        to_currency: rate.to,
        rate: rate.rate,
        loaded_at: new Date(loadedAtMs).toISOString(),
      });
    });
  }
}
