import type { Logger } from '../app/ports/logger.js';
import type { CounterWindow, UsageCounters } from '../app/ports/usage-counters.js';
import type { AppRecord } from '../app/records.js';
import { createSettingsResolver, type SettingsResolver } from '../app/settings.js';
import { DAY_MS } from '../domain/settings.js';
import { TooManyRequestsError } from './errors.js';
import type { ApiServices, TenantLimits } from './services.js';

/**
 * Per-app ingest limits (issue 6), the same code in Lambda and in local mode:
 *
 * - `rateLimitPerSecond`: ingest requests per UTC second (events, touchpoints and tracking links
 *   together), a fixed window; over it, 429 with `Retry-After` to the next second.
 * - `dailyEventQuota`: events accepted by `POST /v1/events` per UTC day; a batch that would pass the
 *   remaining quota answers 429 (`Retry-After` to the next UTC midnight) and writes nothing.
 *
 * Each check is at most one conditional write to the counters. A window known to be exhausted (from
 * the counter's last answer) refuses in memory without a write until it ends. Counters that cannot be
 * reached do not stop ingest: the request is admitted, the failure logged, and the counters left alone
 * for 10 s (limits protect the platform; losing data to a counter outage would not).
 */

const SECOND_MS = 1000;
/** How long requests are admitted unchecked after the counters failed (no write, no log each). */
const COUNTER_FAILURE_PAUSE_MS = 10_000;

/** The UTC second of `nowMs`, per app. */
export function secondWindow(appId: string, nowMs: number): CounterWindow {
  const second = Math.floor(nowMs / SECOND_MS);
  return { key: `${appId}#S#${second}`, endsAtMs: (second + 1) * SECOND_MS };
}

/** The UTC day of `nowMs`, per app. */
export function dayWindow(appId: string, nowMs: number): CounterWindow {
  const day = Math.floor(nowMs / DAY_MS);
  const date = new Date(day * DAY_MS).toISOString().slice(0, 10);
  return { key: `${appId}#D#${date}`, endsAtMs: (day + 1) * DAY_MS };
}

/** The UTC second of `nowMs`, for a whole tenant (every app of it). */
export function tenantSecondWindow(tenantId: string, nowMs: number): CounterWindow {
  const second = Math.floor(nowMs / SECOND_MS);
  return { key: `T#${tenantId}#S#${second}`, endsAtMs: (second + 1) * SECOND_MS };
}

/** The UTC calendar month of `nowMs`, for a whole tenant. */
export function tenantMonthWindow(tenantId: string, nowMs: number): CounterWindow {
  const date = new Date(nowMs);
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const end = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return { key: `T#${tenantId}#M#${new Date(start).toISOString().slice(0, 7)}`, endsAtMs: end };
}

/** Whole seconds until the window ends (at least 1): the `Retry-After` of a refusal. */
export function retryAfterSeconds(window: CounterWindow, nowMs: number): number {
  return Math.max(1, Math.ceil((window.endsAtMs - nowMs) / SECOND_MS));
}

/** The app a limit applies to: its id and stored settings. */
export type LimitedApp = Pick<AppRecord, 'tenantId' | 'appId' | 'settings'>;

export interface IngestLimiterOptions {
  readonly counters: UsageCounters;
  readonly now: () => number;
  readonly logger?: Logger;
  /** Windows remembered in memory. @default 10,000 */
  readonly maxKnownWindows?: number;
  /** An app's effective settings (platform defaults under its own). @default the SPEC defaults under its own */
  readonly effectiveSettings?: SettingsResolver;
}

/** The limits of every app, with what this process last learned of each window's total. */
export class IngestLimiter {
  private readonly counters: UsageCounters;
  private readonly now: () => number;
  private readonly logger: Logger | undefined;
  private readonly maxKnownWindows: number;
  private readonly effectiveSettings: SettingsResolver;
  /** A lower bound of each window's total (totals only grow within a window). */
  private readonly known = new Map<string, { readonly total: number; readonly endsAtMs: number }>();
  /** After the counters failed, requests are admitted without trying them until then (one log a pause). */
  private countersPausedUntilMs = 0;

  constructor(options: IngestLimiterOptions) {
    this.counters = options.counters;
    this.now = options.now;
    this.logger = options.logger;
    this.maxKnownWindows = options.maxKnownWindows ?? 10_000;
    this.effectiveSettings = options.effectiveSettings ?? createSettingsResolver();
  }

  /** Counts one ingest request of the app; throws 429 over `rateLimitPerSecond`. */
  async admitRequest(app: LimitedApp): Promise<void> {
    const nowMs = this.now();
    const limit = this.effectiveSettings(app.settings).rateLimitPerSecond;
    const window = secondWindow(app.appId, nowMs);
    if (await this.take(app, window, 1, limit)) return;
    throw new TooManyRequestsError(
      `app ${app.appId} is over its rate limit of ${limit} requests per second; retry after the Retry-After header`,
      retryAfterSeconds(window, nowMs),
      {
        details: [
          { field: 'settings.rate_limit_per_second', code: 'rate_limit', message: `${limit} per second` },
        ],
        context: { app_id: app.appId, tenant_id: app.tenantId, limit: 'rate_limit_per_second' },
      },
    );
  }

  /** Counts one ingest request against the app's tenant's limits; throws 429 over one of them. */
  async admitTenantRequest(app: LimitedApp, limits: TenantLimits): Promise<void> {
    const nowMs = this.now();
    const checks = [
      {
        window: tenantSecondWindow(app.tenantId, nowMs),
        limit: limits.rateLimitPerSecond,
        field: 'tenants[].usagePlan.rateLimit',
        what: `${limits.rateLimitPerSecond} requests per second`,
      },
      ...(limits.monthlyRequestQuota > 0
        ? [
            {
              window: tenantMonthWindow(app.tenantId, nowMs),
              limit: limits.monthlyRequestQuota,
              field: 'tenants[].usagePlan.monthlyQuota',
              what: `${limits.monthlyRequestQuota} requests per month`,
            },
          ]
        : []),
    ];
    for (const check of checks) {
      if (await this.take(app, check.window, 1, check.limit)) continue;
      throw new TooManyRequestsError(
        `tenant ${app.tenantId} is over its limit of ${check.what}; retry after the Retry-After header`,
        retryAfterSeconds(check.window, nowMs),
        {
          details: [{ field: check.field, code: 'rate_limit', message: check.what }],
          context: { app_id: app.appId, tenant_id: app.tenantId, limit: check.field },
        },
      );
    }
  }

  /**
   * Counts `events` accepted events of the app against today's quota, runs `work` (the publish), and
   * gives the events back if `work` fails. Throws 429, before `work`, when they do not fit.
   */
  async withinDailyQuota<T>(app: LimitedApp, events: number, work: () => Promise<T>): Promise<T> {
    if (events <= 0) return work();
    const nowMs = this.now();
    const quota = this.effectiveSettings(app.settings).dailyEventQuota;
    const window = dayWindow(app.appId, nowMs);
    if (!(await this.take(app, window, events, quota))) {
      const used = this.known.get(window.key)?.total;
      const remaining = used === undefined ? undefined : Math.max(0, quota - used);
      throw new TooManyRequestsError(
        events > quota
          ? `a batch of ${events} events is more than app ${app.appId}'s daily event quota of ${quota}`
          : `app ${app.appId} has ${remaining === undefined ? 'less than this batch' : remaining} of its daily quota of ${quota} events left; this batch has ${events}`,
        retryAfterSeconds(window, nowMs),
        {
          details: [
            {
              field: 'settings.daily_event_quota',
              code: 'daily_event_quota',
              message: `${quota} events per UTC day`,
            },
          ],
          context: { app_id: app.appId, tenant_id: app.tenantId, limit: 'daily_event_quota', events },
        },
      );
    }
    try {
      return await work();
    } catch (error) {
      await this.counters.remove(window, events).catch((cause: unknown) =>
        this.logger?.warn('daily quota not given back after a failed publish', {
          app_id: app.appId,
          events,
          error: cause,
        }),
      );
      this.known.delete(window.key);
      throw error;
    }
  }

  /** Whether `units` fit in the window under `limit`; counts them if so. */
  private async take(app: LimitedApp, window: CounterWindow, units: number, limit: number): Promise<boolean> {
    const nowMs = this.now();
    const known = this.known.get(window.key);
    if (units > limit || (known && known.endsAtMs > nowMs && known.total + units > limit)) return false;
    if (nowMs < this.countersPausedUntilMs) return true;
    let answer: { admitted: boolean; total?: number };
    try {
      answer = await this.counters.add(window, units, limit);
    } catch (error) {
      this.countersPausedUntilMs = nowMs + COUNTER_FAILURE_PAUSE_MS;
      this.logger?.error('usage counters unavailable; ingest limits not enforced for 10 s', {
        app_id: app.appId,
        tenant_id: app.tenantId,
        counter: window.key,
        error,
      });
      return true;
    }
    // Refused without a total: at least enough that these units did not fit.
    const total = answer.total ?? (answer.admitted ? undefined : limit - units + 1);
    if (total !== undefined) this.remember(window, Math.max(total, known?.total ?? 0), nowMs);
    return answer.admitted;
  }

  private remember(window: CounterWindow, total: number, nowMs: number): void {
    if (this.known.size >= this.maxKnownWindows && !this.known.has(window.key)) {
      for (const [key, entry] of this.known) if (entry.endsAtMs <= nowMs) this.known.delete(key);
      if (this.known.size >= this.maxKnownWindows) this.known.clear();
    }
    this.known.set(window.key, { total, endsAtMs: window.endsAtMs });
  }
}

const limiters = new WeakMap<UsageCounters, IngestLimiter>();

/** The limiter of a set of services (one per counters, so its memory lasts across requests). */
export function limiterFor(
  services: Pick<ApiServices, 'usageCounters' | 'now' | 'logger' | 'effectiveSettings'>,
): IngestLimiter | undefined {
  const counters = services.usageCounters;
  if (!counters) return undefined;
  let limiter = limiters.get(counters);
  if (!limiter) {
    limiter = new IngestLimiter({
      counters,
      now: services.now,
      effectiveSettings: services.effectiveSettings,
      ...(services.logger ? { logger: services.logger } : {}),
    });
    limiters.set(counters, limiter);
  }
  return limiter;
}

/** The app's stored settings: the record itself, or (for an API-key principal) the registry's cached copy. */
async function limitedApp(
  services: Pick<ApiServices, 'registry'>,
  app: LimitedApp | { tenantId: string; appId: string },
): Promise<LimitedApp | undefined> {
  if ('settings' in app) return app;
  const record = await services.registry.getApp(app.appId);
  return record && record.tenantId === app.tenantId ? record : undefined;
}

/** Counts one ingest request against the app's `rateLimitPerSecond` (no-op without counters). */
export async function admitRequest(
  services: Pick<
    ApiServices,
    'registry' | 'usageCounters' | 'now' | 'logger' | 'effectiveSettings' | 'tenantLimits'
  >,
  app: LimitedApp | { tenantId: string; appId: string },
): Promise<void> {
  const limiter = limiterFor(services);
  if (!limiter) return;
  const limited = await limitedApp(services, app);
  if (!limited) return;
  await limiter.admitRequest(limited);
  const tenantLimits = services.tenantLimits?.[limited.tenantId];
  if (tenantLimits) await limiter.admitTenantRequest(limited, tenantLimits);
}

/** Runs `publish` once `events` fit in the app's daily quota (no-op check without counters). */
export async function withinDailyQuota<T>(
  services: Pick<ApiServices, 'registry' | 'usageCounters' | 'now' | 'logger' | 'effectiveSettings'>,
  app: LimitedApp | { tenantId: string; appId: string },
  events: number,
  publish: () => Promise<T>,
): Promise<T> {
  const limiter = limiterFor(services);
  const limited = limiter ? await limitedApp(services, app) : undefined;
  return limiter && limited ? limiter.withinDailyQuota(limited, events, publish) : publish();
}
