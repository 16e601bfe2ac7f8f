import type { Attribution } from './attribution.js';
import { type DecisionContext, decideBatch, prepareBatch } from './engine.js';
import { DataCenterMatcher } from './fraud.js';
import type { AppEvent, PipelineRecord, Touchpoint } from './records.js';
import type { AppSettings } from './settings.js';
import type { StoreSnapshot } from './store.js';

/**
 * Replay: a what-if tool. It re-runs a history of touchpoints and events, sorted by event time, under
 * two sets of settings and reports which decisions changed. It writes nothing: like the commercial
 * vendors, the platform applies a settings change only to installs decided after it.
 */

export interface ReplayHistory {
  readonly touchpoints: readonly Touchpoint[];
  readonly events: readonly AppEvent[];
}

export type SettingsSource = AppSettings | ((tenantId: string, appId: string) => AppSettings);

export interface ReplayOptions {
  /** @default [] */
  readonly dataCenterCidrs?: readonly string[];
  /**
   * Decisions before this event time (epoch ms) are warm-up: the history before it builds the state a
   * decision reads (clicks in the lookback, earlier installs) but only later decisions are compared.
   * @default every decision is compared
   */
  readonly compareFromMs?: number;
}

/** One decision, reduced to what a reader compares. */
export interface DecisionSummary {
  readonly status: Attribution['status'];
  readonly kind: Attribution['kind'];
  /** `organic` when there is no source. */
  readonly network: string;
  readonly campaign?: string;
  readonly touchpointId?: string;
  readonly match: Attribution['match'];
  readonly fraud: readonly string[];
}

export interface ReplayChange {
  readonly eventId: string;
  readonly deviceId: string;
  readonly before?: DecisionSummary;
  readonly after?: DecisionSummary;
  /** `install e1: attributed to meta (click tp1) → organic`. */
  readonly description: string;
  /** Why: the explanation of the decision under the candidate settings (else the baseline's). */
  readonly why: readonly string[];
}

export interface ReplayReport {
  /** Decisions (installs, reinstalls, reattributions, re-engagements) under the baseline settings. */
  readonly decisions: number;
  readonly changed: readonly ReplayChange[];
  /** Installs moved between sources, `from → to`, most first. */
  readonly moves: readonly { readonly from: string; readonly to: string; readonly count: number }[];
}

const EMPTY_SNAPSHOT: StoreSnapshot = {
  devices: new Map(),
  touchpoints: new Map(),
  processedEvents: new Set(),
  ipInstallCounts: new Map(),
};

/** History as pipeline records in event-time order; at equal times touchpoints come first. */
export function historyRecords(history: ReplayHistory): PipelineRecord[] {
  const records: PipelineRecord[] = [
    ...history.touchpoints.map((touchpoint) => ({
      kind: 'touchpoint' as const,
      receivedAtMs: touchpoint.timestampMs,
      touchpoint,
    })),
    ...history.events.map((event) => ({ kind: 'event' as const, receivedAtMs: event.timestampMs, event })),
  ];
  const time = (r: PipelineRecord) => (r.kind === 'event' ? r.event.timestampMs : r.touchpoint.timestampMs);
  const id = (r: PipelineRecord) => (r.kind === 'event' ? r.event.eventId : r.touchpoint.id);
  return records.sort(
    (a, b) =>
      time(a) - time(b) ||
      (a.kind === b.kind ? 0 : a.kind === 'touchpoint' ? -1 : 1) ||
      (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0),
  );
}

/** Every decision a history produces under the given settings, keyed by the deciding event id. */
export function runHistory(
  history: ReplayHistory,
  settings: SettingsSource,
  options: ReplayOptions = {},
): Map<string, Attribution> {
  const settingsFor = typeof settings === 'function' ? settings : () => settings;
  const cidrs = options.dataCenterCidrs ?? [];
  const ctx: DecisionContext =
    cidrs.length > 0 ? { settingsFor, dataCenter: new DataCenterMatcher(cidrs) } : { settingsFor };
  const { outcomes } = decideBatch(prepareBatch(historyRecords(history)), EMPTY_SNAPSHOT, ctx);
  const out = new Map<string, Attribution>();
  for (const o of outcomes) if (o.attribution) out.set(o.attribution.eventId, o.attribution);
  return out;
}

export function summarise(a: Attribution): DecisionSummary {
  return {
    status: a.status,
    kind: a.kind,
    network: a.source?.network ?? 'organic',
    ...(a.source?.campaign !== undefined ? { campaign: a.source.campaign } : {}),
    ...(a.source ? { touchpointId: a.source.touchpointId } : {}),
    match: a.match,
    fraud: a.fraud.map((f) => f.reason),
  };
}

function label(s: DecisionSummary | undefined): string {
  if (!s) return 'no decision';
  if (s.status === 'organic') return `${s.kind} organic`;
  const tp = s.touchpointId ? ` (${s.touchpointId}, ${s.match})` : '';
  const fraud = s.fraud.length > 0 ? ` [${s.fraud.join(', ')}]` : '';
  const verb = s.status === 'rejected' ? 'rejected for' : 'attributed to';
  return `${s.kind} ${verb} ${s.network}${tp}${fraud}`;
}

const same = (a: DecisionSummary | undefined, b: DecisionSummary | undefined) =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * Re-runs a history under the baseline and the candidate settings and reports what changed.
 * @example
 * const report = replay(history, currentSettings, resolveSettings({ clickLookbackHours: 48 }));
 * for (const m of report.moves) console.log(`${m.count} installs: ${m.from} → ${m.to}`);
 */
export function replay(
  history: ReplayHistory,
  baseline: SettingsSource,
  candidate: SettingsSource,
  options: ReplayOptions = {},
): ReplayReport {
  const compared = (decisions: Map<string, Attribution>) => {
    const from = options.compareFromMs;
    if (from === undefined) return decisions;
    return new Map([...decisions].filter(([, a]) => a.installTimeMs >= from));
  };
  const before = compared(runHistory(history, baseline, options));
  const after = compared(runHistory(history, candidate, options));
  const changed: ReplayChange[] = [];
  const moves = new Map<string, { from: string; to: string; count: number }>();
  const eventIds = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const eventId of eventIds) {
    const a = before.get(eventId);
    const b = after.get(eventId);
    const sa = a ? summarise(a) : undefined;
    const sb = b ? summarise(b) : undefined;
    if (same(sa, sb)) continue;
    const deviceId = (a ?? b)?.deviceId ?? '';
    changed.push({
      eventId,
      deviceId,
      ...(sa ? { before: sa } : {}),
      ...(sb ? { after: sb } : {}),
      description: `event ${eventId}: ${label(sa)} → ${label(sb)}`,
      why: (b ?? a)?.explanation ?? [],
    });
    const from = sa ? `${sa.status === 'rejected' ? 'rejected:' : ''}${sa.network}` : 'none';
    const to = sb ? `${sb.status === 'rejected' ? 'rejected:' : ''}${sb.network}` : 'none';
    if (from !== to) {
      const key = `${from}\u0000${to}`;
      const m = moves.get(key) ?? { from, to, count: 0 };
      m.count++;
      moves.set(key, m);
    }
  }
  return {
    decisions: before.size,
    changed,
    moves: [...moves.values()].sort((x, y) => y.count - x.count || (x.from + x.to < y.from + y.to ? -1 : 1)),
  };
}
