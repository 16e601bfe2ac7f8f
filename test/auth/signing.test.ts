import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generateSigningSecret,
  parseSignatureTimestamp,
  SIGNATURE_TOLERANCE_MS,
  signRequest,
  verifyRequestSignature,
} from '../../src/auth/signing.js';

const SECRET = 'ugps_test-secret-0000000000000000000000000';
const NOW_MS = Date.parse('2026-11-29T06:00:00Z');
const NOW_S = String(NOW_MS / 1000);
const BODY = '{"events":[{"event_id":"e1","type":"install"}]}';

function signed(overrides: Partial<Parameters<typeof verifyRequestSignature>[0]> = {}) {
  return {
    secret: SECRET,
    timestamp: NOW_S,
    signature: signRequest(SECRET, NOW_S, BODY),
    body: BODY,
    nowMs: NOW_MS,
    ...overrides,
  };
}

describe('signed requests', () => {
  describe('the signature scheme', () => {
    it('is v1= and the hex HMAC-SHA256 of "<timestamp>.<raw body>" under the secret', () => {
      const expected = createHmac('sha256', SECRET).update(`${NOW_S}.${BODY}`).digest('hex');
      expect(signRequest(SECRET, NOW_S, BODY)).toBe(`v1=${expected}`);
    });

    it('gives the example of docs/api.md', () => {
      expect(signRequest('ugps_example', '1795932000', '{"events":[]}')).toBe(
        'v1=521fcbaaad26e1b614930e0dbaf5e86ca70618875faf0034edfe00be703e7b92',
      );
    });

    it('makes a fresh 256-bit secret each time', () => {
      const a = generateSigningSecret();
      expect(a).toMatch(/^ugps_[A-Za-z0-9_-]{43}$/);
      expect(generateSigningSecret()).not.toBe(a);
    });
  });

  describe('verifyRequestSignature', () => {
    it('accepts a request signed with the secret over the body and a fresh unix-seconds timestamp', () => {
      expect(verifyRequestSignature(signed())).toEqual({ ok: true });
    });

    it('accepts an ISO-8601 timestamp, signed exactly as sent', () => {
      const iso = '2026-11-29T06:02:00Z';
      expect(
        verifyRequestSignature(signed({ timestamp: iso, signature: signRequest(SECRET, iso, BODY) })),
      ).toEqual({ ok: true });
    });

    it('accepts any one matching v1 value among several (a client changing secrets)', () => {
      const other = signRequest('ugps_old-secret', NOW_S, BODY);
      expect(
        verifyRequestSignature(signed({ signature: `${other}, ${signRequest(SECRET, NOW_S, BODY)}` })),
      ).toEqual({ ok: true });
    });

    it.each([
      ['a wrong secret', { signature: signRequest('ugps_wrong', NOW_S, BODY) }, 'mismatch'],
      ['a tampered body', { body: BODY.replace('install', 'purchase') }, 'mismatch'],
      ['a timestamp other than the signed one', { timestamp: String(NOW_MS / 1000 - 1) }, 'mismatch'],
      ['no timestamp header', { timestamp: undefined }, 'missing_timestamp'],
      ['no signature header', { signature: undefined }, 'missing_signature'],
      ['an empty signature header', { signature: '  ' }, 'missing_signature'],
      ['an unreadable timestamp', { timestamp: 'yesterday' }, 'invalid_timestamp'],
      ['a signature without v1=', { signature: 'sha256=abc' }, 'malformed_signature'],
      ['a v1 value that is not 64 hex digits', { signature: 'v1=abcd' }, 'malformed_signature'],
    ])('refuses %s', (_name, overrides, reason) => {
      const check = verifyRequestSignature(signed(overrides));
      expect(check).toMatchObject({ ok: false, reason });
    });

    it.each([
      ['stale: 5 minutes and 1 second old', -SIGNATURE_TOLERANCE_MS - 1000],
      ['from the future: 5 minutes and 1 second ahead', SIGNATURE_TOLERANCE_MS + 1000],
    ])('refuses a timestamp %s, even when correctly signed', (_name, offsetMs) => {
      const ts = String((NOW_MS + offsetMs) / 1000);
      const check = verifyRequestSignature(
        signed({ timestamp: ts, signature: signRequest(SECRET, ts, BODY) }),
      );
      expect(check).toEqual({
        ok: false,
        reason: 'stale_timestamp',
        message: 'x-ugp-timestamp: more than 5 minutes from the server time',
      });
    });

    it('accepts a timestamp exactly 5 minutes old', () => {
      const ts = String((NOW_MS - SIGNATURE_TOLERANCE_MS) / 1000);
      expect(
        verifyRequestSignature(signed({ timestamp: ts, signature: signRequest(SECRET, ts, BODY) })),
      ).toEqual({
        ok: true,
      });
    });

    it('names the header at fault, never the expected signature', () => {
      const check = verifyRequestSignature(signed({ signature: signRequest('ugps_wrong', NOW_S, BODY) }));
      const expected = signRequest(SECRET, NOW_S, BODY).slice(3);
      expect(check.ok).toBe(false);
      if (!check.ok) {
        expect(check.message).toMatch(/^x-ugp-signature: /);
        expect(check.message).not.toContain(expected);
      }
    });
  });

  describe('parseSignatureTimestamp', () => {
    it.each([
      ['1795932000', Date.parse('2026-11-29T06:00:00Z')],
      ['2026-11-29T06:00:00Z', Date.parse('2026-11-29T06:00:00Z')],
      ['2026-11-29T07:00:00+01:00', Date.parse('2026-11-29T06:00:00Z')],
      ['1795932000.5', undefined],
      ['29 Nov 2026', undefined],
      ['', undefined],
    ])('reads %j as %s', (value, expected) => {
      expect(parseSignatureTimestamp(value)).toBe(expected);
    });
  });
});
