import { USAGE_COUNTER_LEASES } from '../../app/ports/usage-counters.js';
import { type LeaseLoad, leaseLoad } from '../usage-counter-load.js';
import type { RegionScale } from './scale.js';
import type { KeyClassWrites } from './types.js';

/** The lease writes one app's ingest limits put on its usage counters in one region. */
export interface AppLimitLoad {
  readonly rate: LeaseLoad;
  readonly quota: LeaseLoad;
}

/**
 * The usage counters in the tenant registry, a table (and table quota) of their own, at the planned
 * rate. The ingest limits lease from them (src/http/limits.ts): a window's writes are bounded by the
 * ingest instances (Little's law on the metered ingest function), not by its requests; see
 * usage-counter-load.ts.
 */
export interface CounterLeases {
  /** Ingest instances of one region; `Infinity` when the workload metered no ingest (one lease a check). */
  readonly ingestInstances: number;
  readonly largestApp: AppLimitLoad;
  /** Each of the other apps, when there are others. */
  readonly otherApps: AppLimitLoad | undefined;
  /** Write units per second on the counters, own and replicated. */
  readonly registryWriteUnitsPerSec: number;
  /** What the metered workload wrote to the counters, own and replicated (the rest is the identity graph). */
  readonly meteredRegistryWriteUnitsPerSec: number;
  /**
   * The region's UpdateItem requests per second with the metered workload's (one instance) counter writes
   * replaced by the leases of the region's instances; unchanged when the workload wrote no counters.
   */
  updateItemsPerSec(meteredUpdateItemsPerSec: number | undefined): number | undefined;
}

/** Write units of one write of a key class (1 when the class was not written). */
export const unitsPerWrite = (c: KeyClassWrites | undefined) =>
  c && c.writes > 0 ? c.writeUnits / c.writes : 1;

function ingestInstancesOf(scale: RegionScale): number {
  const ingestFn = scale.measured.usage.lambda.ingest;
  return ingestFn && ingestFn.invocations > 0
    ? Math.max(
        1,
        (scale.perSec(ingestFn.invocations) * (ingestFn.billedDurationMs / ingestFn.invocations)) / 1000,
      )
    : Number.POSITIVE_INFINITY;
}

export function counterLeases(scale: RegionScale): CounterLeases {
  const { measured, perEvent, eventsPerSec: E } = scale;
  const { eventsPerSec: total, regions, apps, largestAppShare } = scale.options;
  const ingestInstances = ingestInstancesOf(scale);
  const rateCounter = measured.keyClasses['rate-limit counter'];
  const quotaCounter = measured.keyClasses['quota counter'];
  // Checks per event: every ingest request against the rate limit, every event batch against the quota.
  const rateChecksPerEvent = rateCounter
    ? perEvent(measured.usage.lambda.ingest?.invocations ?? rateCounter.writes)
    : 0;
  const quotaChecksPerEvent = quotaCounter
    ? perEvent(measured.apiByRoute['POST /v1/events'] ?? quotaCounter.writes)
    : 0;
  const limitLoad = (appEventsPerSec: number): AppLimitLoad => ({
    rate: leaseLoad(
      appEventsPerSec * rateChecksPerEvent,
      ingestInstances,
      USAGE_COUNTER_LEASES.shortLeaseSeconds,
    ),
    quota: leaseLoad(
      appEventsPerSec * quotaChecksPerEvent,
      ingestInstances,
      USAGE_COUNTER_LEASES.longLeaseSeconds,
    ),
  });
  const largestApp = limitLoad((total * largestAppShare) / regions);
  const otherApps = apps > 1 ? limitLoad((total * (1 - largestAppShare)) / regions / (apps - 1)) : undefined;
  const limitWriteUnits = (load: AppLimitLoad) =>
    load.rate.writesPerSec * unitsPerWrite(rateCounter) +
    load.quota.writesPerSec * unitsPerWrite(quotaCounter);
  const leaseWrites = (load: AppLimitLoad) => load.rate.writesPerSec + load.quota.writesPerSec;
  return {
    ingestInstances,
    largestApp,
    otherApps,
    // Each region writes its own items; the global table replicates them into every other region.
    registryWriteUnitsPerSec:
      regions * (limitWriteUnits(largestApp) + (otherApps ? (apps - 1) * limitWriteUnits(otherApps) : 0)),
    meteredRegistryWriteUnitsPerSec:
      regions * E * perEvent((rateCounter?.writeUnits ?? 0) + (quotaCounter?.writeUnits ?? 0)),
    updateItemsPerSec: (metered) =>
      rateCounter || quotaCounter
        ? Math.max(
            0,
            (metered ?? 0) -
              E * perEvent((rateCounter?.writes ?? 0) + (quotaCounter?.writes ?? 0)) +
              leaseWrites(largestApp) +
              (otherApps ? (apps - 1) * leaseWrites(otherApps) : 0),
          )
        : metered,
  };
}
