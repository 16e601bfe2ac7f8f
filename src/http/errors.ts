/**
 * Typed errors of the HTTP API. Code below the edge throws these (or its own typed errors); only the
 * edge (`toErrorResponse`) turns them into SPEC §3's single error shape. A stack trace never leaves.
 */

/** One item of the error shape's `details` list. */
export interface ErrorDetail {
  readonly field?: string;
  readonly index?: number;
  readonly code?: string;
  readonly message: string;
}

export interface ApiErrorOptions {
  readonly details?: readonly ErrorDetail[];
  readonly cause?: unknown;
  /** Extra facts for the logs; never sent to the caller. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** An error with an HTTP status and a machine-readable code, safe to show to the caller. */
export class ApiError extends Error {
  readonly details: readonly ErrorDetail[];
  readonly context: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ApiError';
    this.details = options.details ?? [];
    this.context = options.context ?? {};
    this.headers = options.headers ?? {};
  }
}

/** 400: the request is malformed or fails validation. */
export class BadRequestError extends ApiError {
  constructor(code: string, message: string, options?: ApiErrorOptions) {
    super(400, code, message, options);
    this.name = 'BadRequestError';
  }
}

/** 401: no credential, or one that does not verify. */
export class UnauthorizedError extends ApiError {
  constructor(message = 'missing or invalid credentials', options?: ApiErrorOptions & { code?: string }) {
    super(401, options?.code ?? 'unauthorized', message, options);
    this.name = 'UnauthorizedError';
  }
}

/** 403: a valid credential whose role does not allow the action. */
export class ForbiddenError extends ApiError {
  constructor(message = 'your role does not allow this action', options?: ApiErrorOptions) {
    super(403, 'forbidden', message, options);
    this.name = 'ForbiddenError';
  }
}

/** 404: unknown, or not the caller's (the two answer alike so existence never leaks). */
export class NotFoundError extends ApiError {
  constructor(message = 'not found', options?: ApiErrorOptions & { code?: string }) {
    super(404, options?.code ?? 'not_found', message, options);
    this.name = 'NotFoundError';
  }
}

/** 409: the resource already exists. */
export class ConflictError extends ApiError {
  constructor(message: string, options?: ApiErrorOptions) {
    super(409, 'conflict', message, options);
    this.name = 'ConflictError';
  }
}

/** 413: body or batch over SPEC §3's limits. */
export class PayloadTooLargeError extends ApiError {
  constructor(
    code: 'body_too_large' | 'batch_too_large' | 'replay_too_large',
    message: string,
    options?: ApiErrorOptions,
  ) {
    super(413, code, message, options);
    this.name = 'PayloadTooLargeError';
  }
}

/** 415: not `application/json`. */
export class UnsupportedMediaTypeError extends ApiError {
  constructor(received: string | undefined, options?: ApiErrorOptions) {
    super(
      415,
      'unsupported_media_type',
      `Content-Type must be application/json. Received ${received ? JSON.stringify(received) : 'none'}`,
      options,
    );
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** 429: over a rate limit or quota. */
export class TooManyRequestsError extends ApiError {
  constructor(message: string, retryAfterSeconds: number, options?: ApiErrorOptions) {
    super(429, 'rate_limited', message, {
      ...options,
      headers: { ...options?.headers, 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
    this.name = 'TooManyRequestsError';
  }
}

/** 503: a dependency (stream, table) is unavailable; the call is safe to retry. */
export class ServiceUnavailableError extends ApiError {
  constructor(message: string, options?: ApiErrorOptions & { retryAfterSeconds?: number }) {
    super(503, 'service_unavailable', message, {
      ...options,
      headers: { ...options?.headers, 'retry-after': String(options?.retryAfterSeconds ?? 1) },
    });
    this.name = 'ServiceUnavailableError';
  }
}

/** SPEC §3 error body. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: readonly ErrorDetail[];
  };
}

export function errorBody(code: string, message: string, details: readonly ErrorDetail[] = []): ErrorBody {
  return { error: { code, message, details } };
}

/** Maps anything thrown to a status, headers and the error shape. Unknown errors become a bare 500. */
export function describeError(error: unknown): {
  statusCode: number;
  headers: Readonly<Record<string, string>>;
  body: ErrorBody;
} {
  if (error instanceof ApiError) {
    return {
      statusCode: error.statusCode,
      headers: error.headers,
      body: errorBody(error.code, error.message, error.details),
    };
  }
  return { statusCode: 500, headers: {}, body: errorBody('internal_error', 'internal error') };
}
