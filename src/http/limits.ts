import type { Logger } from '../app/ports/logger.js';
import { type CounterWindow, USAGE_COUNTER_LEASES, type UsageCounters } from '../app/ports/usage-counters.js';
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
 *   remaining quota answers 429 (`Retry-After` to the next UTC midnight) and is not published.
 *
 * No hot item at any event rate (issue 17): a window is spread over `USAGE_COUNTER_LEASES.shards`
 * counter items, each capped at its share of the limit, and each instance (one per Lambda execution
 * environment) admits from an allowance it leased: when the allowance runs out it leases its own demand
 * of the last second (1 s of it in a window of a second, 10 s in a day or month) from one shard with one
 * conditional write, moving to the next shard when one is full. So a window's items take about one
 * write per active instance per lease period, whatever the request rate, and a window is never counted
 * past its limit in a region. After `maxRefusedLeases` refused leases in a row the instance refuses in
 * memory for one lease period; with every shard known full, until the window ends. Long windows also take the other
 * regions' totals, read every 10 s once half used (every 10 minutes before). Slack and the capacity
 * bound: docs/capacity.md ("Usage counters"), docs/security.md.
 *
 * Counters that cannot be reached do not stop ingest: the request is admitted, the failure logged, and
 * the counters left alone for 10 s (limits protect the platform; losing data to a counter outage would not).
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
  /**
   * The shard this instance leases from first in every window (then the next ones).
   * @default a random one, so that instances spread over the shards
   */
  readonly firstShard?: number;
  /** Shards of a window. @default USAGE_COUNTER_LEASES.shards */
  readonly shards?: number;
}

/** What this instance holds of one window. */
interface WindowLease {
  readonly endsAtMs: number;
  /** Units leased and not yet used. */
  allowance: number;
  /** Each shard's total as the last lease answer gave it (a lower bound). */
  readonly learned: Map<number, number>;
  /** The shard leased from last. */
  cursor: number;
  /** Shards in use (with a cap of at least one unit), as of the last lease. */
  usableShards: number;
  /** Refused leases in a row. */
  refusals: number;
  /** Refuse in memory until the window ends (every shard known full). */
  exhausted: boolean;
  /** After `maxRefusedLeases` refused leases in a row: refuse in memory until then (one lease period). */
  retryAtMs: number;
  /** The other regions' total as last read, and when. */
  others: number;
  othersReadAtMs: number;
  /** The lease in flight: one at a time per window, concurrent requests wait for it. */
  leasing: Promise<boolean> | undefined;
}

/** Units an instance was asked for under one limit: its demand, per period of at least a second. */
interface Demand {
  /** Units asked for since `periodStartMs`. */
  requested: number;
  periodStartMs: number;
  /** Units per second of the last whole period. */
  lastRate: number;
}

type WindowKind = 'second' | 'long';

/** The limits of every app, with the allowances this instance leased in each window. */
export class IngestLimiter {
  private readonly counters: UsageCounters;
  private readonly now: () => number;
  private readonly logger: Logger | undefined;
  private readonly maxKnownWindows: number;
  private readonly effectiveSettings: SettingsResolver;
  private readonly firstShard: number;
  private readonly shards: number;
  private readonly leases = new Map<string, WindowLease>();
  private readonly demands = new Map<string, Demand>();
  /** After the counters failed, requests are admitted without trying them until then (one log a pause). */
  private countersPausedUntilMs = 0;

  constructor(options: IngestLimiterOptions) {
    this.counters = options.counters;
    this.now = options.now;
    this.logger = options.logger;
    this.maxKnownWindows = options.maxKnownWindows ?? 10_000;
    this.effectiveSettings = options.effectiveSettings ?? createSettingsResolver();
    this.shards = options.shards ?? USAGE_COUNTER_LEASES.shards;
    this.firstShard = options.firstShard ?? Math.floor(Math.random() * this.shards);
  }

  /** Counts one ingest request of the app; throws 429 over `rateLimitPerSecond`. */
  async admitRequest(app: LimitedApp): Promise<void> {
    const nowMs = this.now();
    const limit = this.effectiveSettings(app.settings).rateLimitPerSecond;
    const window = secondWindow(app.appId, nowMs);
    if (await this.take(app, window, 1, limit, 'second')) return;
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
        kind: 'second' as WindowKind,
        field: 'tenants[].usagePlan.rateLimit',
        what: `${limits.rateLimitPerSecond} requests per second`,
      },
      ...(limits.monthlyRequestQuota > 0
        ? [
            {
              window: tenantMonthWindow(app.tenantId, nowMs),
              limit: limits.monthlyRequestQuota,
              kind: 'long' as WindowKind,
              field: 'tenants[].usagePlan.monthlyQuota',
              what: `${limits.monthlyRequestQuota} requests per month`,
            },
          ]
        : []),
    ];
    for (const check of checks) {
      if (await this.take(app, check.window, 1, check.limit, check.kind)) continue;
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
    if (!(await this.take(app, window, events, quota, 'long'))) {
      const used = this.usedOf(window);
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
      // Not published: the events go back to this instance's allowance (no write; the window keeps them).
      const lease = this.leases.get(window.key);
      if (lease) lease.allowance += events;
      throw error;
    }
  }

  /**
   * What a window has used, when this instance knows it: once it has seen every shard in use (the other
   * regions' total, every shard's, minus its own unused allowance). Unknown before: shards seen are not a
   * sample of the others (an instance moves on from the full ones).
   */
  private usedOf(window: CounterWindow): number | undefined {
    const lease = this.leases.get(window.key);
    if (!lease || lease.learned.size === 0 || lease.learned.size < lease.usableShards) return undefined;
    let leased = lease.others;
    for (const total of lease.learned.values()) leased += total;
    return Math.max(0, leased - lease.allowance);
  }

  /** Whether `units` fit in the window under `limit`; counts them if so (from the allowance, or a new lease). */
  private async take(
    app: LimitedApp,
    window: CounterWindow,
    units: number,
    limit: number,
    kind: WindowKind,
  ): Promise<boolean> {
    const nowMs = this.now();
    if (units > limit) return false;
    if (nowMs < this.countersPausedUntilMs) return true;
    const lease = this.leaseOf(window, nowMs);
    const demand = this.demandOf(window, nowMs);
    if (nowMs - demand.periodStartMs >= 1000) {
      demand.lastRate = (demand.requested * 1000) / (nowMs - demand.periodStartMs);
      demand.requested = 0;
      demand.periodStartMs = nowMs;
    }
    demand.requested += units;
    try {
      while (lease.allowance < units) {
        if (lease.exhausted || nowMs < lease.retryAtMs) return false;
        if (lease.leasing) {
          await lease.leasing;
          continue;
        }
        lease.leasing = this.lease(window, lease, demand, units, limit, kind, nowMs).finally(() => {
          lease.leasing = undefined;
        });
        if (!(await lease.leasing)) return false;
      }
      lease.allowance -= units;
      return true;
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
  }

  /**
   * Leases from the window's shards until the allowance holds `units`: each lease asks one shard for the
   * instance's demand (at least what is missing, at most what the shard is known to have left). Answers
   * false when every shard is known full (the window exhausted for this instance), or after
   * `maxRefusedLeases` leases in a row were refused (then no lease for one lease period); what was leased
   * stays in the allowance.
   */
  private async lease(
    window: CounterWindow,
    lease: WindowLease,
    demand: Demand,
    units: number,
    limit: number,
    kind: WindowKind,
    nowMs: number,
  ): Promise<boolean> {
    if (kind === 'long') await this.readOtherRegions(window, lease, limit, nowMs);
    const regionLimit = Math.max(0, limit - lease.others);
    const shards = Math.min(this.shards, regionLimit);
    lease.usableShards = shards;
    const capOf = (shard: number) =>
      Math.floor(regionLimit / this.shards) + (shard < regionLimit % this.shards ? 1 : 0);
    const roomOf = (shard: number) => capOf(shard) - (lease.learned.get(shard) ?? 0);
    const leaseSeconds =
      kind === 'second' ? USAGE_COUNTER_LEASES.shortLeaseSeconds : USAGE_COUNTER_LEASES.longLeaseSeconds;
    // The demand of the last second, or of this one when it is already more.
    const ratePerSecond = Math.max(demand.lastRate, demand.requested);
    const horizonSeconds = Math.min(leaseSeconds, Math.max(0, (window.endsAtMs - nowMs) / 1000));
    const wanted = Math.ceil(ratePerSecond * horizonSeconds);
    while (lease.allowance < units) {
      let shard = lease.cursor % Math.max(1, shards);
      let looked = 0;
      while (looked < shards && roomOf(shard) <= 0) {
        shard = (shard + 1) % shards;
        looked++;
      }
      if (looked >= shards) {
        lease.exhausted = true;
        return false;
      }
      lease.cursor = shard;
      const amount = Math.min(roomOf(shard), Math.max(units - lease.allowance, wanted));
      const answer = await this.counters.add({ ...window, shard }, amount, capOf(shard));
      if (answer.admitted) {
        lease.allowance += amount;
        lease.refusals = 0;
        lease.learned.set(shard, answer.total ?? (lease.learned.get(shard) ?? 0) + amount);
      } else {
        // Refused: the shard has less left than asked (its total says how much, if anything).
        lease.learned.set(shard, Math.max(lease.learned.get(shard) ?? 0, answer.total ?? capOf(shard)));
        if (++lease.refusals >= USAGE_COUNTER_LEASES.maxRefusedLeases) {
          lease.refusals = 0;
          lease.retryAtMs = nowMs + leaseSeconds * 1000;
          return false;
        }
      }
    }
    return true;
  }

  /** Refreshes the other regions' total of a long window when due (often once half of it is used). */
  private async readOtherRegions(
    window: CounterWindow,
    lease: WindowLease,
    limit: number,
    nowMs: number,
  ): Promise<void> {
    // This region's use estimated from the shards the instance has seen, scaled to all of them.
    let seen = 0;
    for (const total of lease.learned.values()) seen += total;
    const used = lease.others + (lease.learned.size > 0 ? (seen * this.shards) / lease.learned.size : 0);
    const every =
      used * 2 >= limit
        ? USAGE_COUNTER_LEASES.otherRegionsReadMs
        : USAGE_COUNTER_LEASES.otherRegionsIdleReadMs;
    if (nowMs - lease.othersReadAtMs < every) return;
    lease.others = await this.counters.otherRegionsTotal(window, this.shards);
    lease.othersReadAtMs = nowMs;
  }

  private leaseOf(window: CounterWindow, nowMs: number): WindowLease {
    let lease = this.leases.get(window.key);
    if (lease) return lease;
    if (this.leases.size >= this.maxKnownWindows) {
      for (const [key, entry] of this.leases) if (entry.endsAtMs <= nowMs) this.leases.delete(key);
      if (this.leases.size >= this.maxKnownWindows) this.leases.clear();
    }
    lease = {
      endsAtMs: window.endsAtMs,
      allowance: 0,
      learned: new Map(),
      cursor: this.firstShard,
      usableShards: this.shards,
      refusals: 0,
      exhausted: false,
      retryAtMs: 0,
      others: 0,
      othersReadAtMs: Number.NEGATIVE_INFINITY,
      leasing: undefined,
    };
    this.leases.set(window.key, lease);
    return lease;
  }

  /** The demand under the window's limit (the window key without its last part, the window itself). */
  private demandOf(window: CounterWindow, nowMs: number): Demand {
    const name = window.key.slice(0, window.key.lastIndexOf('#'));
    let demand = this.demands.get(name);
    if (!demand) {
      if (this.demands.size >= this.maxKnownWindows) this.demands.clear();
      demand = { requested: 0, periodStartMs: nowMs, lastRate: 0 };
      this.demands.set(name, demand);
    }
    return demand;
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
