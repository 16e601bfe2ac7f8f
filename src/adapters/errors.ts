/**
 * Errors of the adapters. The HTTP edge maps them to statuses; the consumer maps them to failed records.
 */

/** A resource to be created already exists (tenant id, app id). */
export class AlreadyExistsError extends Error {
  constructor(
    readonly resource: 'tenant' | 'app',
    readonly id: string,
    options?: { cause?: unknown },
  ) {
    super(`${resource} ${JSON.stringify(id)} already exists`, options);
    this.name = 'AlreadyExistsError';
  }
}

/** A resource a write depends on is missing (e.g. the tenant of a new app). */
export class MissingResourceError extends Error {
  constructor(
    readonly resource: 'tenant' | 'app',
    readonly id: string,
    options?: { cause?: unknown },
  ) {
    super(`${resource} ${JSON.stringify(id)} does not exist`, options);
    this.name = 'MissingResourceError';
  }
}

/** Records could not be put on the stream after the bounded retries. */
export class StreamPublishError extends Error {
  constructor(
    message: string,
    readonly failedRecordCount: number,
    readonly context: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StreamPublishError';
  }
}

/** Lake records could not be put on a Firehose delivery stream after the bounded retries. */
export class LakeDeliveryError extends Error {
  constructor(
    message: string,
    readonly failedRecordCount: number,
    readonly context: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LakeDeliveryError';
  }
}

/** An Athena query failed, was cancelled or did not finish in time. */
export class LakeQueryError extends Error {
  constructor(
    message: string,
    readonly queryExecutionId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LakeQueryError';
  }
}

/** DynamoDB kept throttling or leaving items unprocessed after the bounded retries. */
export class StoreThrottledError extends Error {
  constructor(
    message: string,
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreThrottledError';
  }
}

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

/** An app already has as many live API keys as a rotation may leave behind. */
export class TooManyApiKeysError extends Error {
  constructor(
    readonly appId: string,
    readonly liveKeys: number,
    readonly limit: number,
  ) {
    super(`app ${JSON.stringify(appId)} has ${liveKeys} live API keys, the limit is ${limit}`);
    this.name = 'TooManyApiKeysError';
  }
}

/** A tenant's home region was not moved: the tenant is unknown, or its home is not the one expected. */
export class TenantHomeMoveError extends Error {
  constructor(
    message: string,
    readonly tenantId: string,
    readonly expectedFrom: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TenantHomeMoveError';
  }
}
