import { exportJWK, generateKeyPair, type JSONWebKeySet, jwtVerify, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { JwksCache } from '../../src/auth/jwks-cache.js';
import { createTokenVerifier, VerificationKeyUnavailableError } from '../../src/auth/jwt.js';
import { loadRuntimeConfig } from '../../src/config/runtime.js';

/**
 * Bearer tokens of the home region's user pool verify in every region without a call to that region on
 * the request path (issue 12, item 3): the pool's keys are cached for the container's life.
 */

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example';
type Pair = Awaited<ReturnType<typeof generateKeyPair>>;

let current: Pair;
let rotated: Pair;
let jwks: JSONWebKeySet;
let rotatedJwks: JSONWebKeySet;

const publicJwk = async (pair: Pair, kid: string) => ({
  ...(await exportJWK(pair.publicKey)),
  kid,
  alg: 'RS256',
  use: 'sig',
});

const token = (pair: Pair, kid: string) =>
  new SignJWT({ 'custom:role': 'analyst', 'custom:tenant': 'acme' })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setSubject('user-1')
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(pair.privateKey);

/** The issuer's JWKS endpoint: counts fetches, and fails when its region is down. */
function issuerEndpoint(initial: JSONWebKeySet) {
  const state = { jwks: initial, down: false, fetches: 0 };
  return {
    state,
    fetchJwks: async () => {
      state.fetches++;
      if (state.down) throw new Error('connect ETIMEDOUT cognito-idp.us-east-1.amazonaws.com');
      return state.jwks;
    },
  };
}

/** Verifies through the cache the way `createTokenVerifier` does. */
const verifierOver = (cache: JwksCache) => (jwt: string) => jwtVerify(jwt, cache.getKey, { issuer: ISSUER });

beforeAll(async () => {
  current = await generateKeyPair('RS256');
  rotated = await generateKeyPair('RS256');
  jwks = { keys: [await publicJwk(current, 'k1')] };
  rotatedJwks = { keys: [await publicJwk(current, 'k1'), await publicJwk(rotated, 'k2')] };
});

describe('the JWKS cache of a region', () => {
  it('fetches the keys once, then verifies every token from memory', async () => {
    // Prepare
    let clock = 0;
    const issuer = issuerEndpoint(jwks);
    const cache = new JwksCache({ fetchJwks: issuer.fetchJwks, now: () => clock });
    const verify = verifierOver(cache);

    // Act
    for (let i = 0; i < 5; i++) {
      clock += 60_000;
      await verify(await token(current, 'k1'));
    }

    // Assess
    expect(issuer.state.fetches).toBe(1);
  });

  it("keeps verifying while the issuer's region is down, with the keys it has", async () => {
    // Prepare
    let clock = 0;
    const issuer = issuerEndpoint(jwks);
    const errors: unknown[] = [];
    const cache = new JwksCache({
      fetchJwks: issuer.fetchJwks,
      now: () => clock,
      onRefreshError: (e) => errors.push(e),
    });
    const verify = verifierOver(cache);
    await verify(await token(current, 'k1'));
    issuer.state.down = true;

    // Act: two hours later, past the refresh age, every verification still succeeds.
    clock += 2 * 3_600_000;
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await verify(await token(current, 'k1')));

    // Assess
    expect(results.map((r) => r.payload.sub)).toEqual(['user-1', 'user-1', 'user-1']);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('needs no fetch at all when the keys were given at deploy time', async () => {
    // Prepare
    const issuer = issuerEndpoint(jwks);
    issuer.state.down = true;
    const cache = new JwksCache({ fetchJwks: issuer.fetchJwks, seed: jwks });

    // Act
    const { payload } = await verifierOver(cache)(await token(current, 'k1'));

    // Assess
    expect(payload.sub).toBe('user-1');
    expect(issuer.state.fetches).toBe(0);
  });

  it('fetches again for a key id it does not know (rotation), at most once per cooldown', async () => {
    // Prepare
    let clock = 0;
    const issuer = issuerEndpoint(jwks);
    const cache = new JwksCache({ fetchJwks: issuer.fetchJwks, now: () => clock, cooldownMs: 30_000 });
    const verify = verifierOver(cache);
    await verify(await token(current, 'k1'));
    clock += 60_000;
    issuer.state.jwks = rotatedJwks;

    // Act
    await verify(await token(rotated, 'k2'));
    const afterRotation = issuer.state.fetches;
    await expect(verify(await token(rotated, 'forged'))).rejects.toThrow();
    await expect(verify(await token(rotated, 'forged-again'))).rejects.toThrow();
    const withinCooldown = issuer.state.fetches;
    clock += 31_000;
    await expect(verify(await token(rotated, 'forged-later'))).rejects.toThrow();

    // Assess: the initial fetch and the rotation; forged kids within the cooldown fetch nothing.
    expect(afterRotation).toBe(2);
    expect(withinCooldown).toBe(2);
    expect(issuer.state.fetches).toBe(3);
  });

  it('reports unreadable keys as a platform fault (503), not as a bad token, on a cold start', async () => {
    // Prepare
    const verify = createTokenVerifier({ jwksUrl: 'http://127.0.0.1:9/jwks.json', issuer: ISSUER });

    // Act / Assess
    await expect(verify(await token(current, 'k1'))).rejects.toBeInstanceOf(VerificationKeyUnavailableError);
  });

  it('verifies with UNMOGROWP_JWKS alone, without fetching', async () => {
    // Prepare
    const config = loadRuntimeConfig({
      UNMOGROWP_JWKS: JSON.stringify(jwks),
      UNMOGROWP_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
      UNMOGROWP_JWT_ISSUER: ISSUER,
    });
    const verify = createTokenVerifier({
      jwksUrl: config.auth.jwksUrl ?? '',
      ...(config.auth.jwks ? { jwks: config.auth.jwks } : {}),
      issuer: ISSUER,
    });

    // Act / Assess
    await expect(verify(await token(current, 'k1'))).resolves.toMatchObject({ tenantId: 'acme' });
  });

  it('refuses an UNMOGROWP_JWKS that is not a key set, naming the variable', () => {
    expect(() => loadRuntimeConfig({ UNMOGROWP_JWKS: '{"nokeys":1}' })).toThrow(
      'UNMOGROWP_JWKS must be a JWKS: {"keys": [...]}',
    );
  });
});
