import type { DATA_LAKE } from '../definitions/lake.js';
import type { Attribution, EventAttribution } from '../domain/attribution.js';
import type { PipelineRecord } from '../domain/records.js';
import { REFERRER_CLICK_ID_PARAM } from '../domain/records.js';

/**
 * Lake rows in the column layout of `src/definitions/lake.ts` (raw records and attributions). Partition
 * columns (`tenant_id`, `app_id`, `dt`) live in the object's path, not in the rows.
 */

export type LakeTable = keyof typeof DATA_LAKE.tables;

export interface LakeRow {
  readonly table: LakeTable;
  readonly tenantId: string;
  readonly appId: string;
  /**
   * `dt` partition: the UTC day the row ARRIVED (`received_at` of raw rows, `decided_at` of attribution
   * rows), as Firehose partitions the lake; the event day is the `timestamp` column.
   */
  readonly day: string;
  readonly row: Readonly<Record<string, unknown>>;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function stringMap(properties: Readonly<Record<string, unknown>> | undefined): Record<string, string> | null {
  if (!properties) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(properties)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/** The raw row of an accepted event or touchpoint (`events` / `touchpoints` tables). */
export function rawRow(record: PipelineRecord): LakeRow {
  if (record.kind === 'event') {
    const e = record.event;
    return {
      table: 'events',
      tenantId: e.tenantId,
      appId: e.appId,
      day: day(record.receivedAtMs),
      row: {
        record_type: 'event',
        event_id: e.eventId,
        type: e.type,
        timestamp: iso(e.timestampMs),
        received_at: iso(record.receivedAtMs),
        device: {
          platform: e.platform ?? null,
          advertising_id: e.advertisingId ?? null,
          vendor_id: e.vendorId ?? null,
          ip: e.ip ?? null,
          user_agent: e.userAgent ?? null,
          os_version: e.osVersion ?? null,
          model: e.model ?? null,
          locale: e.locale ?? null,
        },
        customer_user_id: e.customerUserId ?? null,
        install_referrer: e.referrerClickId ? `${REFERRER_CLICK_ID_PARAM}=${e.referrerClickId}` : null,
        install_begin_timestamp: iso(e.installBeginMs),
        revenue: e.revenue ?? null,
        properties: stringMap(e.properties),
        network: null,
        campaign: null,
        adset: null,
        ad: null,
        click_id: null,
        ip: e.ip ?? null,
        user_agent: e.userAgent ?? null,
        country: e.country ?? null,
      },
    };
  }
  const t = record.touchpoint;
  return {
    table: 'touchpoints',
    tenantId: t.tenantId,
    appId: t.appId,
    day: day(record.receivedAtMs),
    row: {
      record_type: 'touchpoint',
      event_id: t.id,
      type: t.type,
      timestamp: iso(t.timestampMs),
      received_at: iso(record.receivedAtMs),
      device: {
        platform: t.platform ?? null,
        advertising_id: t.advertisingId ?? null,
        vendor_id: t.vendorId ?? null,
        ip: t.ip ?? null,
        user_agent: t.userAgent ?? null,
        os_version: t.osVersion ?? null,
        model: t.model ?? null,
        locale: null,
      },
      customer_user_id: null,
      install_referrer: null,
      install_begin_timestamp: null,
      revenue: null,
      properties: null,
      network: t.network,
      campaign: t.campaign ?? null,
      adset: t.adset ?? null,
      ad: t.ad ?? null,
      click_id: t.networkClickId ?? null,
      ip: t.ip ?? null,
      user_agent: t.userAgent ?? null,
      country: t.country ?? null,
    },
  };
}

/**
 * The report dimensions of an attribution row that the decision does not carry: the country and
 * platform of the event decided (SPEC §8).
 */
export interface DeviceFacts {
  readonly country?: string;
  readonly platform?: string;
}

/** The report dimensions of the record an attribution row comes from. */
export function deviceFactsOf(record: PipelineRecord): DeviceFacts {
  const r = record.kind === 'event' ? record.event : record.touchpoint;
  return { ...(r.country ? { country: r.country } : {}), ...(r.platform ? { platform: r.platform } : {}) };
}

/** The row of an install, reinstall or reattribution decision (`subject` = `install`). */
export function installAttributionRow(a: Attribution, decidedAtMs: number, facts: DeviceFacts = {}): LakeRow {
  return {
    table: 'attributions',
    tenantId: a.tenantId,
    appId: a.appId,
    day: day(decidedAtMs),
    row: {
      event_id: a.eventId,
      device_id: a.deviceId,
      subject: 'install',
      event_name: 'install',
      status: a.status,
      kind: a.kind,
      network: a.source?.network ?? null,
      campaign: a.source?.campaign ?? null,
      adset: a.source?.adset ?? null,
      ad: a.source?.ad ?? null,
      match_type: a.match,
      touch_time: iso(a.touchTimeMs),
      install_time: iso(a.installTimeMs),
      timestamp: iso(a.installTimeMs),
      ctit_seconds: a.ctitSeconds === undefined ? null : Math.round(a.ctitSeconds),
      fraud: a.fraud.map((f) => f.reason),
      revenue_amount: null,
      revenue_currency: null,
      decided_at: iso(decidedAtMs),
      country: facts.country ?? null,
      platform: facts.platform ?? null,
    },
  };
}

/** The row of an in-app event (or open, session) credited to a source (`subject` = `event`). */
export function eventAttributionRow(
  e: EventAttribution,
  decidedAtMs: number,
  facts: DeviceFacts = {},
): LakeRow {
  const attributed =
    e.source !== undefined && (e.creditedAs === 'install' || e.creditedAs === 'reengagement');
  return {
    table: 'attributions',
    tenantId: e.tenantId,
    appId: e.appId,
    day: day(decidedAtMs),
    row: {
      event_id: e.eventId,
      device_id: e.deviceId,
      subject: 'event',
      event_name: e.type,
      // `unattributed`: the device's install was rejected or never seen; its revenue counts for no source.
      status: attributed ? 'attributed' : e.creditedAs === 'unattributed' ? 'unattributed' : 'organic',
      kind: e.creditedAs === 'reengagement' ? 'reengagement' : 'install',
      network: e.source?.network ?? null,
      campaign: e.source?.campaign ?? null,
      adset: e.source?.adset ?? null,
      ad: e.source?.ad ?? null,
      match_type: null,
      touch_time: null,
      install_time: null,
      timestamp: iso(e.timestampMs),
      ctit_seconds: null,
      fraud: [],
      revenue_amount: e.revenue?.amount ?? null,
      revenue_currency: e.revenue?.currency ?? null,
      decided_at: iso(decidedAtMs),
      country: facts.country ?? null,
      platform: facts.platform ?? null,
    },
  };
}
