import type { LakeQueryRunner } from '../../app/ports/lake-queries.js';
import type { ReplayHistorySource } from '../../app/ports/replay-history.js';
import { MAX_REPLAY_RECORDS, REPLAY_HISTORY_QUERY } from '../../definitions/queries.js';
import {
  type AppEvent,
  PLATFORMS,
  type Platform,
  parseReferrerClickId,
  type Touchpoint,
} from '../../domain/records.js';
import type { ReplayHistory } from '../../domain/replay.js';
import { stripUndefined } from '../../domain/validation.js';

/**
 * Reads the history replay re-runs from the lake's raw tables (`REPLAY_HISTORY_QUERY`) through a lake
 * query runner: Athena in the cloud, DuckDB over the same layout in local mode. Athena answers every
 * column as a string and DuckDB as JSON values, so each value is read as either.
 */

export interface ReplayHistoryRequest {
  readonly tenantId: string;
  readonly appId: string;
  /** UTC days, inclusive. */
  readonly fromDay: string;
  readonly toDay: string;
}

export interface ReadHistory extends ReplayHistory {
  /** More than `MAX_REPLAY_RECORDS` records lie in the range: the history was cut off. */
  readonly truncated: boolean;
}

type Row = Readonly<Record<string, unknown>>;

const text = (value: unknown): string | undefined =>
  value === null || value === undefined || value === '' ? undefined : String(value);
const epochMs = (value: unknown): number | undefined => {
  const raw = text(value);
  if (raw === undefined) return undefined;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? undefined : ms;
};
const platformOf = (value: unknown): Platform | undefined => {
  const raw = text(value);
  return (PLATFORMS as readonly string[]).includes(raw ?? '') ? (raw as Platform) : undefined;
};

function touchpointOf(row: Row, scope: ReplayHistoryRequest, timestampMs: number): Touchpoint | undefined {
  const type = text(row.type);
  const network = text(row.network);
  const id = text(row.event_id);
  if ((type !== 'click' && type !== 'impression') || !network || !id) return undefined;
  return stripUndefined<Touchpoint>({
    id,
    tenantId: scope.tenantId,
    appId: scope.appId,
    type,
    network,
    campaign: text(row.campaign),
    adset: text(row.adset),
    ad: text(row.ad),
    networkClickId: text(row.click_id),
    timestampMs,
    platform: platformOf(row.platform),
    advertisingId: text(row.advertising_id),
    vendorId: text(row.vendor_id),
    ip: text(row.ip),
    userAgent: text(row.user_agent),
    osVersion: text(row.os_version),
    model: text(row.model),
  });
}

function eventOf(row: Row, scope: ReplayHistoryRequest, timestampMs: number): AppEvent | undefined {
  const eventId = text(row.event_id);
  const type = text(row.type);
  if (!eventId || !type) return undefined;
  const amount = text(row.revenue_amount);
  const currency = text(row.revenue_currency);
  return stripUndefined<AppEvent>({
    eventId,
    tenantId: scope.tenantId,
    appId: scope.appId,
    type,
    timestampMs,
    platform: platformOf(row.platform),
    advertisingId: text(row.advertising_id),
    vendorId: text(row.vendor_id),
    customerUserId: text(row.customer_user_id),
    ip: text(row.ip),
    userAgent: text(row.user_agent),
    osVersion: text(row.os_version),
    model: text(row.model),
    locale: text(row.locale),
    referrerClickId: parseReferrerClickId(text(row.install_referrer)),
    installBeginMs: epochMs(row.install_begin_timestamp),
    revenue: amount !== undefined && currency ? { amount: Number(amount), currency } : undefined,
  });
}

export class LakeReplayHistory implements ReplayHistorySource {
  /** @param runner the lake query runner; a function when it is known only after start-up (local mode) */
  constructor(private readonly runner: LakeQueryRunner | (() => LakeQueryRunner | undefined)) {}

  /** Whether a lake can be read at all (local mode hands its runner over once it is up). */
  get available(): boolean {
    return this.current() !== undefined;
  }

  private current(): LakeQueryRunner | undefined {
    return typeof this.runner === 'function' ? this.runner() : this.runner;
  }

  async read(scope: ReplayHistoryRequest): Promise<ReadHistory> {
    const runner = this.current();
    if (!runner) throw new Error('no lake query runner: replay needs Athena or local mode');
    const rows: readonly Row[] = await runner.run(REPLAY_HISTORY_QUERY, {
      tenantId: scope.tenantId,
      appId: scope.appId,
      fromDay: scope.fromDay,
      toDay: scope.toDay,
    });
    const touchpoints: Touchpoint[] = [];
    const events: AppEvent[] = [];
    for (const row of rows.slice(0, MAX_REPLAY_RECORDS)) {
      const timestampMs = epochMs(row.timestamp);
      if (timestampMs === undefined) continue;
      if (row.record_type === 'touchpoint') {
        const touchpoint = touchpointOf(row, scope, timestampMs);
        if (touchpoint) touchpoints.push(touchpoint);
      } else {
        const event = eventOf(row, scope, timestampMs);
        if (event) events.push(event);
      }
    }
    return { touchpoints, events, truncated: rows.length > MAX_REPLAY_RECORDS };
  }
}
