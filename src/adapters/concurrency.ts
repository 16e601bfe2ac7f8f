/** Small helpers for batched, bounded-concurrency I/O. */

export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

export function chunk<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** Runs `fn` over `values` with at most `limit` in flight. */
export async function mapLimit<T>(
  values: readonly T[],
  limit: number,
  fn: (v: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, values.length) }, async () => {
    while (next < values.length) {
      const value = values[next++] as T;
      await fn(value);
    }
  });
  await Promise.all(workers);
}

/** Distinct values by a key; the last value of a key wins, as it would in sequence. */
export function uniqueBy<T>(values: readonly T[], key: (v: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const v of values) seen.set(key(v), v);
  return [...seen.values()];
}
