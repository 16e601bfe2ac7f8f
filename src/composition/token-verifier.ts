import { secretStringReader } from '../adapters/secrets/secret-reader.js';
import { createTokenVerifier, type TokenVerifier } from '../auth/jwt.js';
import type { RuntimeConfig } from '../config/runtime.js';

/**
 * The bearer token verifier a handler (or the API Gateway token authorizer) builds from its runtime
 * config: a local HS256 secret, else the Secrets Manager signing secret, else the issuer's JWKS.
 * @example
 * const verify = tokenVerifierFor(loadRuntimeConfig());
 */
export function tokenVerifierFor(
  config: Pick<RuntimeConfig, 'auth' | 'region' | 'endpoints'>,
): TokenVerifier {
  const { auth } = config;
  return createTokenVerifier({
    ...(auth.jwtSecret ? { secret: auth.jwtSecret } : {}),
    ...(auth.jwtSecretId
      ? {
          secretProvider: secretStringReader({
            secretId: auth.jwtSecretId,
            region: config.region,
            ...(config.endpoints.secretsManager ? { endpoint: config.endpoints.secretsManager } : {}),
          }),
        }
      : {}),
    ...(auth.jwksUrl ? { jwksUrl: auth.jwksUrl } : {}),
    ...(auth.jwks ? { jwks: auth.jwks } : {}),
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
  });
}
