import type { CounterShard, CounterWindow, UsageCounters } from '../../app/ports/usage-counters.js';

/**
 * Usage counters in memory, with the DynamoDB counters' behaviour (`src/adapters/dynamodb/usage-counters.ts`):
 * one entry per shard of a window (and per region), a lease is one conditional add. Several instances
 * given the same `table` share it, as API instances share the registry table; with `region` each counts
 * in its own entries and `otherRegionsTotal` reads the others'. For tests and tools; windows are never
 * deleted (a process's lifetime).
 */

export interface InMemoryUsageCountersOptions {
  /** Totals by entry, shared by the instances of one "table". @default a table of its own */
  readonly table?: Map<string, number>;
  /** This region: its counts go to entries only it writes. @default entries every instance writes */
  readonly region?: string;
  /** The other regions whose entries `otherRegionsTotal` sums. @default none */
  readonly otherRegions?: readonly string[];
}

export class InMemoryUsageCounters implements UsageCounters {
  readonly table: Map<string, number>;
  /** Writes asked for (leases, admitted or refused), per entry. */
  readonly writesByEntry = new Map<string, number>();
  private readonly region: string | undefined;
  private readonly otherRegions: readonly string[];

  constructor(options: InMemoryUsageCountersOptions = {}) {
    this.table = options.table ?? new Map();
    this.region = options.region;
    this.otherRegions = options.region
      ? (options.otherRegions ?? []).filter((r) => r !== options.region)
      : [];
  }

  /** The entry of one shard of a window, in `region`'s own entry when given. */
  static entry(counter: CounterShard, region?: string): string {
    return `${region ? `${region}#` : ''}${counter.key}#${counter.shard}`;
  }

  async add(
    counter: CounterShard,
    units: number,
    limit: number,
  ): Promise<{ admitted: boolean; total?: number }> {
    const at = InMemoryUsageCounters.entry(counter, this.region);
    this.writesByEntry.set(at, (this.writesByEntry.get(at) ?? 0) + 1);
    const total = this.table.get(at) ?? 0;
    if (total > limit - units) return { admitted: false, total };
    this.table.set(at, total + units);
    return { admitted: true, total: total + units };
  }

  async otherRegionsTotal(counter: CounterWindow, shards: number): Promise<number> {
    let sum = 0;
    for (const region of this.otherRegions) sum += this.windowTotal(counter, shards, region);
    return sum;
  }

  /** What a window holds over its shards (this region's entries, or one region's). */
  windowTotal(counter: CounterWindow, shards: number, region = this.region): number {
    let sum = 0;
    for (let shard = 0; shard < shards; shard++)
      sum += this.table.get(InMemoryUsageCounters.entry({ ...counter, shard }, region)) ?? 0;
    return sum;
  }
}
