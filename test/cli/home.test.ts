import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DEFAULT_GRACE_SECONDS, run } from '../../src/cli/home.js';
import { createLocalResources, type LocalResources, localClients } from '../support/local.js';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    return { code: await run(args), out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** The failover procedure of docs/deployment.md: move a tenant's home from a surviving region. */
describe('npx unmogrowp home', () => {
  const clients = localClients();
  let resources: LocalResources;
  let common: string[];

  beforeAll(async () => {
    resources = await createLocalResources(clients);
    await clients.documents.send(
      new PutCommand({
        TableName: resources.tenantRegistryTable,
        Item: { pk: 'TENANT#acme', sk: 'TENANT', type: 'tenant', tenantId: 'acme', name: 'Acme' },
      }),
    );
    common = [
      '--table',
      resources.tenantRegistryTable,
      '--region',
      'eu-west-1',
      '--home-region',
      'us-east-1',
      '--dynamodb-endpoint',
      inject('localEndpoints').dynamodb,
    ];
  });

  afterEach(() => vi.restoreAllMocks());

  it("shows a tenant without its own home in the platform's home region", async () => {
    const { code, out } = await cli('show', 'acme', ...common);

    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ tenant_id: 'acme', home_region: 'us-east-1' });
  });

  it('moves the home, guarded by the current one, with the default grace period', async () => {
    // Prepare
    const before = Date.now();

    // Act
    const moved = await cli('move', 'acme', '--to', 'eu-west-1', '--from', 'us-east-1', ...common);
    const shown = await cli('show', 'acme', ...common);

    // Assess
    expect(moved.code).toBe(0);
    const answer = JSON.parse(shown.out);
    expect(answer.home_region).toBe('eu-west-1');
    expect(Date.parse(answer.writes_from)).toBeGreaterThanOrEqual(before + DEFAULT_GRACE_SECONDS * 1000);
  });

  it('refuses a move from a region that is no longer the home (exit 1)', async () => {
    const { code, err } = await cli(
      'move',
      'acme',
      '--to',
      'ap-southeast-2',
      '--from',
      'us-east-1',
      ...common,
    );

    expect(code).toBe(1);
    expect(err).toContain('is not homed in us-east-1');
  });

  it('prints its usage for --help after an action, and exits 0', async () => {
    const { code, out } = await cli('move', '--help');

    expect(code).toBe(0);
    expect(out).toContain('npx unmogrowp home move TENANT --to REGION');
  });

  it('names a missing option (exit 2)', async () => {
    const { code, err } = await cli('move', 'acme', ...common);

    expect(code).toBe(2);
    expect(err).toContain('move needs --to REGION');
  });
});
