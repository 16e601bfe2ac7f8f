/**
 * The standard report queries, saved as Athena named queries by the CDK lake stack and runnable locally
 * with DuckDB over the same Hive layout. Both engines accept this SQL: `?` positional parameters,
 * `FILTER (WHERE …)`, `CROSS JOIN UNNEST`, `date_diff('day', …)`. Pure data: no AWS or CDK imports.
 *
 * Every query honours the erasure tombstones (table `erasures`, see `LAKE_ERASURES`): attribution rows
 * go through `liveAttributionsSql` (anti-join on the erased device ids), raw rows through an anti-join
 * on the hashes of their identifiers (`identifierHashSql`). Ad-hoc queries should do the same.
 */

/** What a report is asked for: one app and a range of event days (`YYYY-MM-DD`, both included). */
export type QueryParameter = 'tenantId' | 'appId' | 'fromDay' | 'toDay';

/**
 * A `?` placeholder's value: one of the scope, or `fromArrivalDay`, the first `dt` partition a report
 * of event days from `fromDay` on must read (see `reportParameterValues`).
 */
export type QueryPlaceholder = QueryParameter | 'fromArrivalDay';

export interface ReportQueryDefinition {
  /** Athena named query name suffix and local lookup key. */
  readonly name: string;
  readonly description: string;
  readonly sql: string;
  /** Values bound to the `?` placeholders, in order. Days are `YYYY-MM-DD`. */
  readonly parameters: readonly QueryPlaceholder[];
}

/**
 * The values of a report query's `?` placeholders, in order, for one scope.
 *
 * The lake's `dt` partition is the day a record ARRIVED (`received_at` of raw rows, `decided_at` of
 * attribution rows), so the Firehose active partitions stay one or two days however old the events
 * are; reports select by EVENT day (`timestamp`, a column). An event's timestamp may be up to 15 minutes
 * ahead of its arrival (SPEC §3 validation), so its event day is at most one day after its arrival
 * day; late events arrive any time after. A report of event days from `fromDay` therefore reads the
 * partitions from the day before `fromDay` on, and no later bound.
 *
 * @example
 * reportParameterValues(REPORT_QUERIES.rawRecords, { tenantId: 't', appId: 'a', fromDay: '2026-03-01', toDay: '2026-03-07' });
 */
export function reportParameterValues(
  query: ReportQueryDefinition,
  scope: Readonly<Record<QueryParameter, string>>,
): string[] {
  return query.parameters.map((name) =>
    name === 'fromArrivalDay' ? previousDay(scope.fromDay) : scope[name],
  );
}

function previousDay(day: string): string {
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`fromDay must be a day such as 2026-03-01. Received ${day}`);
  return new Date(ms - 86_400_000).toISOString().slice(0, 10);
}

/** The event day of a lake row (its `timestamp`'s date part). */
const EVENT_DAY = 'substr(timestamp, 1, 10)';
/** Partition pruning (arrival day) and the event-day range, for `SCOPE_PARAMETERS`' days. */
const DAYS = `dt >= ? AND ${EVENT_DAY} BETWEEN ? AND ?`;
const DAYS_PARAMETERS: readonly QueryPlaceholder[] = ['fromArrivalDay', 'fromDay', 'toDay'];
const SCOPE = `tenant_id = ? AND app_id = ? AND ${DAYS}`;
const SCOPE_PARAMETERS: readonly QueryPlaceholder[] = ['tenantId', 'appId', ...DAYS_PARAMETERS];

/**
 * The SQL of an identifier's tombstone hash, the same as `identifierHash` in `src/domain/erasure.ts`:
 * unpadded base64url SHA-256 of `<kind>:<value>`, advertising and vendor ids lower-cased. Athena runs it
 * as written; local mode's DuckDB connection defines the two Trino functions it lacks (`to_utf8`,
 * `to_base64url`, see `src/local/lake-sql.ts`). NULL when the column is NULL.
 */
export function identifierHashSql(kind: 'adid' | 'idfv' | 'cuid', column: string): string {
  const value = kind === 'cuid' ? column : `lower(${column})`;
  return `replace(to_base64url(sha256(to_utf8('${kind}:' || ${value}))), '=', '')`;
}

/**
 * Attribution rows of one app and day range whose device was not erased after they were decided: the
 * anti-join on the `erasures` tombstones every attribution query reads through. Rows decided after the
 * erasure (the device came back with new events) stay. Its `?`s take `ERASURE_SCOPE_PARAMETERS` then the
 * row scope (`tenantId`, `appId`, then the days of `dayCondition`, a condition on the row's columns
 * written without the `r.` its first column gets).
 */
export function liveAttributionsSql(dayCondition: string): string {
  return `SELECT r.*
  FROM attributions r
  LEFT JOIN (
    SELECT device_id AS erased_device_id, MAX(erased_at) AS erased_at
    FROM erasures
    WHERE tenant_id = ? AND app_id = ? AND device_id IS NOT NULL
    GROUP BY 1
  ) x ON x.erased_device_id = r.device_id AND r.decided_at <= x.erased_at
  WHERE r.tenant_id = ? AND r.app_id = ? AND r.${dayCondition} AND x.erased_device_id IS NULL`;
}

const ERASURE_SCOPE_PARAMETERS: readonly QueryPlaceholder[] = ['tenantId', 'appId'];
const LIVE_SCOPE_PARAMETERS: readonly QueryPlaceholder[] = [...ERASURE_SCOPE_PARAMETERS, ...SCOPE_PARAMETERS];
const LIVE = `WITH live AS (
  ${liveAttributionsSql(`dt >= ? AND substr(r.timestamp, 1, 10) BETWEEN ? AND ?`)}
)`;

const RAW_COLUMNS =
  'record_type, event_id, type, timestamp, received_at, device, customer_user_id, network, campaign';

export const REPORT_QUERIES = {
  installsByNetworkCampaignDaily: {
    name: 'installs-by-network-campaign-daily',
    description: 'Installs, reinstalls and rejected installs by network and campaign per day',
    sql: `${LIVE}
SELECT ${EVENT_DAY} AS day,
       COALESCE(network, 'organic') AS network,
       COALESCE(campaign, '(none)') AS campaign,
       COUNT(*) FILTER (WHERE status IN ('attributed', 'organic') AND kind IN ('install', 'reattribution')) AS installs,
       COUNT(*) FILTER (WHERE kind = 'reinstall') AS reinstalls,
       COUNT(*) FILTER (WHERE status = 'rejected') AS rejected
FROM live
WHERE subject = 'install'
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3`,
    parameters: LIVE_SCOPE_PARAMETERS,
  },
  inAppRevenueBySource: {
    name: 'in-app-revenue-by-source',
    description: 'In-app events and revenue by the network and campaign they are credited to',
    sql: `${LIVE}
SELECT COALESCE(network, 'organic') AS network,
       COALESCE(campaign, '(none)') AS campaign,
       revenue_currency AS currency,
       COUNT(*) AS events,
       SUM(revenue_amount) AS revenue
FROM live
WHERE subject = 'event' AND revenue_amount IS NOT NULL
GROUP BY 1, 2, 3
ORDER BY revenue DESC`,
    parameters: LIVE_SCOPE_PARAMETERS,
  },
  fraudRejectionsByReason: {
    name: 'fraud-rejections-by-reason',
    description: 'Rejected installs by fraud reason and network',
    sql: `${LIVE}
SELECT f.reason AS reason,
       COALESCE(network, '(unknown)') AS network,
       COUNT(*) AS rejected
FROM live
CROSS JOIN UNNEST(fraud) AS f(reason)
WHERE subject = 'install' AND status = 'rejected'
GROUP BY 1, 2
ORDER BY rejected DESC`,
    parameters: LIVE_SCOPE_PARAMETERS,
  },
  retentionCohorts: {
    name: 'retention-cohorts',
    description: 'Day 1, 7 and 30 retention of each install-day cohort by network',
    sql: `${LIVE},
live_since AS (
  ${liveAttributionsSql(`dt >= ? AND substr(r.timestamp, 1, 10) >= ?`)}
),
cohort AS (
  SELECT device_id, COALESCE(network, 'organic') AS network, substr(install_time, 1, 10) AS cohort_day
  FROM live
  WHERE subject = 'install' AND status IN ('attributed', 'organic')
),
activity AS (
  SELECT DISTINCT device_id, ${EVENT_DAY} AS active_day
  FROM live_since
  WHERE subject = 'event' AND event_name IN ('open', 'session')
)
SELECT c.cohort_day,
       c.network,
       COUNT(DISTINCT c.device_id) AS cohort_size,
       COUNT(DISTINCT a.device_id) FILTER (WHERE date_diff('day', CAST(c.cohort_day AS date), CAST(a.active_day AS date)) = 1) AS day_1,
       COUNT(DISTINCT a.device_id) FILTER (WHERE date_diff('day', CAST(c.cohort_day AS date), CAST(a.active_day AS date)) = 7) AS day_7,
       COUNT(DISTINCT a.device_id) FILTER (WHERE date_diff('day', CAST(c.cohort_day AS date), CAST(a.active_day AS date)) = 30) AS day_30
FROM cohort c
LEFT JOIN activity a ON a.device_id = c.device_id
GROUP BY 1, 2
ORDER BY 1, 2`,
    parameters: [
      ...LIVE_SCOPE_PARAMETERS,
      ...ERASURE_SCOPE_PARAMETERS,
      'tenantId',
      'appId',
      'fromArrivalDay',
      'fromDay',
    ],
  },
  rawRecords: {
    name: 'raw-records',
    description:
      'Accepted raw events and touchpoints with their device identifiers, erased identities excluded',
    sql: `WITH erased AS (
  SELECT identifier_hash, MAX(erased_at) AS erased_at
  FROM erasures
  WHERE tenant_id = ? AND app_id = ? AND identifier_hash IS NOT NULL
  GROUP BY 1
),
raw AS (
  SELECT ${RAW_COLUMNS} FROM events WHERE ${SCOPE}
  UNION ALL
  SELECT ${RAW_COLUMNS} FROM touchpoints WHERE ${SCOPE}
)
SELECT substr(r.timestamp, 1, 10) AS day,
       r.record_type,
       r.event_id,
       r.type,
       r.timestamp,
       r.device.advertising_id AS advertising_id,
       r.device.vendor_id AS vendor_id,
       r.customer_user_id,
       r.network,
       r.campaign
FROM raw r
LEFT JOIN erased x
  ON x.identifier_hash IN (
       ${identifierHashSql('adid', 'r.device.advertising_id')},
       ${identifierHashSql('idfv', 'r.device.vendor_id')},
       ${identifierHashSql('cuid', 'r.customer_user_id')})
  AND COALESCE(r.received_at, r.timestamp) <= x.erased_at
WHERE x.identifier_hash IS NULL
ORDER BY r.timestamp, r.event_id`,
    parameters: [...ERASURE_SCOPE_PARAMETERS, ...SCOPE_PARAMETERS, ...SCOPE_PARAMETERS],
  },
} as const satisfies Record<string, ReportQueryDefinition>;

/**
 * The report dimensions of SPEC §8 as every spend query outputs them: absent values become `''` (and the
 * network `organic`, the country `ZZ`), so rows of installs, revenue and spend group alike.
 */
const DIMENSIONS = `COALESCE(network, 'organic') AS network,
       COALESCE(campaign, '') AS campaign,
       COALESCE(adset, '') AS adset,
       COALESCE(ad, '') AS ad,
       COALESCE(NULLIF(country, ''), 'ZZ') AS country`;
/** An install that counts (SPEC §8): accepted (not rejected) first installs and reattributions. */
const COUNTED_INSTALL =
  "subject = 'install' AND status IN ('attributed', 'organic') AND kind IN ('install', 'reattribution')";
/** An event whose revenue counts: credited to an accepted install (a rejected install's events are `unattributed`). */
const COUNTED_EVENT = "subject = 'event' AND status IN ('attributed', 'organic')";
/** Cost rows are partitioned by their own date (not arrival): the days asked, exactly. */
const COST_SCOPE = 'tenant_id = ? AND app_id = ? AND dt BETWEEN ? AND ?';
const COST_SCOPE_PARAMETERS: readonly QueryPlaceholder[] = ['tenantId', 'appId', 'fromDay', 'toDay'];

/** Spend by cost day, the dimensions (no platform: spend has none) and currency, as `performanceFacts` answers it. */
const SPEND_FACTS_SQL = `SELECT dt AS day, ${DIMENSIONS}, '' AS platform,
       'spend' AS metric, currency, SUM(spend) AS amount
FROM costs WHERE ${COST_SCOPE}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 9`;

/**
 * The spend, ROAS and cohort queries (SPEC §8). They answer facts by event day, the seven dimensions and
 * currency, unconverted; `src/app/performance.ts` converts money with the tenant's rates of each day
 * (and says which are missing) and groups by the dimensions asked for, the same for Athena and DuckDB.
 * Every one reads only its tenant's and app's partitions (`tenant_id` and `app_id` are injected
 * projections); attribution rows from the arrival day before `fromDay` on, cost rows of the days asked.
 */
export const SPEND_QUERIES = {
  performanceFacts: {
    name: 'performance-facts',
    description:
      'Installs, revenue and spend by day, network, campaign, adset, ad, country, platform, currency',
    sql: `${LIVE}
SELECT ${EVENT_DAY} AS day, ${DIMENSIONS}, COALESCE(platform, '') AS platform,
       'installs' AS metric, '' AS currency, CAST(COUNT(*) AS double) AS amount
FROM live WHERE ${COUNTED_INSTALL}
GROUP BY 1, 2, 3, 4, 5, 6, 7
UNION ALL
SELECT ${EVENT_DAY} AS day, ${DIMENSIONS}, COALESCE(platform, '') AS platform,
       'revenue' AS metric, revenue_currency AS currency, SUM(revenue_amount) AS amount
FROM live WHERE ${COUNTED_EVENT} AND revenue_amount IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7, 9
UNION ALL
${SPEND_FACTS_SQL}
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9`,
    parameters: [...LIVE_SCOPE_PARAMETERS, ...COST_SCOPE_PARAMETERS],
  },
  cohortActivity: {
    name: 'cohort-activity',
    description:
      'Install-day cohorts by dimension: size, then devices active and revenue by day since install (day 0 = the first 24 hours)',
    sql: `${LIVE},
live_since AS (
  ${liveAttributionsSql(`dt >= ? AND substr(r.timestamp, 1, 10) >= ?`)}
),
cohort AS (
  SELECT device_id, substr(install_time, 1, 10) AS cohort_day, install_time, ${DIMENSIONS},
         COALESCE(platform, '') AS platform
  FROM live WHERE ${COUNTED_INSTALL}
),
activity AS (
  SELECT device_id, timestamp, ${EVENT_DAY} AS event_day, revenue_amount, revenue_currency
  FROM live_since WHERE ${COUNTED_EVENT}
),
since AS (
  SELECT c.*, a.device_id AS active_device, a.event_day, a.revenue_amount, a.revenue_currency,
         CAST(floor((to_unixtime(from_iso8601_timestamp(a.timestamp))
                   - to_unixtime(from_iso8601_timestamp(c.install_time))) / 86400) AS bigint) AS day_since
  FROM cohort c JOIN activity a ON a.device_id = c.device_id
)
SELECT cohort_day, network, campaign, adset, ad, country, platform,
       CAST(-1 AS bigint) AS day_since, '' AS event_day, '' AS currency,
       CAST(COUNT(DISTINCT device_id) AS double) AS devices, CAST(0 AS double) AS revenue
FROM cohort GROUP BY 1, 2, 3, 4, 5, 6, 7
UNION ALL
SELECT cohort_day, network, campaign, adset, ad, country, platform, day_since, '' AS event_day, '' AS currency,
       CAST(COUNT(DISTINCT active_device) AS double) AS devices, CAST(0 AS double) AS revenue
FROM since WHERE day_since >= 0 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
UNION ALL
SELECT cohort_day, network, campaign, adset, ad, country, platform, day_since, event_day,
       revenue_currency AS currency, CAST(0 AS double) AS devices, SUM(revenue_amount) AS revenue
FROM since WHERE day_since >= 0 AND revenue_amount IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`,
    parameters: [
      ...LIVE_SCOPE_PARAMETERS,
      ...ERASURE_SCOPE_PARAMETERS,
      'tenantId',
      'appId',
      'fromArrivalDay',
      'fromDay',
    ],
  },
} as const satisfies Record<string, ReportQueryDefinition>;

/**
 * A tenant's daily exchange rates of `fromDay`..`toDay` (SPEC §8): tenant-wide, so scoped by tenant
 * only; rates name no identity, so no erasure applies.
 */
export const FX_RATES_QUERY = {
  name: 'fx-rates',
  description: "A tenant's daily exchange rates of a day range",
  sql: `SELECT day, from_currency, to_currency, rate
FROM fx_rates
WHERE tenant_id = ? AND day BETWEEN ? AND ?
ORDER BY 1, 2, 3`,
  parameters: ['tenantId', 'fromDay', 'toDay'],
} as const satisfies ReportQueryDefinition;

/**
 * An app's spend alone, in the rows of `performanceFacts` (the cohort report's spend): cost rows name no
 * identity, so no erasure applies, and the attribution partitions are not read.
 */
export const SPEND_FACTS_QUERY = {
  name: 'spend-facts',
  description: "An app's spend by day, network, campaign, adset, ad, country and currency",
  sql: `${SPEND_FACTS_SQL}
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9`,
  parameters: COST_SCOPE_PARAMETERS,
} as const satisfies ReportQueryDefinition;

/** The queries over one app's records: each scoped by tenant and app and honouring erasures. */
export const REPORT_QUERY_LIST: readonly ReportQueryDefinition[] = [
  ...Object.values(REPORT_QUERIES),
  ...Object.values(SPEND_QUERIES),
];

/** Every query saved as an Athena named query: the app queries, the app's spend and the tenant's FX rates. */
export const NAMED_QUERY_LIST: readonly ReportQueryDefinition[] = [
  ...REPORT_QUERY_LIST,
  SPEND_FACTS_QUERY,
  FX_RATES_QUERY,
];

/** The most raw records one replay reads; the query asks for one more to tell a cut-off range. */
export const MAX_REPLAY_RECORDS = 200_000;

const REPLAY_COLUMNS =
  'record_type, event_id, type, timestamp, received_at, device, customer_user_id, install_referrer, ' +
  'install_begin_timestamp, revenue, network, campaign, adset, ad, click_id, ip, user_agent, dt';

/**
 * What replay re-runs (`POST /v1/reports/{appId}/replay`): every accepted raw event and touchpoint of an
 * app and day range with the fields attribution reads, in event-time order, erased identities excluded
 * (as in `rawRecords`). Not a saved report query: the API runs it with its parameters bound.
 */
export const REPLAY_HISTORY_QUERY = {
  name: 'replay-history',
  description: 'Raw events and touchpoints with the fields attribution reads, for replay',
  sql: `WITH erased AS (
  SELECT identifier_hash, MAX(erased_at) AS erased_at
  FROM erasures
  WHERE tenant_id = ? AND app_id = ? AND identifier_hash IS NOT NULL
  GROUP BY 1
),
raw AS (
  SELECT ${REPLAY_COLUMNS} FROM events WHERE ${SCOPE}
  UNION ALL
  SELECT ${REPLAY_COLUMNS} FROM touchpoints WHERE ${SCOPE}
)
SELECT r.record_type,
       r.event_id,
       r.type,
       r.timestamp,
       r.device.platform AS platform,
       r.device.advertising_id AS advertising_id,
       r.device.vendor_id AS vendor_id,
       COALESCE(r.ip, r.device.ip) AS ip,
       COALESCE(r.user_agent, r.device.user_agent) AS user_agent,
       r.device.os_version AS os_version,
       r.device.model AS model,
       r.device.locale AS locale,
       r.customer_user_id,
       r.install_referrer,
       r.install_begin_timestamp,
       r.revenue.amount AS revenue_amount,
       r.revenue.currency AS revenue_currency,
       r.network,
       r.campaign,
       r.adset,
       r.ad,
       r.click_id
FROM raw r
LEFT JOIN erased x
  ON x.identifier_hash IN (
       ${identifierHashSql('adid', 'r.device.advertising_id')},
       ${identifierHashSql('idfv', 'r.device.vendor_id')},
       ${identifierHashSql('cuid', 'r.customer_user_id')})
  AND COALESCE(r.received_at, r.timestamp) <= x.erased_at
WHERE x.identifier_hash IS NULL
ORDER BY r.timestamp, r.event_id
LIMIT ${MAX_REPLAY_RECORDS + 1}`,
  parameters: [...ERASURE_SCOPE_PARAMETERS, ...SCOPE_PARAMETERS, ...SCOPE_PARAMETERS],
} as const satisfies ReportQueryDefinition;
