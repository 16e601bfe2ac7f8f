/**
 * Retry schedule of a failed delivery: exponential back-off with equal jitter, for 24 hours from the
 * job's creation, then dead-lettered (SPEC §7).
 */

export interface RetrySchedule {
  /** Delay before the second attempt, before jitter. @default 30 s */
  readonly baseDelayMs?: number;
  /** Longest delay between two attempts. @default 1 hour */
  readonly maxDelayMs?: number;
  /** Retry budget counted from the job's creation. @default 24 hours */
  readonly retryForMs?: number;
}

export const DEFAULT_RETRY_SCHEDULE: Required<RetrySchedule> = {
  baseDelayMs: 30_000,
  maxDelayMs: 60 * 60_000,
  retryForMs: 24 * 60 * 60_000,
};

export type RetryDecision = { readonly retry: true; readonly delayMs: number } | { readonly retry: false };

/**
 * What to do after attempt number `attempt` (1 = the first) failed at `nowMs`: wait a random delay in
 * [half the exponential step, the step] (jittered so a receiver's outage does not end in a thundering
 * herd), or stop when the next attempt would fall past the retry budget.
 * @example nextRetry({ attempt: 1, createdAtMs, nowMs, random: Math.random }) // { retry: true, delayMs: 21_734 }
 */
export function nextRetry(input: {
  readonly attempt: number;
  readonly createdAtMs: number;
  readonly nowMs: number;
  readonly random: () => number;
  readonly schedule?: RetrySchedule;
}): RetryDecision {
  const s = { ...DEFAULT_RETRY_SCHEDULE, ...input.schedule };
  const step = Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** Math.max(0, input.attempt - 1));
  const delayMs = Math.round(step / 2 + (step / 2) * input.random());
  if (input.nowMs + delayMs > input.createdAtMs + s.retryForMs) return { retry: false };
  return { retry: true, delayMs };
}
