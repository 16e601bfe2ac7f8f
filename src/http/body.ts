import { REQUEST_LIMITS } from '../definitions/routes.js';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from './errors.js';
import type { HttpRequest } from './request.js';

/**
 * Reads a JSON body under SPEC §3's limits: `application/json` only (415), at most 1 MiB (413),
 * well-formed JSON (400 naming the problem) and an object at the top.
 */
export function readJsonBody(
  request: HttpRequest,
  maxBodyBytes: number = REQUEST_LIMITS.maxBodyBytes,
): Record<string, unknown> {
  const contentType = request.headers['content-type'];
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') throw new UnsupportedMediaTypeError(contentType);
  const declared = Number(request.headers['content-length']);
  const body = request.body ?? '';
  const size = Math.max(Number.isFinite(declared) ? declared : 0, Buffer.byteLength(body, 'utf8'));
  if (size > maxBodyBytes) {
    throw new PayloadTooLargeError(
      'body_too_large',
      `request body is ${size} bytes; the limit is ${maxBodyBytes} bytes (1 MiB)`,
    );
  }
  if (body.trim() === '')
    throw new BadRequestError('invalid_json', 'request body is empty; expected a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (cause) {
    throw new BadRequestError('invalid_json', `request body is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestError(
      'invalid_request',
      `request body must be a JSON object. Received ${kindOf(value)}`,
    );
  }
  return value as Record<string, unknown>;
}

export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * Takes the batch array out of a body (`events`, `touchpoints`), enforcing its length limit.
 */
export function readBatch(body: Record<string, unknown>, field: string, maxItems: number): unknown[] {
  const items = body[field];
  if (!Array.isArray(items)) {
    throw new BadRequestError('invalid_request', `${field}: expected an array. Received ${kindOf(items)}`, {
      details: [{ field, message: 'expected an array' }],
    });
  }
  if (items.length === 0) {
    throw new BadRequestError('invalid_request', `${field}: expected at least 1 item`, {
      details: [{ field, message: 'expected at least 1 item' }],
    });
  }
  if (items.length > maxItems) {
    throw new PayloadTooLargeError(
      'batch_too_large',
      `${field}: ${items.length} items; at most ${maxItems} are allowed a request`,
    );
  }
  return items;
}
