import { USAGE_COUNTER_LEASES } from '../app/ports/usage-counters.js';

/**
 * The writes the ingest limits (`src/http/limits.ts`) put on the usage counters: each API instance leases
 * from a window's shards (one conditional write per lease) and admits from what it leased, so a window's
 * writes are bounded by the instances, not by the requests.
 *
 * Per second, an instance that checks `b` requests of an app makes at most `min(b, (1 + r) / T)` writes
 * on the app's window: one lease per check when it sees fewer than one check per lease period `T`,
 * otherwise one lease per period (of `T` seconds of its demand) plus, once the window is exhausted, at
 * most `r` refused leases (`maxRefusedLeases`) before it refuses in memory. The window's writes spread
 * over its shards (instances start at random shards); the busiest shard is taken at the mean plus three
 * standard deviations of a Poisson count.
 */

export interface LeaseLoad {
  /** Writes per second on all of one window's items (one region). */
  readonly writesPerSec: number;
  /** Writes per second on its busiest item. */
  readonly hottestItemWritesPerSec: number;
}

/**
 * @param checksPerSec limit checks per second of one app in one region (ingest requests for the rate
 *   limit, event batches for the daily quota)
 * @param instances API instances of the region (Little's law); `Infinity` when unknown (one lease a check)
 * @param leaseSeconds the lease period `T` of the window kind
 */
export function leaseLoad(
  checksPerSec: number,
  instances: number,
  leaseSeconds: number,
  shards: number = USAGE_COUNTER_LEASES.shards,
  maxRefusedLeases: number = USAGE_COUNTER_LEASES.maxRefusedLeases,
): LeaseLoad {
  if (!(checksPerSec > 0)) return { writesPerSec: 0, hottestItemWritesPerSec: 0 };
  const writesPerSec = Math.min(checksPerSec, (instances * (1 + maxRefusedLeases)) / leaseSeconds);
  // Writers spread over the shards; fewer writers than shards use as many shards as writers.
  const mean = writesPerSec / Math.max(1, Math.min(shards, instances, checksPerSec));
  return { writesPerSec, hottestItemWritesPerSec: mean + 3 * Math.sqrt(mean) };
}
