import type { Source } from './attribution.js';
import type { AppEvent, Touchpoint } from './records.js';
import { DAY_MS } from './settings.js';
import type { CounterIncrement, CounterMetric } from './store.js';

/** Report counters and the small records every decision builds; pure, cheap, on the hot path. */

const dayCache = new Map<number, string>();

/** The UTC day of an event time, `YYYY-MM-DD`, memoised (a batch spans a few days at most). */
export function utcDay(ms: number): string {
  const n = Math.floor(ms / DAY_MS);
  let day = dayCache.get(n);
  if (day === undefined) {
    day = new Date(n * DAY_MS).toISOString().slice(0, 10);
    if (dayCache.size > 5_000) dayCache.clear();
    dayCache.set(n, day);
  }
  return day;
}

const NO_CAMPAIGN = '(none)';

/** One counter increment on the event's UTC day; a missing campaign counts under `(none)`. */
export function counter(
  e: AppEvent,
  network: string,
  campaign: string | undefined,
  metric: CounterMetric,
  value = 1,
  currency?: string,
): CounterIncrement {
  const day = utcDay(e.timestampMs);
  const c = campaign ?? NO_CAMPAIGN;
  return currency === undefined
    ? { tenantId: e.tenantId, appId: e.appId, day, network, campaign: c, metric, value }
    : { tenantId: e.tenantId, appId: e.appId, day, network, campaign: c, metric, value, currency };
}

/** The source a touchpoint names; absent campaign, adset and ad are left out. */
export function sourceOf(tp: Touchpoint): Source {
  const s: { -readonly [K in keyof Source]: Source[K] } = { touchpointId: tp.id, network: tp.network };
  if (tp.campaign !== undefined) s.campaign = tp.campaign;
  if (tp.adset !== undefined) s.adset = tp.adset;
  if (tp.ad !== undefined) s.ad = tp.ad;
  if (tp.networkClickId !== undefined) s.networkClickId = tp.networkClickId;
  return s;
}
