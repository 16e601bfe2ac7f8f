import {
  FX_RATES_QUERY,
  type QueryParameter,
  type ReportQueryDefinition,
  SPEND_FACTS_QUERY,
  SPEND_QUERIES,
} from '../definitions/queries.js';

/**
 * The performance and cohort reports of SPEC §8, from the lake facts of `SPEND_QUERIES`: money converted
 * to the report currency with the tenant's rate of each day (a missing rate is reported, never guessed),
 * rows grouped by the dimensions asked for. The same code runs over Athena and over local DuckDB.
 */

export const REPORT_DIMENSIONS = ['network', 'campaign', 'adset', 'ad', 'country', 'platform'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** Runs a saved lake query (Athena in the cloud, DuckDB locally); values come back as strings or numbers. */
export interface ReportLake {
  run(
    query: ReportQueryDefinition,
    parameters: Readonly<Record<QueryParameter, string>>,
  ): Promise<readonly Record<string, unknown>[]>;
}

export interface ReportScope {
  readonly tenantId: string;
  readonly appId: string;
  readonly fromDay: string;
  readonly toDay: string;
  readonly groupBy: readonly ReportDimension[];
  /** ISO 4217 report currency. */
  readonly currency: string;
}

export interface FxMissing {
  readonly currency: string;
  readonly date: string;
}

export interface PerformanceRow {
  readonly dimensions: Readonly<Partial<Record<ReportDimension, string>>>;
  readonly installs: number;
  /** Null when a rate is missing for some of it (see `fx_missing`). */
  readonly spend: number | null;
  readonly revenue: number | null;
  readonly ecpi: number | null;
  readonly roas: number | null;
  readonly arpu: number | null;
  readonly fxMissing: readonly FxMissing[];
}

const DAY_MS = 86_400_000;
const addDays = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
const num = (value: unknown) => Number(value ?? 0) || 0;
const str = (value: unknown) => (value === null || value === undefined ? '' : String(value));
const round = (n: number) => Math.round(n * 1e6) / 1e6;
const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? null : round(a / b);

/** Converts amounts with a tenant's daily rates: direct, else the inverse of the opposite pair. */
export class FxTable {
  private readonly rates = new Map<string, number>();

  constructor(rows: readonly Record<string, unknown>[]) {
    for (const r of rows)
      this.rates.set(`${str(r.day)}|${str(r.from_currency)}|${str(r.to_currency)}`, num(r.rate));
  }

  /** `amount` of `from` on `day` in `to`; undefined when the day has no rate for the pair. */
  convert(amount: number, from: string, to: string, day: string): number | undefined {
    if (from === to) return amount;
    const direct = this.rates.get(`${day}|${from}|${to}`);
    if (direct !== undefined) return amount * direct;
    const inverse = this.rates.get(`${day}|${to}|${from}`);
    return inverse ? amount / inverse : undefined;
  }
}

/** Money summed in the report currency, or null once any part of it had no rate. */
class Money {
  total: number | null = 0;
  add(value: number | undefined) {
    if (value === undefined) this.total = null;
    else if (this.total !== null) this.total += value;
  }
}

const keyOf = (row: Record<string, unknown>, groupBy: readonly ReportDimension[]) =>
  JSON.stringify(groupBy.map((d) => str(row[d])));
const dimensionsOf = (row: Record<string, unknown>, groupBy: readonly ReportDimension[]) =>
  Object.fromEntries(groupBy.map((d) => [d, str(row[d])]));

function missingList(set: Set<string>): FxMissing[] {
  return [...set].sort().map((s) => {
    const [currency, date] = s.split('|');
    return { currency: currency ?? '', date: date ?? '' };
  });
}

/** The performance report (SPEC §8): installs, spend, eCPI, revenue, ROAS and ARPU by dimension. */
export async function performanceReport(lake: ReportLake, scope: ReportScope): Promise<PerformanceRow[]> {
  const parameters = {
    tenantId: scope.tenantId,
    appId: scope.appId,
    fromDay: scope.fromDay,
    toDay: scope.toDay,
  };
  const [facts, rates] = await Promise.all([
    lake.run(SPEND_QUERIES.performanceFacts, parameters),
    lake.run(FX_RATES_QUERY, parameters),
  ]);
  const fx = new FxTable(rates);
  const groups = new Map<
    string,
    {
      dimensions: Record<string, string>;
      installs: number;
      spend: Money;
      revenue: Money;
      missing: Set<string>;
    }
  >();
  for (const row of facts) {
    const key = keyOf(row, scope.groupBy);
    let group = groups.get(key);
    if (!group) {
      group = {
        dimensions: dimensionsOf(row, scope.groupBy),
        installs: 0,
        spend: new Money(),
        revenue: new Money(),
        missing: new Set(),
      };
      groups.set(key, group);
    }
    const metric = str(row.metric);
    const amount = num(row.amount);
    if (metric === 'installs') {
      group.installs += amount;
      continue;
    }
    const currency = str(row.currency) || 'XXX';
    const day = str(row.day);
    const converted = fx.convert(amount, currency, scope.currency, day);
    if (converted === undefined) group.missing.add(`${currency}|${day}`);
    (metric === 'spend' ? group.spend : group.revenue).add(converted);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => {
      const spend = g.spend.total === null ? null : round(g.spend.total);
      const revenue = g.revenue.total === null ? null : round(g.revenue.total);
      return {
        dimensions: g.dimensions,
        installs: g.installs,
        spend,
        revenue,
        ecpi: ratio(spend, g.installs),
        roas: ratio(revenue, spend),
        arpu: ratio(revenue, g.installs),
        fxMissing: missingList(g.missing),
      };
    });
}

export type CohortMetric = 'retention' | 'revenue' | 'roas';

export interface CohortRow {
  readonly cohortDay: string;
  readonly dimensions: Readonly<Partial<Record<ReportDimension, string>>>;
  readonly installs: number;
  readonly spend: number | null;
  /** By day since install, as asked: retention on that day, revenue and ROAS cumulative to it. */
  readonly values: Readonly<Record<string, number | null>>;
  readonly fxMissing: readonly FxMissing[];
}

export interface CohortScope extends ReportScope {
  readonly days: readonly number[];
  readonly metric: CohortMetric;
  /**
   * The time of the report, epoch ms: a day since install that has not ended for every install of a
   * cohort by then answers null (not yet known), not a retention or revenue that is only partial.
   * @default every day asked answers a value
   */
  readonly asOfMs?: number;
}

/** One install-day cohort of one combination of dimensions, as it accumulates. */
interface Cohort {
  readonly cohortDay: string;
  readonly dimensions: Record<string, string>;
  installs: number;
  readonly active: Map<number, number>;
  readonly revenue: Map<number, Money>;
  readonly spend: Money;
  readonly missing: Set<string>;
}

class Cohorts {
  private readonly byKey = new Map<string, Cohort>();

  constructor(private readonly groupBy: readonly ReportDimension[]) {}

  of(day: string, row: Record<string, unknown>): Cohort {
    const key = `${day}|${keyOf(row, this.groupBy)}`;
    let c = this.byKey.get(key);
    if (!c) {
      c = {
        cohortDay: day,
        dimensions: dimensionsOf(row, this.groupBy),
        installs: 0,
        active: new Map(),
        revenue: new Map(),
        spend: new Money(),
        missing: new Set(),
      };
      this.byKey.set(key, c);
    }
    return c;
  }

  /** Sorted by cohort day, then dimensions. */
  sorted(): Cohort[] {
    return [...this.byKey.values()].sort((a, b) =>
      `${a.cohortDay}|${JSON.stringify(a.dimensions)}`.localeCompare(
        `${b.cohortDay}|${JSON.stringify(b.dimensions)}`,
      ),
    );
  }
}

/** Cohort sizes, then active devices and revenue (converted with its event day's rate) by day since install. */
function addActivity(
  cohorts: Cohorts,
  activity: readonly Record<string, unknown>[],
  fx: FxTable,
  currency: string,
  maxDay: number,
): void {
  for (const row of activity) {
    const c = cohorts.of(str(row.cohort_day), row);
    const daySince = num(row.day_since);
    if (daySince < 0) {
      c.installs += num(row.devices);
      continue;
    }
    if (daySince > maxDay) continue;
    c.active.set(daySince, (c.active.get(daySince) ?? 0) + num(row.devices));
    if (str(row.currency) === '') continue;
    const converted = fx.convert(num(row.revenue), str(row.currency), currency, str(row.event_day));
    if (converted === undefined) c.missing.add(`${str(row.currency)}|${str(row.event_day)}`);
    let money = c.revenue.get(daySince);
    if (!money) {
      money = new Money();
      c.revenue.set(daySince, money);
    }
    money.add(converted);
  }
}

/** Each cohort's spend: the spend of its install day and dimensions, converted with that day's rate. */
function addSpend(
  cohorts: Cohorts,
  spend: readonly Record<string, unknown>[],
  fx: FxTable,
  currency: string,
): void {
  for (const row of spend) {
    if (str(row.metric) !== 'spend') continue;
    const day = str(row.day);
    const c = cohorts.of(day, row);
    const converted = fx.convert(num(row.amount), str(row.currency), currency, day);
    if (converted === undefined) c.missing.add(`${str(row.currency)}|${day}`);
    c.spend.add(converted);
  }
}

/** The values of one cohort by day since install; null for a day not over yet at `asOfMs`. */
function cohortValues(c: Cohort, scope: CohortScope, spend: number | null): Record<string, number | null> {
  const values: Record<string, number | null> = {};
  // The last install of the cohort day is at its end: day d is over for all of them d + 2 days after its start.
  const cohortStartMs = Date.parse(`${c.cohortDay}T00:00:00Z`);
  for (const d of scope.days) {
    if (scope.asOfMs !== undefined && cohortStartMs + (d + 2) * DAY_MS > scope.asOfMs) {
      values[String(d)] = null;
      continue;
    }
    if (scope.metric === 'retention') {
      values[String(d)] = c.installs === 0 ? null : round((c.active.get(d) ?? 0) / c.installs);
      continue;
    }
    let revenue: number | null = 0;
    for (const [since, money] of c.revenue) {
      if (since > d) continue;
      revenue = money.total === null || revenue === null ? null : revenue + money.total;
    }
    values[String(d)] =
      scope.metric === 'revenue' ? (revenue === null ? null : round(revenue)) : ratio(revenue, spend);
  }
  return values;
}

/**
 * Install-date cohorts (SPEC §8) by day since install, day 0 being the first 24 hours: `retention` is
 * the share of the cohort active on that day, `revenue` the revenue up to the end of that day
 * (cumulative) and `roas` that revenue over the cohort's spend (spend of its install day and dimensions).
 * Every row carries its cohort's spend, whatever the metric.
 */
export async function cohortReport(lake: ReportLake, scope: CohortScope): Promise<CohortRow[]> {
  const maxDay = Math.max(0, ...scope.days);
  const parameters = {
    tenantId: scope.tenantId,
    appId: scope.appId,
    fromDay: scope.fromDay,
    toDay: scope.toDay,
  };
  const [activity, rates, spend] = await Promise.all([
    lake.run(SPEND_QUERIES.cohortActivity, parameters),
    // Revenue of the last cohort's later days converts with the rates of those days.
    lake.run(FX_RATES_QUERY, { ...parameters, toDay: addDays(scope.toDay, maxDay + 1) }),
    lake.run(SPEND_FACTS_QUERY, parameters),
  ]);
  const fx = new FxTable(rates);
  const cohorts = new Cohorts(scope.groupBy);
  addActivity(cohorts, activity, fx, scope.currency, maxDay);
  addSpend(cohorts, spend, fx, scope.currency);
  return cohorts
    .sorted()
    .filter((c) => c.installs > 0 || scope.metric === 'roas')
    .map((c) => {
      const spend = c.spend.total === null ? null : round(c.spend.total);
      return {
        cohortDay: c.cohortDay,
        dimensions: c.dimensions,
        installs: c.installs,
        spend,
        values: cohortValues(c, scope, spend),
        fxMissing: missingList(c.missing),
      };
    });
}
