import {
  type CohortMetric,
  type CohortRow,
  cohortReport,
  type FxMissing,
  type PerformanceRow,
  performanceReport,
  REPORT_DIMENSIONS,
  type ReportDimension,
  type ReportScope,
} from '../../app/performance.js';
import { BadRequestError, ServiceUnavailableError } from '../errors.js';
import { json } from '../request.js';
import type { RouteHandler, RouteKey } from '../router.js';
import type { ApiServices } from '../services.js';
import { appForUser, readDay } from './query.js';

/**
 * `GET /v1/reports/{appId}/performance` and `/cohorts` (SPEC §8): the lake's spend, install and revenue
 * facts, converted and grouped by `src/app/performance.ts`. Athena in the cloud, DuckDB in local mode.
 */

const MAX_SPAN_DAYS = 400;
const DEFAULT_DAYS = [0, 1, 3, 7, 14, 30];

const invalid = (field: string, message: string) =>
  new BadRequestError('invalid_request', `${field}: ${message}`, { details: [{ field, message }] });

function readGroupBy(raw: string | undefined): ReportDimension[] {
  if (raw === undefined || raw.trim() === '') return ['network', 'campaign'];
  const fields = raw.split(',').map((f) => f.trim());
  for (const f of fields)
    if (!(REPORT_DIMENSIONS as readonly string[]).includes(f))
      throw invalid(
        'group_by',
        `unknown dimension ${JSON.stringify(f)}; expected ${REPORT_DIMENSIONS.join(', ')}`,
      );
  return [...new Set(fields)] as ReportDimension[];
}

function readDays(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_DAYS;
  const days = raw.split(',').map((d) => d.trim());
  for (const d of days)
    if (!/^\d{1,3}$/.test(d) || Number(d) > MAX_SPAN_DAYS)
      throw invalid('days', `expected whole days 0 to ${MAX_SPAN_DAYS}. Received ${JSON.stringify(d)}`);
  return [...new Set(days.map(Number))].sort((a, b) => a - b);
}

async function scopeOf(
  services: ApiServices,
  request: { query: Readonly<Record<string, string | undefined>> },
  params: Readonly<Record<string, string | undefined>>,
  user: Parameters<typeof appForUser>[1],
): Promise<ReportScope> {
  const app = await appForUser(services, user, params.appId ?? '', 'reports:read');
  const from = readDay(request.query, 'from');
  const to = readDay(request.query, 'to');
  if (from > to) throw invalid('from', `is after to (${to})`);
  if ((Date.parse(to) - Date.parse(from)) / 86_400_000 + 1 > MAX_SPAN_DAYS)
    throw invalid('to', `at most ${MAX_SPAN_DAYS} days after from`);
  const currency = request.query.currency ?? 'USD';
  if (!/^[A-Z]{3}$/.test(currency)) throw invalid('currency', 'expected an ISO 4217 code such as USD');
  return {
    tenantId: app.tenantId,
    appId: app.appId,
    fromDay: from,
    toDay: to,
    groupBy: readGroupBy(request.query.group_by),
    currency,
  };
}

function lakeOf(services: ApiServices) {
  const lake = services.reportLake?.();
  if (!lake)
    throw new ServiceUnavailableError('spend reports need the lake, which is not reachable here; retry', {
      retryAfterSeconds: 5,
    });
  return lake;
}

const wireMissing = (missing: readonly FxMissing[]) =>
  missing.map((m) => ({ currency: m.currency, date: m.date }));

function presentPerformance(row: PerformanceRow) {
  return {
    ...row.dimensions,
    installs: row.installs,
    spend: row.spend,
    ecpi: row.ecpi,
    revenue: row.revenue,
    roas: row.roas,
    arpu: row.arpu,
    fx_missing: wireMissing(row.fxMissing),
  };
}

function presentCohort(row: CohortRow) {
  return {
    cohort_day: row.cohortDay,
    ...row.dimensions,
    installs: row.installs,
    spend: row.spend,
    values: row.values,
    fx_missing: wireMissing(row.fxMissing),
  };
}

function performance(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const scope = await scopeOf(services, request, params, user);
    const rows = await performanceReport(lakeOf(services), scope);
    return json(200, {
      app_id: scope.appId,
      from: scope.fromDay,
      to: scope.toDay,
      currency: scope.currency,
      group_by: scope.groupBy,
      rows: rows.map(presentPerformance),
    });
  };
}

function cohorts(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const scope = await scopeOf(services, request, params, user);
    const metric = (request.query.metric ?? 'retention') as CohortMetric;
    if (!['retention', 'revenue', 'roas'].includes(metric))
      throw invalid('metric', 'expected retention, revenue or roas');
    const days = readDays(request.query.days);
    const rows = await cohortReport(lakeOf(services), { ...scope, days, metric, asOfMs: services.now() });
    return json(200, {
      app_id: scope.appId,
      from: scope.fromDay,
      to: scope.toDay,
      currency: scope.currency,
      group_by: scope.groupBy,
      metric,
      days,
      rows: rows.map(presentCohort),
    });
  };
}

export function performanceRoutes(services: ApiServices): Partial<Record<RouteKey, RouteHandler>> {
  return {
    'GET /v1/reports/{appId}/performance': performance(services),
    'GET /v1/reports/{appId}/cohorts': cohorts(services),
  };
}
