import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { StoreThrottledError } from '../../../app/errors.js';
import { isThrottling } from '../../throttling.js';

/** How often and how patiently a throttled call is tried again. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** First backoff delay, doubled per attempt with jitter. */
  readonly baseDelayMs: number;
}

/**
 * Runs `call`, retrying throttling (and transactions cancelled only by throttling or conflicts) with
 * exponential backoff and jitter.
 * @throws StoreThrottledError when still throttled after `maxAttempts`
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retryable = isThrottling(error) || isThrottledTransaction(error);
      if (!retryable || attempt >= policy.maxAttempts) {
        if (retryable) {
          throw new StoreThrottledError(`${operation} throttled ${attempt} times`, operation, {
            cause: error,
          });
        }
        throw error;
      }
      await sleep(backoffMs(policy, attempt + 1));
    }
  }
}

/** The wait before attempt `attempt` (2 and up): half the doubled base, plus up to as much jitter. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const base = policy.baseDelayMs * 2 ** (attempt - 2);
  return base / 2 + Math.random() * (base / 2);
}

/** A transaction cancelled only by throttling or conflicts: worth retrying as it is. */
export function isThrottledTransaction(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  // Only retry when nothing failed its condition: a lost condition is final for this attempt.
  return (
    !codes.includes('ConditionalCheckFailed') &&
    codes.some(
      (c) => c === 'ThrottlingError' || c === 'TransactionConflict' || c === 'ProvisionedThroughputExceeded',
    )
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
