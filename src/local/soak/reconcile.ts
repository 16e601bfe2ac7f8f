import type { SentEvent } from './workload.js';

/**
 * The soak's reconciliation: what the API accepted (the client's record of its 202 answers, retries
 * included) against what the stores hold — the lake's raw and attribution rows, the identity graph's
 * counters, the quarantine (consumer dead letters) and the stream poller's dead-letter file. Pure: the
 * driver reads the stores (`lake-files.ts`) and hands the facts in.
 */

/** What the client knows it got accepted. */
export interface AcceptedRecords {
  /** Event id → what was sent, for every event a 202 answer accepted. */
  readonly events: ReadonlyMap<string, SentEvent>;
  /** Touchpoint ids the 202 answers returned. */
  readonly touchpoints: ReadonlySet<string>;
  /**
   * Touchpoints sent in attempts that got no 202 (503, 429, a dropped connection): some may have reached
   * the stream under ids the client never learned, so as many unacknowledged touchpoints are allowed.
   */
  readonly touchpointsInUnansweredAttempts: number;
}

/** A lake row, reduced to what reconciliation reads. */
export interface LakeFact {
  readonly eventId: string;
  /** `attributions` rows: `install` or `event`. */
  readonly subject?: string;
  readonly revenueCents?: number;
  readonly currency?: string;
}

export interface StoreFacts {
  readonly lake: {
    readonly events: readonly LakeFact[];
    readonly touchpoints: readonly LakeFact[];
    readonly attributions: readonly LakeFact[];
  };
  /** Counter totals of the identity graph by metric (`revenue#USD` for revenue by currency). */
  readonly counters: ReadonlyMap<string, number>;
  /** Poisoned records put on the stream by the soak (their marker text). */
  readonly poisonSent: readonly string[];
  /** Quarantined records: their reason and decoded data. */
  readonly quarantine: readonly { readonly reason: string; readonly data: string }[];
  /** Records in the stream poller's dead-letter file. */
  readonly deadLetterRecords: number;
}

export interface ReconcileCheck {
  readonly check: string;
  readonly expected: number | string;
  readonly actual: number | string;
  /** Accepted records missing from the store. */
  readonly lost: number;
  /** Extra copies of accepted records. */
  readonly duplicated: number;
  readonly ok: boolean;
  readonly note?: string;
}

export interface ReconcileReport {
  readonly checks: readonly ReconcileCheck[];
  readonly lost: number;
  readonly duplicated: number;
  readonly ok: boolean;
}

/** Ids expected exactly once against the ids found: missing, extra copies and unknown ids. */
export function compareIds(
  expected: Iterable<string>,
  found: Iterable<string>,
): { expected: number; distinct: number; total: number; lost: number; duplicated: number; unknown: number } {
  const counts = new Map<string, number>();
  let total = 0;
  for (const id of found) {
    counts.set(id, (counts.get(id) ?? 0) + 1);
    total++;
  }
  let n = 0;
  let lost = 0;
  let duplicated = 0;
  for (const id of expected) {
    n++;
    const c = counts.get(id) ?? 0;
    if (c === 0) lost++;
    else duplicated += c - 1;
    counts.delete(id);
  }
  let unknown = 0;
  for (const c of counts.values()) unknown += c;
  return {
    expected: n,
    distinct: n - lost + counts.size,
    total,
    lost,
    duplicated,
    unknown,
  };
}

/** Every install decision counts once in one of these (`installs` includes the organic ones). */
const INSTALL_METRICS = ['installs', 'rejected', 'reinstalls', 'reattributions'];

function sumByCurrency(facts: Iterable<{ revenueCents?: number; currency?: string }>): Map<string, number> {
  const sums = new Map<string, number>();
  for (const f of facts) {
    if (f.revenueCents === undefined || f.currency === undefined) continue;
    sums.set(f.currency, (sums.get(f.currency) ?? 0) + f.revenueCents);
  }
  return sums;
}

const money = (sums: ReadonlyMap<string, number>) =>
  [...sums]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([c, cents]) => `${(cents / 100).toFixed(2)} ${c}`)
    .join(', ') || '0';

export function reconcile(accepted: AcceptedRecords, stores: StoreFacts): ReconcileReport {
  const checks: ReconcileCheck[] = [];
  const idCheck = (
    check: string,
    expected: Iterable<string>,
    found: Iterable<string>,
    allowedUnknown = 0,
    unknownNote = 'unknown ids',
  ) => {
    const c = compareIds(expected, found);
    const ok = c.lost === 0 && c.duplicated === 0 && c.unknown <= allowedUnknown;
    checks.push({
      check,
      expected: c.expected,
      actual: c.total,
      lost: c.lost,
      duplicated: c.duplicated,
      ok,
      ...(c.unknown > 0 ? { note: `${c.unknown} ${unknownNote}` } : {}),
    });
  };

  const installs: string[] = [];
  const inApp: string[] = [];
  for (const [id, e] of accepted.events) (e.type === 'install' ? installs : inApp).push(id);

  idCheck(
    'lake: raw events, each accepted event once',
    accepted.events.keys(),
    stores.lake.events.map((f) => f.eventId),
  );
  idCheck(
    'lake: raw touchpoints, each accepted touchpoint once',
    accepted.touchpoints,
    stores.lake.touchpoints.map((f) => f.eventId),
    accepted.touchpointsInUnansweredAttempts,
    `unacknowledged (of ${accepted.touchpointsInUnansweredAttempts} sent in unanswered attempts)`,
  );
  idCheck(
    'lake: install attributions, each install once',
    installs,
    stores.lake.attributions.filter((f) => f.subject === 'install').map((f) => f.eventId),
  );
  idCheck(
    'lake: in-app event attributions, each event once',
    inApp,
    stores.lake.attributions.filter((f) => f.subject === 'event').map((f) => f.eventId),
  );

  const counted = (metrics: readonly string[]) =>
    metrics.reduce((n, m) => n + (stores.counters.get(m) ?? 0), 0);
  const countCheck = (check: string, expected: number, actual: number) =>
    checks.push({
      check,
      expected,
      actual,
      lost: Math.max(0, expected - actual),
      duplicated: Math.max(0, actual - expected),
      ok: expected === actual,
    });
  countCheck(
    'graph: install counters (installs + rejected + reinstalls + reattributions)',
    installs.length,
    counted(INSTALL_METRICS),
  );
  countCheck('graph: in-app event counter', inApp.length, counted(['events']));

  const sent = sumByCurrency(accepted.events.values());
  const revenueCheck = (check: string, actual: ReadonlyMap<string, number>) => {
    const currencies = new Set([...sent.keys(), ...actual.keys()]);
    let lost = 0;
    let duplicated = 0;
    for (const c of currencies) {
      const d = (actual.get(c) ?? 0) - (sent.get(c) ?? 0);
      if (d < 0) lost -= d;
      else duplicated += d;
    }
    checks.push({
      check,
      expected: money(sent),
      actual: money(actual),
      lost: 0,
      duplicated: 0,
      ok: lost === 0 && duplicated === 0,
      ...(lost + duplicated > 0 ? { note: `off by ${((lost + duplicated) / 100).toFixed(2)}` } : {}),
    });
  };
  revenueCheck('revenue: lake raw events', sumByCurrency(stores.lake.events));
  revenueCheck('revenue: lake attributions', sumByCurrency(stores.lake.attributions));
  const counterRevenue = new Map<string, number>();
  for (const [metric, value] of stores.counters) {
    if (metric.startsWith('revenue#')) counterRevenue.set(metric.slice(8), Math.round(value * 100));
  }
  revenueCheck('revenue: graph counters', counterRevenue);

  const quarantined = stores.poisonSent.filter((marker) =>
    stores.quarantine.some((q) => q.data.includes(marker) && q.reason.length > 0),
  ).length;
  checks.push({
    check: 'dead letters: poisoned records quarantined with a reason',
    expected: stores.poisonSent.length,
    actual: quarantined,
    lost: stores.poisonSent.length - quarantined,
    duplicated: 0,
    ok: quarantined === stores.poisonSent.length,
    ...(stores.quarantine[0] ? { note: `reason: ${stores.quarantine[0].reason.slice(0, 60)}` } : {}),
  });
  checks.push({
    check: 'dead letters: records the consumer gave up on',
    expected: 0,
    actual: stores.deadLetterRecords,
    lost: 0,
    duplicated: 0,
    ok: stores.deadLetterRecords === 0,
  });

  const lost = checks.reduce((n, c) => n + c.lost, 0);
  const duplicated = checks.reduce((n, c) => n + c.duplicated, 0);
  return { checks, lost, duplicated, ok: checks.every((c) => c.ok) };
}
