import { describe, expect, it } from 'vitest';
import { InvalidTokenError, VerificationKeyUnavailableError } from '../../src/auth/jwt.js';
import { ApiError } from '../../src/http/errors.js';
import { createAuthenticator } from '../../src/http/services.js';

const request = {
  method: 'GET',
  path: '/v1/reports/x/installs',
  headers: { authorization: 'Bearer abc' },
  query: {},
};

function authenticatorFailingWith(error: Error) {
  return createAuthenticator({
    registry: {} as never,
    verifyToken: async () => {
      throw error;
    },
  });
}

async function statusOf(
  promise: Promise<unknown>,
): Promise<{ status: number; headers: Record<string, string> }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  const api = error as ApiError;
  return { status: api.statusCode, headers: { ...api.headers } };
}

describe('bearer authentication errors', () => {
  it('answers 401 for a bad token', async () => {
    const { status } = await statusOf(
      authenticatorFailingWith(new InvalidTokenError('bad')).bearer(request as never),
    );
    expect(status).toBe(401);
  });

  it('answers a retryable 503, not 401, when the verification key cannot be read', async () => {
    const { status, headers } = await statusOf(
      authenticatorFailingWith(new VerificationKeyUnavailableError('secrets manager down')).bearer(
        request as never,
      ),
    );
    expect(status).toBe(503);
    expect(headers['retry-after']).toBe('5');
  });
});
