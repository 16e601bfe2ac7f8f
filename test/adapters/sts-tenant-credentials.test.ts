import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { StsTenantCredentials } from '../../src/adapters/sts/tenant-credentials.js';

const ROLE = 'arn:aws:iam::123456789012:role/lake-reader';
const MINUTE = 60_000;
const T0 = Date.parse('2026-12-01T10:00:00Z');

/** Lake reader sessions: one per tenant, tagged with it, cached, renewed 5 minutes before expiry. */
describe('lake reader sessions per tenant', () => {
  const sts = mockClient(STSClient);
  let clockMs: number;
  let issued: number;
  const sessions = () =>
    new StsTenantCredentials({
      client: new STSClient({ region: 'us-east-1' }),
      roleArn: ROLE,
      now: () => clockMs,
    });

  beforeEach(() => {
    sts.reset();
    clockMs = T0;
    issued = 0;
    sts.on(AssumeRoleCommand).callsFake(async (input: { DurationSeconds: number }) => {
      issued += 1;
      return {
        Credentials: {
          AccessKeyId: `ASIA${issued}`,
          SecretAccessKey: 'secret',
          SessionToken: 'token',
          Expiration: new Date(clockMs + input.DurationSeconds * 1000),
        },
      };
    });
  });

  it('assumes the role with the tenant as its only session tag, for one hour', async () => {
    await sessions().credentialsFor('acme');
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).toEqual([
      {
        RoleArn: ROLE,
        RoleSessionName: 'lake-acme',
        DurationSeconds: 3600,
        Tags: [{ Key: 'tenant', Value: 'acme' }],
      },
    ]);
  });

  it("reuses a tenant's session while it has more than 5 minutes left", async () => {
    const cache = sessions();
    const first = await cache.credentialsFor('acme');
    clockMs = T0 + 54 * MINUTE;
    const again = await cache.credentialsFor('acme');
    expect(again).toBe(first);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('renews a session 5 minutes before it expires', async () => {
    const cache = sessions();
    const first = await cache.credentialsFor('acme');
    clockMs = T0 + 55 * MINUTE;
    const renewed = await cache.credentialsFor('acme');
    expect(renewed.accessKeyId).not.toBe(first.accessKeyId);
    expect(renewed.expiration.getTime()).toBe(T0 + 115 * MINUTE);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it("never hands one tenant's session to another", async () => {
    const cache = sessions();
    const acme = await cache.credentialsFor('acme');
    const bigco = await cache.credentialsFor('bigco');
    expect(bigco.accessKeyId).not.toBe(acme.accessKeyId);
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.Tags)).toEqual([
      [{ Key: 'tenant', Value: 'acme' }],
      [{ Key: 'tenant', Value: 'bigco' }],
    ]);
  });

  it('makes one AssumeRole call for concurrent requests of one tenant', async () => {
    const cache = sessions();
    const all = await Promise.all([1, 2, 3].map(() => cache.credentialsFor('acme')));
    expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(1);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('does not cache a failed call: the next request assumes the role again', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(new Error('Throttling'))
      .callsFake(async () => ({
        Credentials: {
          AccessKeyId: 'ASIAOK',
          SecretAccessKey: 'secret',
          SessionToken: 'token',
          Expiration: new Date(clockMs + 3_600_000),
        },
      }));
    const cache = sessions();
    await expect(cache.credentialsFor('acme')).rejects.toThrow('Throttling');
    expect((await cache.credentialsFor('acme')).accessKeyId).toBe('ASIAOK');
  });
});
