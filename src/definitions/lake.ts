/**
 * The data lake's record contract and Glue column schemas, shared by the CDK lake constructs (Firehose,
 * Glue tables) and by local mode (DuckDB over the same Hive layout). Pure data: no AWS or CDK imports.
 *
 * Records on the ingest stream are JSON objects carrying `record_type`, `tenant_id`, `app_id` and an
 * ISO-8601 `timestamp`; Firehose routes them by `record_type` and partitions them by
 * `tenant_id`/`app_id`/`dt`, where `dt` is the ARRIVAL day (`LAKE_ARRIVAL_FIELDS`: `received_at` of raw records,
 * `decided_at` of attributions). The event day stays the `timestamp` column, which reports filter on.
 */
/** The data lake bucket and its partition layout (Hive style, read by Athena and by DuckDB locally). */
export const DATA_LAKE = {
  logicalName: 'DataLake',
  /** Prefixes, one per lake table. */
  tables: {
    events: 'events',
    touchpoints: 'touchpoints',
    attributions: 'attributions',
  },
  /**
   * Partition keys, in path order: `<table>/tenant_id=…/app_id=…/dt=YYYY-MM-DD/`. `dt` is the day the
   * record arrived (`received_at` / `decided_at`), not its event day: one or two `dt` values per buffer
   * keep a delivery stream under Firehose's 500 active partitions with backfilled events.
   */
  partitionKeys: ['tenant_id', 'app_id', 'dt'],
} as const;

export interface LakeColumn {
  readonly name: string;
  /** Hive/Glue type, e.g. `string`, `double`, `struct<amount:double,currency:string>`. */
  readonly type: string;
}

/** Field names every stream and lake record carries. */
export const LAKE_RECORD_FIELDS = {
  recordType: 'record_type',
  tenantId: 'tenant_id',
  appId: 'app_id',
  timestamp: 'timestamp',
} as const;

/**
 * The field whose date part is a record's arrival day (its `dt` partition), by lake table: raw records
 * carry `received_at` (set by the ingest function), attributions `decided_at` (set by the consumer).
 */
export const LAKE_ARRIVAL_FIELDS = {
  events: 'received_at',
  touchpoints: 'received_at',
  attributions: 'decided_at',
} as const satisfies Readonly<Record<keyof typeof DATA_LAKE.tables, string>>;

/** `record_type` values on the ingest stream, and the lake table each lands in. */
export const RECORD_TYPE_TABLES = {
  event: DATA_LAKE.tables.events,
  touchpoint: DATA_LAKE.tables.touchpoints,
} as const;

const DEVICE_TYPE =
  'struct<platform:string,advertising_id:string,vendor_id:string,ip:string,user_agent:string,os_version:string,model:string,locale:string>';

/**
 * Columns of the raw records (events and touchpoints share one schema so one delivery stream with one
 * Parquet schema can carry both; fields that do not apply are null).
 */
export const RAW_RECORD_COLUMNS: readonly LakeColumn[] = [
  { name: 'record_type', type: 'string' },
  { name: 'event_id', type: 'string' },
  { name: 'type', type: 'string' },
  { name: 'timestamp', type: 'string' },
  { name: 'received_at', type: 'string' },
  { name: 'device', type: DEVICE_TYPE },
  { name: 'customer_user_id', type: 'string' },
  { name: 'install_referrer', type: 'string' },
  { name: 'install_begin_timestamp', type: 'string' },
  { name: 'revenue', type: 'struct<amount:double,currency:string>' },
  { name: 'properties', type: 'map<string,string>' },
  { name: 'network', type: 'string' },
  { name: 'campaign', type: 'string' },
  { name: 'adset', type: 'string' },
  { name: 'ad', type: 'string' },
  { name: 'click_id', type: 'string' },
  { name: 'ip', type: 'string' },
  { name: 'user_agent', type: 'string' },
  /** ISO 3166-1 alpha-2: `device.country` as sent, else derived from the IP at ingest (SPEC §8). */
  { name: 'country', type: 'string' },
];

/**
 * Columns of an attribution record: one per install decision (`subject` = `install`) and one per in-app
 * event credited to a source (`subject` = `event`), written by the attribution consumer.
 */
export const ATTRIBUTION_COLUMNS: readonly LakeColumn[] = [
  { name: 'event_id', type: 'string' },
  { name: 'device_id', type: 'string' },
  { name: 'subject', type: 'string' },
  { name: 'event_name', type: 'string' },
  { name: 'status', type: 'string' },
  { name: 'kind', type: 'string' },
  { name: 'network', type: 'string' },
  { name: 'campaign', type: 'string' },
  { name: 'adset', type: 'string' },
  { name: 'ad', type: 'string' },
  { name: 'match_type', type: 'string' },
  { name: 'touch_time', type: 'string' },
  { name: 'install_time', type: 'string' },
  { name: 'timestamp', type: 'string' },
  { name: 'ctit_seconds', type: 'bigint' },
  { name: 'fraud', type: 'array<string>' },
  { name: 'revenue_amount', type: 'double' },
  { name: 'revenue_currency', type: 'string' },
  { name: 'decided_at', type: 'string' },
  /** The country of the event decided (SPEC §8); null when neither sent nor derivable. */
  { name: 'country', type: 'string' },
  /** The platform of the event decided. */
  { name: 'platform', type: 'string' },
];

/**
 * Erasure tombstones (GDPR / CCPA): one row per erased key, written by the privacy route at erasure time
 * as JSON lines under `erasures/tenant_id=…/app_id=…/<request id>.json`. A row names either the erased
 * device (`device_id`, matching attribution rows) or one of its identifiers as `identifier_hash` (see
 * `identifierHash` in `src/domain/erasure.ts`, matching raw rows); never a raw identifier value. Every
 * report query anti-joins it, for rows received or decided at or before `erased_at`.
 */
export const LAKE_ERASURES = {
  table: 'erasures',
  /** Key prefix of the tombstone objects (the privacy route may write here and nowhere else). */
  prefix: 'erasures/',
  /** Partition keys, in path order: `erasures/tenant_id=…/app_id=…/`. */
  partitionKeys: ['tenant_id', 'app_id'],
} as const;

export const ERASURE_COLUMNS: readonly LakeColumn[] = [
  { name: 'request_id', type: 'string' },
  { name: 'erased_at', type: 'string' },
  /** `device` (row names `device_id`) or an identifier kind `adid` | `idfv` | `cuid`. */
  { name: 'key_kind', type: 'string' },
  { name: 'device_id', type: 'string' },
  { name: 'identifier_hash', type: 'string' },
];

/**
 * Ad spend (SPEC §8): one JSON object per cost row at
 * `costs/tenant_id=…/app_id=…/dt=<date>/<row key>.json`, the key being the row's idempotency key
 * (`costRowKey` in `src/domain/spend.ts`) so a re-sent row overwrites the earlier one. Empty dimensions
 * are empty strings, not nulls.
 */
export const LAKE_COSTS = {
  table: 'costs',
  prefix: 'costs/',
  /** Partition keys, in path order. */
  partitionKeys: ['tenant_id', 'app_id', 'dt'],
} as const;

export const COST_COLUMNS: readonly LakeColumn[] = [
  { name: 'network', type: 'string' },
  { name: 'campaign', type: 'string' },
  { name: 'adset', type: 'string' },
  { name: 'ad', type: 'string' },
  { name: 'country', type: 'string' },
  { name: 'spend', type: 'double' },
  { name: 'currency', type: 'string' },
  { name: 'clicks', type: 'bigint' },
  { name: 'impressions', type: 'bigint' },
  { name: 'loaded_at', type: 'string' },
];

/**
 * Daily FX rates per tenant (SPEC §8): one JSON object per (date, from, to) at
 * `fx_rates/tenant_id=…/<date>-<from>-<to>.json`; setting a rate again overwrites it.
 */
export const LAKE_FX_RATES = {
  table: 'fx_rates',
  prefix: 'fx_rates/',
  partitionKeys: ['tenant_id'],
} as const;

export const FX_RATE_COLUMNS: readonly LakeColumn[] = [
  { name: 'day', type: 'string' },
  { name: 'from_currency', type: 'string' },
  { name: 'to_currency', type: 'string' },
  { name: 'rate', type: 'double' },
  { name: 'loaded_at', type: 'string' },
];

/** Column schema of every lake table, by table name. */
export const LAKE_TABLE_COLUMNS: Readonly<Record<keyof typeof DATA_LAKE.tables, readonly LakeColumn[]>> = {
  events: RAW_RECORD_COLUMNS,
  touchpoints: RAW_RECORD_COLUMNS,
  attributions: ATTRIBUTION_COLUMNS,
};

/**
 * Lake bucket prefix where the attribution consumer keeps stream records it cannot decode (its dead
 * letters); the consumer's role may write to this prefix and nowhere else in the bucket.
 */
export const LAKE_QUARANTINE_PREFIX = 'delivery-errors/consumer/';

/** First day partition projection enumerates for `dt`. */
export const LAKE_PROJECTION_START_DATE = '2024-01-01';

/**
 * Lake reads scoped per tenant: the query function runs a tenant's Athena queries with the credentials
 * of a session of the lake reader role tagged with that tenant (STS AssumeRole with a session tag), and
 * the role's S3 statements name only `…/tenant_id=${aws:PrincipalTag/tenant}/…`.
 */
export const LAKE_READER_SESSION = {
  /** Session tag key that carries the tenant id (the role's trust policy requires it). */
  tenantTag: 'tenant',
  /** Lifetime of a session (the role's maximum session duration is one hour). */
  durationSeconds: 3600,
  /** A cached session is renewed this long before it expires. */
  refreshBeforeExpirySeconds: 300,
} as const;
