/**
 * Fixed-window usage counters behind the per-app rate limits and quotas (`limits.ts`), one counter per
 * key and window, gone after it.
 */
export interface UsageCounters {
  /**
   * Adds `units` to the counter `key` unless its total would pass `limit`: `admitted` with the new
   * total, or refused (nothing added) with the total found when it is known.
   */
  add(counter: CounterWindow, units: number, limit: number): Promise<{ admitted: boolean; total?: number }>;
  /** Gives `units` back (what was counted for work that then failed). */
  remove(counter: CounterWindow, units: number): Promise<void>;
}

/** One counter in one window: `key` names both (e.g. the app and the UTC second). */
export interface CounterWindow {
  readonly key: string;
  /** When the window ends: the counter may be deleted after it. */
  readonly endsAtMs: number;
}
