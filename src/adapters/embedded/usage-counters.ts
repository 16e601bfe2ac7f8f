import type { Database } from 'lmdb';
import type { CounterShard, CounterWindow, UsageCounters } from '../../app/ports/usage-counters.js';
import { END, key, SEP } from './database.js';

/**
 * Fixed-window usage counters (per-app rate limits and quotas) in the embedded database, with the
 * DynamoDB counters' behaviour (`src/adapters/dynamodb/usage-counters.ts`): one entry per shard of a
 * window; a lease is one conditional add (refused, it writes nothing and answers the shard's total); a
 * counter outlives its window by a minute, then `sweepExpired` deletes it (DynamoDB's TTL does the same
 * there). Local mode is one region: `otherRegionsTotal` is 0.
 */

export interface EmbeddedUsageCountersOptions {
  /** The `registry` database of `openEmbeddedDatabase`. */
  readonly db: Database;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Seconds a counter outlives its window before it may be deleted. */
const TTL_MARGIN_SECONDS = 60;

interface StoredCounter {
  readonly total: number;
  /** Expiry, epoch seconds. */
  readonly x: number;
}

const counterKey = (counter: CounterShard) => key('U', `${counter.key}#${counter.shard}`);

export class EmbeddedUsageCounters implements UsageCounters {
  private readonly db: Database;
  private readonly now: () => number;

  constructor(options: EmbeddedUsageCountersOptions) {
    this.db = options.db;
    this.now = options.now ?? Date.now;
  }

  async add(
    counter: CounterShard,
    units: number,
    limit: number,
  ): Promise<{ admitted: boolean; total?: number }> {
    const at = counterKey(counter);
    const x = Math.ceil(counter.endsAtMs / 1000) + TTL_MARGIN_SECONDS;
    return this.db.transaction(() => {
      const stored = this.db.get(at) as StoredCounter | undefined;
      if (stored && stored.total > limit - units) return { admitted: false, total: stored.total };
      const total = (stored?.total ?? 0) + units;
      this.db.putSync(at, { total, x } satisfies StoredCounter);
      return { admitted: true, total };
    });
  }

  async otherRegionsTotal(_counter: CounterWindow, _shards: number): Promise<number> {
    return 0;
  }

  /** Deletes counters whose window ended more than a minute ago; returns how many. */
  async sweepExpired(nowMs = this.now()): Promise<number> {
    const nowS = Math.floor(nowMs / 1000);
    return this.db.transaction(() => {
      let deleted = 0;
      for (const { key: at, value } of this.db.getRange({ start: `U${SEP}`, end: `U${END}` })) {
        if ((value as StoredCounter).x <= nowS) {
          this.db.removeSync(at);
          deleted++;
        }
      }
      return deleted;
    });
  }
}
