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

function idCheck(
  check: string,
  expected: Iterable<string>,
  found: Iterable<string>,
  allowedUnknown = 0,
  unknownNote = 'unknown ids',
): ReconcileCheck {
  const c = compareIds(expected, found);
  return {
    check,
    expected: c.expected,
    actual: c.total,
    lost: c.lost,
    duplicated: c.duplicated,
    ok: c.lost === 0 && c.duplicated === 0 && c.unknown <= allowedUnknown,
    ...(c.unknown > 0 ? { note: `${c.unknown} ${unknownNote}` } : {}),
  };
}

function countCheck(check: string, expected: number, actual: number): ReconcileCheck {
  return {
    check,
    expected,
    actual,
    lost: Math.max(0, expected - actual),
    duplicated: Math.max(0, actual - expected),
    ok: expected === actual,
  };
}

/** Revenue by currency found against revenue sent: the difference either way is noted, not counted as records. */
function revenueCheck(
  check: string,
  sent: ReadonlyMap<string, number>,
  actual: ReadonlyMap<string, number>,
): ReconcileCheck {
  const currencies = new Set([...sent.keys(), ...actual.keys()]);
  let lost = 0;
  let duplicated = 0;
  for (const c of currencies) {
    const d = (actual.get(c) ?? 0) - (sent.get(c) ?? 0);
    if (d < 0) lost -= d;
    else duplicated += d;
  }
  return {
    check,
    expected: money(sent),
    actual: money(actual),
    lost: 0,
    duplicated: 0,
    ok: lost === 0 && duplicated === 0,
    ...(lost + duplicated > 0 ? { note: `off by ${((lost + duplicated) / 100).toFixed(2)}` } : {}),
  };
}

/** Accepted event ids by kind: installs, and the in-app events. */
function eventIdsByKind(accepted: AcceptedRecords): { installs: string[]; inApp: string[] } {
  const installs: string[] = [];
  const inApp: string[] = [];
  for (const [id, e] of accepted.events) (e.type === 'install' ? installs : inApp).push(id);
  return { installs, inApp };
}

/** The lake: each accepted record once in the raw tables, each accepted event attributed once. */
function lakeChecks(accepted: AcceptedRecords, stores: StoreFacts): ReconcileCheck[] {
  const { installs, inApp } = eventIdsByKind(accepted);
  const { lake } = stores;
  return [
    idCheck(
      'lake: raw events, each accepted event once',
      accepted.events.keys(),
      lake.events.map((f) => f.eventId),
    ),
    idCheck(
      'lake: raw touchpoints, each accepted touchpoint once',
      accepted.touchpoints,
      lake.touchpoints.map((f) => f.eventId),
      accepted.touchpointsInUnansweredAttempts,
      `unacknowledged (of ${accepted.touchpointsInUnansweredAttempts} sent in unanswered attempts)`,
    ),
    idCheck(
      'lake: install attributions, each install once',
      installs,
      lake.attributions.filter((f) => f.subject === 'install').map((f) => f.eventId),
    ),
    idCheck(
      'lake: in-app event attributions, each event once',
      inApp,
      lake.attributions.filter((f) => f.subject === 'event').map((f) => f.eventId),
    ),
  ];
}

/** The identity graph's counters: every install decision and every in-app event counted once. */
function counterChecks(accepted: AcceptedRecords, stores: StoreFacts): ReconcileCheck[] {
  const { installs, inApp } = eventIdsByKind(accepted);
  const counted = (metrics: readonly string[]) =>
    metrics.reduce((n, m) => n + (stores.counters.get(m) ?? 0), 0);
  return [
    countCheck(
      'graph: install counters (installs + rejected + reinstalls + reattributions)',
      installs.length,
      counted(INSTALL_METRICS),
    ),
    countCheck('graph: in-app event counter', inApp.length, counted(['events'])),
  ];
}

/** Revenue sent against the lake's raw events, its attributions and the graph's counters. */
function revenueChecks(accepted: AcceptedRecords, stores: StoreFacts): ReconcileCheck[] {
  const sent = sumByCurrency(accepted.events.values());
  const counterRevenue = new Map<string, number>();
  for (const [metric, value] of stores.counters) {
    if (metric.startsWith('revenue#')) counterRevenue.set(metric.slice(8), Math.round(value * 100));
  }
  return [
    revenueCheck('revenue: lake raw events', sent, sumByCurrency(stores.lake.events)),
    revenueCheck('revenue: lake attributions', sent, sumByCurrency(stores.lake.attributions)),
    revenueCheck('revenue: graph counters', sent, counterRevenue),
  ];
}

/** Every poisoned record quarantined with its reason, and nothing the consumer gave up on. */
function deadLetterChecks(stores: StoreFacts): ReconcileCheck[] {
  const quarantined = stores.poisonSent.filter((marker) =>
    stores.quarantine.some((q) => q.data.includes(marker) && q.reason.length > 0),
  ).length;
  return [
    {
      check: 'dead letters: poisoned records quarantined with a reason',
      expected: stores.poisonSent.length,
      actual: quarantined,
      lost: stores.poisonSent.length - quarantined,
      duplicated: 0,
      ok: quarantined === stores.poisonSent.length,
      ...(stores.quarantine[0] ? { note: `reason: ${stores.quarantine[0].reason.slice(0, 60)}` } : {}),
    },
    {
      check: 'dead letters: records the consumer gave up on',
      expected: 0,
      actual: stores.deadLetterRecords,
      lost: 0,
      duplicated: 0,
      ok: stores.deadLetterRecords === 0,
    },
  ];
}

export function reconcile(accepted: AcceptedRecords, stores: StoreFacts): ReconcileReport {
  const checks = [
    ...lakeChecks(accepted, stores),
    ...counterChecks(accepted, stores),
    ...revenueChecks(accepted, stores),
    ...deadLetterChecks(stores),
  ];
  const lost = checks.reduce((n, c) => n + c.lost, 0);
  const duplicated = checks.reduce((n, c) => n + c.duplicated, 0);
  return { checks, lost, duplicated, ok: checks.every((c) => c.ok) };
}
