/**
 * Fixed-window usage counters behind the per-app rate limits and quotas (`src/http/limits.ts`). Each
 * window is spread over shards (`COUNTER_SHARDS` items), each shard with its own cap, so that no item
 * takes every write of a busy app: an API instance leases units from one shard at a time and admits
 * requests from what it leased (see `IngestLimiter`). Counters are gone a minute after their window.
 */
export interface UsageCounters {
  /**
   * Adds `units` to one shard of a window unless the shard's total would pass `limit` (the shard's own
   * cap): `admitted` with the shard's new total, or refused (nothing added) with the shard's total found
   * when it is known. With several regions, this region's item of the shard.
   */
  add(counter: CounterShard, units: number, limit: number): Promise<{ admitted: boolean; total?: number }>;
  /**
   * What the other regions counted in the window, summed over its first `shards` shards, as this
   * region's replica has it (0 in a single-region deployment).
   */
  otherRegionsTotal(counter: CounterWindow, shards: number): Promise<number>;
}

/** One counter in one window: `key` names both (e.g. the app and the UTC second). */
export interface CounterWindow {
  readonly key: string;
  /** When the window ends: the counter may be deleted after it. */
  readonly endsAtMs: number;
}

/** One shard (0 ≤ `shard` < the window's shards) of a counter window: one item. */
export interface CounterShard extends CounterWindow {
  readonly shard: number;
}

/**
 * How the ingest limiter leases from the counters (`IngestLimiter`); the capacity model bounds the
 * hottest counter item with the same figures (docs/capacity.md, "Usage counters").
 */
export const USAGE_COUNTER_LEASES = {
  /** Shards (items) of every window, per region. */
  shards: 64,
  /** Seconds of an instance's own demand one lease takes in a window of a second (the rate limits). */
  shortLeaseSeconds: 1,
  /** Seconds of an instance's own demand one lease takes in a longer window (daily, monthly quotas). */
  longLeaseSeconds: 10,
  /** Refused leases in a row after which an instance refuses in memory for one lease period. */
  maxRefusedLeases: 3,
  /** How often an instance re-reads the other regions' share of a long window once it is half used. */
  otherRegionsReadMs: 10_000,
  /** How often it re-reads them while the window is less than half used. */
  otherRegionsIdleReadMs: 600_000,
} as const;
