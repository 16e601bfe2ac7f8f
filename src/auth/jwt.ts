import { type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import * as z from 'zod';
import { httpJwksFetcher, JwksCache, JwksUnavailableError } from './jwks-cache.js';
import { ROLES, type UserPrincipal } from './permissions.js';

/**
 * Bearer token verification. Locally (and in tests) tokens are HS256-signed with a secret from the
 * config; in the cloud they come from an OIDC issuer (Cognito or another) and are checked against its
 * JWKS, or are HS256 service tokens signed with a secret kept in Secrets Manager. Claims: `sub`, `role`
 * and `tenant` (a tenant id, or `*` for the platform owner). Cognito ID tokens carry the user pool's
 * custom attributes instead, `custom:role` and `custom:tenant`; they are accepted as the same claims.
 */

export interface TokenVerifierOptions {
  /** HS256 secret of locally signed tokens. */
  readonly secret?: string;
  /**
   * Reads the HS256 secret when a token is first verified (e.g. from Secrets Manager); used when no
   * `secret` is set. The provider caches the value itself.
   */
  readonly secretProvider?: () => Promise<string>;
  /** JWKS URL of the issuer; used when no secret is set. Its keys are cached (`JwksCache`). */
  readonly jwksUrl?: string;
  /**
   * The issuer's keys, known without a fetch (with `jwksUrl`, which is fetched only for a key id not in it).
   * @default fetched from `jwksUrl` when the first token is verified
   */
  readonly jwks?: JSONWebKeySet;
  /** Expected `iss`. @default not checked */
  readonly issuer?: string;
  /** Expected `aud`. @default not checked */
  readonly audience?: string;
}

/** Raised when a bearer token is missing, malformed, expired or carries unusable claims. */
export class InvalidTokenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidTokenError';
  }
}

/**
 * Raised when the key that verifies tokens cannot be read (e.g. Secrets Manager unreachable): a fault
 * of the platform, not of the caller's token, so it is not an `InvalidTokenError`.
 */
export class VerificationKeyUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VerificationKeyUnavailableError';
  }
}

export type TokenVerifier = (token: string) => Promise<UserPrincipal>;

const ClaimsSchema = z.object({
  sub: z.string().min(1),
  role: z.enum(ROLES),
  tenant: z.string().min(1).max(64),
});

/** Claims of a Cognito ID token that stand for `role` and `tenant` (custom attributes of the pool). */
export const COGNITO_CLAIM_ALIASES = { role: 'custom:role', tenant: 'custom:tenant' } as const;

/** `role` and `tenant` from the plain claims, else from their Cognito custom-attribute aliases. */
function withAliases(payload: JWTPayload): Record<string, unknown> {
  return {
    ...payload,
    role: payload.role ?? payload[COGNITO_CLAIM_ALIASES.role],
    tenant: payload.tenant ?? payload[COGNITO_CLAIM_ALIASES.tenant],
  };
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (options.secret) {
    key = new TextEncoder().encode(options.secret);
    algorithms = ['HS256'];
  } else if (options.secretProvider) {
    const provide = options.secretProvider;
    key = async () => {
      try {
        return new TextEncoder().encode(await provide());
      } catch (cause) {
        throw new VerificationKeyUnavailableError('the bearer token signing secret cannot be read', {
          cause,
        });
      }
    };
    algorithms = ['HS256'];
  } else if (options.jwksUrl || options.jwks) {
    const url = options.jwksUrl;
    const cache = new JwksCache({
      fetchJwks: url
        ? httpJwksFetcher(new URL(url).toString())
        : () => Promise.reject(new Error('no JWKS URL is configured to fetch unknown keys from')),
      ...(options.jwks ? { seed: options.jwks } : {}),
    });
    key = async (header, token) => {
      try {
        return await cache.getKey(header, token);
      } catch (cause) {
        if (!(cause instanceof JwksUnavailableError)) throw cause;
        throw new VerificationKeyUnavailableError("the issuer's signing keys cannot be read", { cause });
      }
    };
    algorithms = ['RS256', 'ES256'];
  } else {
    return async () => {
      throw new InvalidTokenError(
        'bearer tokens are not configured (set a JWT secret, a Secrets Manager secret id or a JWKS URL)',
      );
    };
  }
  return async (token) => {
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, key as Uint8Array, {
        algorithms,
        ...(options.issuer ? { issuer: options.issuer } : {}),
        ...(options.audience ? { audience: options.audience } : {}),
      });
      payload = verified.payload;
    } catch (cause) {
      if (cause instanceof VerificationKeyUnavailableError) throw cause;
      throw new InvalidTokenError(`bearer token rejected: ${(cause as Error).message}`, { cause });
    }
    const claims = ClaimsSchema.safeParse(withAliases(payload));
    if (!claims.success) throw new InvalidTokenError('bearer token lacks valid sub, role or tenant claims');
    return { kind: 'user', subject: claims.data.sub, role: claims.data.role, tenantId: claims.data.tenant };
  };
}

/**
 * Signs a token with the local secret (local mode's admin token, tests).
 * @example
 * const token = await signLocalToken(secret, { sub: 'me', role: 'owner', tenant: '*' });
 */
export async function signLocalToken(
  secret: string,
  claims: { sub: string; role: (typeof ROLES)[number]; tenant: string },
  options: { expiresIn?: string; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({ role: claims.role, tenant: claims.tenant })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h');
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
