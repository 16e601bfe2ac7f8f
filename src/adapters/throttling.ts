import { StoreThrottledError } from '../app/errors.js';

/** SDK error names worth retrying later: throttling and transient service errors. */
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalServerError',
  'ServiceUnavailable',
]);

/** True for errors worth retrying later (throttling, transient service errors). */
export function isThrottling(error: unknown): boolean {
  return error instanceof Error && (THROTTLING.has(error.name) || error instanceof StoreThrottledError);
}
