/**
 * Errors of the application: what a port's implementation throws when the outside world says no. All
 * extend `ApplicationError`; the HTTP edge maps them to statuses, the consumer to failed records.
 */

/** The base of every application error: a `name` ending in `Error`, a message, and a `cause`. */
export class ApplicationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApplicationError';
  }
}

/** A resource to be created already exists (tenant id, app id). */
export class AlreadyExistsError extends ApplicationError {
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
export class MissingResourceError extends ApplicationError {
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
export class StreamPublishError extends ApplicationError {
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
export class LakeDeliveryError extends ApplicationError {
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
export class LakeQueryError extends ApplicationError {
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
export class StoreThrottledError extends ApplicationError {
  constructor(
    message: string,
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreThrottledError';
  }
}

/** An app already has as many live API keys as a rotation may leave behind. */
export class TooManyApiKeysError extends ApplicationError {
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
export class TenantHomeMoveError extends ApplicationError {
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
