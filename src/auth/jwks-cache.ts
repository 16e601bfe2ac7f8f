import {
  type CompactJWSHeaderParameters,
  createLocalJWKSet,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';

/**
 * The issuer's signing keys (JWKS), cached for the life of the container so that verifying a bearer
 * token makes no network call on the request path: the Cognito user pool lives in the home region, and a
 * token verified in another region must not depend on reaching it. The keys are fetched once (or read
 * from a JWKS given at deploy time, when there is one), served from memory afterwards, refreshed in the
 * background once they are `refreshAfterMs` old, and kept when a refresh fails. Only a token signed by a
 * key the cache does not know (a key rotation) makes a request wait for a fetch, at most once per
 * `cooldownMs`.
 */

export interface JwksCacheOptions {
  /** Reads the issuer's JWKS (the `jwks.json` of the user pool or OIDC issuer). */
  readonly fetchJwks: () => Promise<JSONWebKeySet>;
  /**
   * Keys known without any fetch (e.g. the pool's JWKS given at deploy time in `UNMOGROWP_JWKS`).
   * @default none: the first token verified fetches the keys
   */
  readonly seed?: JSONWebKeySet;
  /**
   * Age after which the keys are refreshed in the background (the request does not wait).
   * @default 3,600,000 (one hour)
   */
  readonly refreshAfterMs?: number;
  /**
   * Least time between two fetches caused by unknown key ids, so forged `kid`s cannot make every
   * request fetch.
   * @default 30,000
   */
  readonly cooldownMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** Told when a background refresh fails (the old keys stay in use). @default ignored */
  readonly onRefreshError?: (error: unknown) => void;
}

/** Fetches a JWKS over HTTPS with a timeout. */
export function httpJwksFetcher(url: string, timeoutMs = 5000): () => Promise<JSONWebKeySet> {
  return async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`JWKS ${url} answered HTTP ${response.status}`);
    const body = (await response.json()) as JSONWebKeySet;
    if (!Array.isArray(body?.keys)) throw new Error(`JWKS ${url} has no keys array`);
    return body;
  };
}

/** The issuer's keys could not be fetched and none are cached. */
export class JwksUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwksUnavailableError';
  }
}

export class JwksCache {
  private keys: { readonly jwks: JSONWebKeySet; readonly getKey: JWTVerifyGetKey } | undefined;
  private fetchedAtMs = Number.NEGATIVE_INFINITY;
  private lastFetchStartMs = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private readonly refreshAfterMs: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  /** Fetches made so far (for tests and logs). */
  fetches = 0;

  constructor(private readonly options: JwksCacheOptions) {
    this.refreshAfterMs = options.refreshAfterMs ?? 3_600_000;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.now = options.now ?? Date.now;
    if (options.seed) {
      this.use(options.seed);
      this.fetchedAtMs = this.now();
    }
  }

  /** The `getKey` function jose's `jwtVerify` takes. */
  readonly getKey: JWTVerifyGetKey = async (
    header: CompactJWSHeaderParameters,
    token: FlattenedJWSInput,
  ): Promise<Awaited<ReturnType<JWTVerifyGetKey>>> => {
    if (!this.keys) await this.fetch(true);
    const keys = this.keys;
    if (!keys) throw new JwksUnavailableError('the issuer signing keys cannot be read');
    try {
      const key = await keys.getKey(header, token);
      if (this.now() - this.fetchedAtMs >= this.refreshAfterMs) void this.fetch(false);
      return key;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
      if (this.now() - this.lastFetchStartMs < this.cooldownMs) throw error;
      // A key id we do not know: the issuer may have rotated its keys. Fetch once and look again.
      await this.fetch(false);
      return (this.keys ?? keys).getKey(header, token);
    }
  };

  private use(jwks: JSONWebKeySet): void {
    this.keys = { jwks, getKey: createLocalJWKSet(jwks) };
  }

  /** One fetch at a time; `required`: no keys yet, so a failure is the caller's error. */
  private fetch(required: boolean): Promise<void> {
    if (!this.inFlight) {
      this.lastFetchStartMs = this.now();
      this.fetches++;
      this.inFlight = this.options
        .fetchJwks()
        .then((jwks) => {
          this.use(jwks);
          this.fetchedAtMs = this.now();
        })
        .finally(() => {
          this.inFlight = undefined;
        });
    }
    return this.inFlight.catch((cause: unknown) => {
      if (required || !this.keys) {
        throw new JwksUnavailableError('the issuer signing keys cannot be read', { cause });
      }
      this.options.onRefreshError?.(cause);
    });
  }
}
