import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryRunner } from '../../src/adapters/athena/report-query.js';
import { SecretReadError, secretStringReader } from '../../src/adapters/secrets/secret-reader.js';
import { REPORT_QUERIES } from '../../src/definitions/queries.js';

const SECRET_ID = 'unmogrowp-dev-service-token';

describe('reading the service-token secret from Secrets Manager', () => {
  const secrets = mockClient(SecretsManagerClient);
  const client = new SecretsManagerClient({ region: 'eu-west-1' });
  let nowMs = 0;
  const reader = () =>
    secretStringReader({ secretId: SECRET_ID, region: 'eu-west-1', client, now: () => nowMs });

  beforeEach(() => {
    secrets.reset();
    nowMs = Date.parse('2026-11-29T06:00:00Z');
  });

  it('reads the secret by name once, however many tokens arrive at once', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: 's3cr3t' });
    const read = reader();

    await expect(Promise.all([read(), read(), read()])).resolves.toEqual(['s3cr3t', 's3cr3t', 's3cr3t']);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('reads it again after five minutes, so a rotated value is picked up', async () => {
    secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'old' }).resolves({ SecretString: 'new' });
    const read = reader();

    await expect(read()).resolves.toBe('old');
    nowMs += 299_000;
    await expect(read()).resolves.toBe('old');
    nowMs += 2_000;
    await expect(read()).resolves.toBe('new');
  });

  it('does not cache a failed read, and names the secret in the error', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'no such secret', $metadata: {} }))
      .resolves({ SecretString: 's3cr3t' });
    const read = reader();

    const failure = read();
    await expect(failure).rejects.toBeInstanceOf(SecretReadError);
    await expect(failure).rejects.toThrow(`cannot read secret ${SECRET_ID}: ResourceNotFoundException`);
    await expect(read()).resolves.toBe('s3cr3t');
  });

  it('refuses a secret without a string value', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2]) });

    await expect(reader()()).rejects.toThrow(`secret ${SECRET_ID} holds no string value`);
  });
});

describe("running a tenant's report queries in its own Athena workgroup", () => {
  const athena = mockClient(AthenaClient);
  const runner = new AthenaQueryRunner({
    client: new AthenaClient({ region: 'eu-west-1' }),
    workgroup: 'unmogrowp-dev-reports',
    tenantWorkgroups: { acme: 'unmogrowp-dev-acme-reports' },
    database: 'unmogrowp_dev',
    pollIntervalMs: 1,
  });
  const parameters = (tenantId: string) =>
    ({ tenantId, appId: 'com.acme.game', fromDay: '2026-01-01', toDay: '2026-01-31' }) as const;

  beforeEach(() => {
    athena.reset();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [] } });
  });

  it("starts a configured tenant's query in its workgroup, with tenant_id bound as a parameter", async () => {
    await runner.run(REPORT_QUERIES.installsByNetworkCampaignDaily, parameters('acme'));

    const input = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(input?.WorkGroup).toBe('unmogrowp-dev-acme-reports');
    expect(input?.ExecutionParameters?.[0]).toBe("'acme'");
    expect(input?.QueryString).not.toContain('acme');
  });

  it('runs a tenant onboarded live in the shared workgroup', async () => {
    await runner.run(REPORT_QUERIES.installsByNetworkCampaignDaily, parameters('newco'));

    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input.WorkGroup).toBe(
      'unmogrowp-dev-reports',
    );
  });
});
