import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenVerifier,
  InvalidTokenError,
  signLocalToken,
  VerificationKeyUnavailableError,
} from '../../src/auth/jwt.js';
import { createTokenAuthorizer, stageWildcardArn, UNAUTHORIZED } from '../../src/auth/token-authorizer.js';
import { tokenVerifierFor } from '../../src/composition/token-verifier.js';
import { loadRuntimeConfig } from '../../src/config/runtime.js';

const POOL_ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example';
const CLIENT_ID = '4abcdefexampleclientid';
const SECRET = 'service-token-secret-0123456789abcdef0123456789abcdef';
const METHOD_ARN =
  'arn:aws:execute-api:eu-west-1:111122223333:a1b2c3/dev/GET/v1/reports/com.demo.game/installs';

/** A user pool stand-in: an RS256 key whose public half is served as a JWKS over local HTTP. */
let server: Server;
let jwksUrl: string;
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'pool-key', alg: 'RS256', use: 'sig' };
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** An ID token shaped like Cognito's: custom attributes instead of `role`/`tenant`, `aud` the client id. */
function cognitoIdToken(claims: Record<string, unknown>, options: { issuer?: string } = {}) {
  return new SignJWT({ token_use: 'id', email: 'ana@acme.example', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'pool-key' })
    .setSubject('0f6c2c8e-user')
    .setIssuer(options.issuer ?? POOL_ISSUER)
    .setAudience(CLIENT_ID)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}

describe('Cognito ID tokens', () => {
  const verifier = () => createTokenVerifier({ jwksUrl, issuer: POOL_ISSUER, audience: CLIENT_ID });

  it('reads custom:role and custom:tenant as the role and tenant claims', async () => {
    const token = await cognitoIdToken({ 'custom:role': 'analyst', 'custom:tenant': 'acme' });

    await expect(verifier()(token)).resolves.toEqual({
      kind: 'user',
      subject: '0f6c2c8e-user',
      role: 'analyst',
      tenantId: 'acme',
    });
  });

  it('prefers plain role and tenant claims when a token carries both', async () => {
    const token = await cognitoIdToken({
      role: 'viewer',
      tenant: 'acme',
      'custom:role': 'owner',
      'custom:tenant': '*',
    });

    await expect(verifier()(token)).resolves.toMatchObject({ role: 'viewer', tenantId: 'acme' });
  });

  it('rejects a token without a role in either form', async () => {
    const token = await cognitoIdToken({ 'custom:tenant': 'acme' });

    await expect(verifier()(token)).rejects.toThrow('bearer token lacks valid sub, role or tenant claims');
  });

  it('rejects a role the platform does not know', async () => {
    const token = await cognitoIdToken({ 'custom:role': 'superuser', 'custom:tenant': 'acme' });

    await expect(verifier()(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it("rejects another pool's token", async () => {
    const token = await cognitoIdToken(
      { 'custom:role': 'owner', 'custom:tenant': '*' },
      { issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' },
    );

    await expect(verifier()(token)).rejects.toThrow(/bearer token rejected: .*iss/);
  });
});

describe('service tokens signed with the Secrets Manager secret', () => {
  it('reads the secret through the provider and verifies HS256 tokens with it', async () => {
    let reads = 0;
    const verify = createTokenVerifier({
      secretProvider: async () => {
        reads += 1;
        return SECRET;
      },
      issuer: 'unmogrowp',
    });
    const token = await signLocalToken(
      SECRET,
      { sub: 'ci', role: 'admin', tenant: 'acme' },
      { issuer: 'unmogrowp' },
    );

    await expect(verify(token)).resolves.toMatchObject({ subject: 'ci', role: 'admin', tenantId: 'acme' });
    expect(reads).toBe(1);
  });

  it('rejects a token signed with another secret as an invalid token', async () => {
    const verify = createTokenVerifier({ secretProvider: async () => SECRET });
    const token = await signLocalToken(`${SECRET}-other`, { sub: 'ci', role: 'admin', tenant: 'acme' });

    await expect(verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('reports an unreadable secret as a platform fault, not as a bad token', async () => {
    const verify = createTokenVerifier({
      secretProvider: () => Promise.reject(new Error('AccessDeniedException')),
    });
    const token = await signLocalToken(SECRET, { sub: 'ci', role: 'admin', tenant: 'acme' });

    await expect(verify(token)).rejects.toBeInstanceOf(VerificationKeyUnavailableError);
  });
});

describe('runtime config of bearer tokens', () => {
  it('reads the signing secret id, never a secret value, and the tenant workgroups', () => {
    const config = loadRuntimeConfig({
      UNMOGROWP_JWT_SECRET_ID: 'unmogrowp-dev-service-token',
      UNMOGROWP_JWT_ISSUER: 'unmogrowp',
      UNMOGROWP_TENANT_WORKGROUPS: JSON.stringify({ acme: 'unmogrowp-dev-acme-reports' }),
    });

    expect(config.auth).toMatchObject({ jwtSecretId: 'unmogrowp-dev-service-token', issuer: 'unmogrowp' });
    expect(config.auth.jwtSecret).toBeUndefined();
    expect(config.tenantWorkgroups).toEqual({ acme: 'unmogrowp-dev-acme-reports' });
  });

  it('builds a verifier that checks the configured issuer', async () => {
    const verify = tokenVerifierFor(
      loadRuntimeConfig({ UNMOGROWP_JWT_SECRET: SECRET, UNMOGROWP_JWT_ISSUER: 'unmogrowp' }),
    );
    const foreign = await signLocalToken(
      SECRET,
      { sub: 'x', role: 'owner', tenant: '*' },
      { issuer: 'other' },
    );

    await expect(verify(foreign)).rejects.toBeInstanceOf(InvalidTokenError);
  });
});

describe('API Gateway token authorizer', () => {
  const authorizer = createTokenAuthorizer(createTokenVerifier({ secret: SECRET }));
  const event = (authorizationToken: string) => ({
    type: 'TOKEN' as const,
    methodArn: METHOD_ARN,
    authorizationToken,
  });

  it('allows every method of the stage for a valid token and passes role and tenant on', async () => {
    const token = await signLocalToken(SECRET, { sub: 'ana', role: 'analyst', tenant: 'acme' });

    await expect(authorizer(event(`Bearer ${token}`))).resolves.toEqual({
      principalId: 'ana',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: 'arn:aws:execute-api:eu-west-1:111122223333:a1b2c3/dev/*',
          },
        ],
      },
      context: { role: 'analyst', tenant: 'acme' },
    });
  });

  it('answers Unauthorized (401) for a missing scheme, a bad signature or an expired token', async () => {
    const forged = await signLocalToken(`${SECRET}-forged`, { sub: 'x', role: 'owner', tenant: '*' });
    const expired = await signLocalToken(
      SECRET,
      { sub: 'x', role: 'owner', tenant: '*' },
      { expiresIn: '-1m' },
    );

    for (const header of ['', 'Basic dXNlcjpwYXNz', `Bearer ${forged}`, `Bearer ${expired}`]) {
      await expect(authorizer(event(header)), header).rejects.toThrow(UNAUTHORIZED);
    }
  });

  it('lets a platform fault surface as an error API Gateway turns into a 500', async () => {
    const broken = createTokenAuthorizer(
      createTokenVerifier({ secretProvider: () => Promise.reject(new Error('throttled')) }),
    );
    const token = await signLocalToken(SECRET, { sub: 'x', role: 'owner', tenant: '*' });

    await expect(broken(event(`Bearer ${token}`))).rejects.toBeInstanceOf(VerificationKeyUnavailableError);
  });

  it('derives the stage wildcard from a method ARN', () => {
    expect(stageWildcardArn(METHOD_ARN)).toBe('arn:aws:execute-api:eu-west-1:111122223333:a1b2c3/dev/*');
  });
});
