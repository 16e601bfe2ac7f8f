import type { CounterRow } from '../app/records.js';
import { COUNTER_METRICS, type CounterMetric } from '../domain/store.js';

/**
 * The install report: aggregates by any of day, network and campaign, built from the per-day counters
 * (recent data) or from the lake's report queries (older ranges); both give the same row shape.
 */

export const GROUP_BY_FIELDS = ['day', 'network', 'campaign'] as const;
export type GroupByField = (typeof GROUP_BY_FIELDS)[number];

type CountMetric = Exclude<CounterMetric, 'revenue'>;
/** Every counter but revenue, which is kept per currency. */
const COUNT_METRICS = COUNTER_METRICS.filter((m): m is CountMetric => m !== 'revenue');

export interface ReportRow {
  day?: string;
  network?: string;
  campaign?: string;
  installs: number;
  organic: number;
  reinstalls: number;
  reattributions: number;
  reengagements: number;
  rejected: number;
  flagged: number;
  events: number;
  /** Revenue by ISO 4217 currency. */
  revenue: Record<string, number>;
}

function emptyRow(key: Partial<Record<GroupByField, string>>): ReportRow {
  return {
    ...key,
    installs: 0,
    organic: 0,
    reinstalls: 0,
    reattributions: 0,
    reengagements: 0,
    rejected: 0,
    flagged: 0,
    events: 0,
    revenue: {},
  };
}

/** Accumulates facts into rows keyed by the group-by fields. */
export class ReportBuilder {
  private readonly rows = new Map<string, ReportRow>();

  constructor(private readonly groupBy: readonly GroupByField[]) {}

  private row(facts: Record<GroupByField, string>): ReportRow {
    const key: Partial<Record<GroupByField, string>> = {};
    for (const field of this.groupBy) key[field] = facts[field];
    const id = JSON.stringify(this.groupBy.map((f) => key[f]));
    let row = this.rows.get(id);
    if (!row) {
      row = emptyRow(key);
      this.rows.set(id, row);
    }
    return row;
  }

  add(
    facts: Record<GroupByField, string>,
    metric: CountMetric | 'revenue',
    value: number,
    currency?: string,
  ) {
    const row = this.row(facts);
    if (metric === 'revenue') {
      const c = currency ?? 'XXX';
      row.revenue[c] = round((row.revenue[c] ?? 0) + value);
    } else {
      row[metric] += value;
    }
  }

  addCounter(c: CounterRow): void {
    this.add({ day: c.day, network: c.network, campaign: c.campaign }, c.metric, c.value, c.currency);
  }

  build(): { rows: ReportRow[]; totals: ReportRow } {
    const rows = [...this.rows.values()].sort((a, b) =>
      JSON.stringify([a.day, a.network, a.campaign]).localeCompare(
        JSON.stringify([b.day, b.network, b.campaign]),
      ),
    );
    const totals = emptyRow({});
    for (const row of rows) {
      for (const m of COUNT_METRICS) totals[m] += row[m];
      for (const [c, v] of Object.entries(row.revenue))
        totals.revenue[c] = round((totals.revenue[c] ?? 0) + v);
    }
    return { rows, totals };
  }
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

export function reportFromCounters(counters: readonly CounterRow[], groupBy: readonly GroupByField[]) {
  const builder = new ReportBuilder(groupBy);
  for (const c of counters) builder.addCounter(c);
  return builder.build();
}

/**
 * Builds the report from the lake's two report queries (installs by network/campaign/day; in-app
 * revenue by network/campaign). The lake path has no day for revenue and no organic/flagged split.
 */
export function reportFromLake(
  installs: readonly Record<string, string | null>[],
  revenue: readonly Record<string, string | null>[],
  groupBy: readonly GroupByField[],
  fromDay: string,
) {
  const builder = new ReportBuilder(groupBy);
  const n = (v: string | null | undefined) => Number(v ?? 0) || 0;
  for (const r of installs) {
    const facts = {
      day: r.day ?? fromDay,
      network: r.network ?? 'organic',
      campaign: r.campaign ?? '(none)',
    };
    builder.add(facts, 'installs', n(r.installs));
    if (facts.network === 'organic') builder.add(facts, 'organic', n(r.installs));
    builder.add(facts, 'reinstalls', n(r.reinstalls));
    builder.add(facts, 'rejected', n(r.rejected));
  }
  for (const r of revenue) {
    const facts = { day: fromDay, network: r.network ?? 'organic', campaign: r.campaign ?? '(none)' };
    builder.add(facts, 'events', n(r.events));
    builder.add(facts, 'revenue', n(r.revenue), r.currency ?? undefined);
  }
  return builder.build();
}
