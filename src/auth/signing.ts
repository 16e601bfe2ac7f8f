import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed requests (anti SDK spoofing). An app with a signing secret accepts `POST /v1/events` and
 * `POST /v1/touchpoints` only with
 *
 * - `x-ugp-timestamp`: the send time, unix seconds (`1764400000`) or ISO-8601 (`2026-11-29T07:06:40Z`),
 *   within 5 minutes of the server clock either way;
 * - `x-ugp-signature: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`, the timestamp exactly as sent in
 *   its header. Several comma-separated `v1=` values are allowed (any one matching passes).
 *
 * @example
 * const timestamp = String(Math.floor(Date.now() / 1000));
 * const headers = { 'x-ugp-timestamp': timestamp, 'x-ugp-signature': signRequest(secret, timestamp, body) };
 */

export const TIMESTAMP_HEADER = 'x-ugp-timestamp';
export const SIGNATURE_HEADER = 'x-ugp-signature';
/** How far the timestamp may be from the server clock, either way. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;
const SCHEME = 'v1';
const SECRET_PREFIX = 'ugps_';

/** A new signing secret: 256 random bits, shown once to the app team. */
export function generateSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

function hmac(secret: string, timestamp: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest();
}

/** The `x-ugp-signature` value for a body sent with `timestamp` (as written in `x-ugp-timestamp`). */
export function signRequest(secret: string, timestamp: string, body: string): string {
  return `${SCHEME}=${hmac(secret, timestamp, body).toString('hex')}`;
}

/** Epoch ms of an `x-ugp-timestamp` value (unix seconds or ISO-8601 date-time), or undefined. */
export function parseSignatureTimestamp(value: string): number | undefined {
  const text = value.trim();
  if (/^\d{1,12}$/.test(text)) return Number(text) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

export type SignatureFailure =
  | 'missing_timestamp'
  | 'missing_signature'
  | 'invalid_timestamp'
  | 'stale_timestamp'
  | 'malformed_signature'
  | 'mismatch';

export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: SignatureFailure; readonly message: string };

export interface SignedRequest {
  readonly secret: string;
  /** `x-ugp-timestamp` as received. */
  readonly timestamp: string | undefined;
  /** `x-ugp-signature` as received. */
  readonly signature: string | undefined;
  /** The raw body text. */
  readonly body: string;
  readonly nowMs: number;
  /** @default SIGNATURE_TOLERANCE_MS */
  readonly toleranceMs?: number;
}

const fail = (reason: SignatureFailure, message: string): SignatureCheck => ({ ok: false, reason, message });

/**
 * Checks a signed request. Signatures are compared in constant time; the message names the header at
 * fault but never the expected value.
 */
export function verifyRequestSignature(request: SignedRequest): SignatureCheck {
  const { timestamp, signature } = request;
  if (!timestamp?.trim()) return fail('missing_timestamp', `missing ${TIMESTAMP_HEADER} header`);
  if (!signature?.trim()) return fail('missing_signature', `missing ${SIGNATURE_HEADER} header`);
  const sentMs = parseSignatureTimestamp(timestamp);
  if (sentMs === undefined) {
    return fail('invalid_timestamp', `${TIMESTAMP_HEADER}: expected unix seconds or an ISO-8601 date-time`);
  }
  const toleranceMs = request.toleranceMs ?? SIGNATURE_TOLERANCE_MS;
  if (Math.abs(request.nowMs - sentMs) > toleranceMs) {
    return fail(
      'stale_timestamp',
      `${TIMESTAMP_HEADER}: more than ${toleranceMs / 60_000} minutes from the server time`,
    );
  }
  const candidates = signature
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SCHEME}=`))
    .map((part) => part.slice(SCHEME.length + 1));
  const wellFormed = candidates.filter((hex) => /^[0-9a-f]{64}$/i.test(hex));
  if (wellFormed.length === 0) {
    return fail('malformed_signature', `${SIGNATURE_HEADER}: expected v1=<64 hex digits>`);
  }
  const expected = hmac(request.secret, timestamp, request.body);
  const matches = wellFormed.some((hex) => timingSafeEqual(Buffer.from(hex, 'hex'), expected));
  return matches
    ? { ok: true }
    : fail('mismatch', `${SIGNATURE_HEADER}: does not match the body and timestamp under the app's secret`);
}
