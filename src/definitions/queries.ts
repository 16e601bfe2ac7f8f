/**
 * The standard report queries, saved as Athena named queries by the CDK lake stack and runnable locally
 * with DuckDB over the same Hive layout. Both engines accept this SQL: `?` positional parameters,
 * `FILTER (WHERE …)`, `CROSS JOIN UNNEST`, `date_diff('day', …)`. Pure data: no AWS or CDK imports.
 */

export type QueryParameter = 'tenantId' | 'appId' | 'fromDay' | 'toDay';

export interface ReportQueryDefinition {
  /** Athena named query name suffix and local lookup key. */
  readonly name: string;
  readonly description: string;
  readonly sql: string;
  /** Values bound to the `?` placeholders, in order. Days are `YYYY-MM-DD`. */
  readonly parameters: readonly QueryParameter[];
}

const SCOPE = 'tenant_id = ? AND app_id = ? AND dt BETWEEN ? AND ?';
const SCOPE_PARAMETERS: readonly QueryParameter[] = ['tenantId', 'appId', 'fromDay', 'toDay'];

export const REPORT_QUERIES = {
  installsByNetworkCampaignDaily: {
    name: 'installs-by-network-campaign-daily',
    description: 'Installs, reinstalls and rejected installs by network and campaign per day',
    sql: `SELECT dt AS day,
       COALESCE(network, 'organic') AS network,
       COALESCE(campaign, '(none)') AS campaign,
       COUNT(*) FILTER (WHERE status IN ('attributed', 'organic') AND kind IN ('install', 'reattribution')) AS installs,
       COUNT(*) FILTER (WHERE kind = 'reinstall') AS reinstalls,
       COUNT(*) FILTER (WHERE status = 'rejected') AS rejected
FROM attributions
WHERE ${SCOPE} AND subject = 'install'
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3`,
    parameters: SCOPE_PARAMETERS,
  },
  inAppRevenueBySource: {
    name: 'in-app-revenue-by-source',
    description: 'In-app events and revenue by the network and campaign they are credited to',
    sql: `SELECT COALESCE(network, 'organic') AS network,
       COALESCE(campaign, '(none)') AS campaign,
       revenue_currency AS currency,
       COUNT(*) AS events,
       SUM(revenue_amount) AS revenue
FROM attributions
WHERE ${SCOPE} AND subject = 'event' AND revenue_amount IS NOT NULL
GROUP BY 1, 2, 3
ORDER BY revenue DESC`,
    parameters: SCOPE_PARAMETERS,
  },
  fraudRejectionsByReason: {
    name: 'fraud-rejections-by-reason',
    description: 'Rejected installs by fraud reason and network',
    sql: `SELECT f.reason AS reason,
       COALESCE(network, '(unknown)') AS network,
       COUNT(*) AS rejected
FROM attributions
CROSS JOIN UNNEST(fraud) AS f(reason)
WHERE ${SCOPE} AND subject = 'install' AND status = 'rejected'
GROUP BY 1, 2
ORDER BY rejected DESC`,
    parameters: SCOPE_PARAMETERS,
  },
  retentionCohorts: {
    name: 'retention-cohorts',
    description: 'Day 1, 7 and 30 retention of each install-day cohort by network',
    sql: `WITH cohort AS (
  SELECT device_id, COALESCE(network, 'organic') AS network, substr(install_time, 1, 10) AS cohort_day
  FROM attributions
  WHERE ${SCOPE} AND subject = 'install' AND status IN ('attributed', 'organic')
),
activity AS (
  SELECT DISTINCT device_id, dt AS active_day
  FROM attributions
  WHERE tenant_id = ? AND app_id = ? AND dt >= ? AND subject = 'event' AND event_name IN ('open', 'session')
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
    parameters: [...SCOPE_PARAMETERS, 'tenantId', 'appId', 'fromDay'],
  },
} as const satisfies Record<string, ReportQueryDefinition>;

export const REPORT_QUERY_LIST: readonly ReportQueryDefinition[] = Object.values(REPORT_QUERIES);
