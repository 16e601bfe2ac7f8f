import { parseArgs } from 'node:util';
import { createDocumentClient, createDynamoDbClient } from '../adapters/clients.js';
import { DynamoTenantHomes } from '../adapters/dynamodb/tenant-homes.js';

/**
 * `npx unmogrowp home show|move …`: where a tenant's graph and counters are written (its home region) and
 * how to move it (failover, rebalancing). Runs against the tenant registry of any region that is up: the
 * registry is a global table, so the change replicates to every region. See docs/deployment.md.
 */

/** Seconds a moved home waits before writing: past every region's cached home and the registry's replication. */
export const DEFAULT_GRACE_SECONDS = 180;

const USAGE = `usage:
  npx unmogrowp home show TENANT --table NAME [--region R] [--home-region R]
  npx unmogrowp home move TENANT --to REGION [--from REGION] [--grace-seconds N] --table NAME [--region R] [--home-region R]

options:
  --table NAME           the tenant registry table (TENANT_REGISTRY_TABLE of the functions)
  --region R             the region whose replica to use (any that is up) @default AWS_REGION
  --home-region R        the platform's home region (homeRegion of the config) @default --region
  --to REGION            the tenant's new home
  --from REGION          refuse unless this is the tenant's current home (guards concurrent moves)
  --grace-seconds N      seconds before the new home starts writing @default ${DEFAULT_GRACE_SECONDS}
  --dynamodb-endpoint U  a local DynamoDB (tests, local mode)
`;

class UsageError extends Error {}

/** Runs the command; returns the exit code. */
export async function run(args: readonly string[]): Promise<number> {
  const [action, tenantId, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h' || action === 'help') {
    process.stdout.write(USAGE);
    return action === undefined ? 2 : 0;
  }
  if (rest.includes('--help') || rest.includes('-h') || tenantId === '--help' || tenantId === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    if (action !== 'show' && action !== 'move')
      throw new UsageError(`unknown action ${JSON.stringify(action)}`);
    if (!tenantId || tenantId.startsWith('--')) throw new UsageError('give the tenant id');
    const { values } = parseArgs({
      args: [...rest],
      options: {
        table: { type: 'string' },
        region: { type: 'string' },
        'home-region': { type: 'string' },
        to: { type: 'string' },
        from: { type: 'string' },
        'grace-seconds': { type: 'string' },
        'dynamodb-endpoint': { type: 'string' },
      },
      strict: true,
    });
    if (!values.table) throw new UsageError('--table is required');
    const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) throw new UsageError('--region (or AWS_REGION) is required');
    const homes = new DynamoTenantHomes({
      documents: createDocumentClient(createDynamoDbClient(region, values['dynamodb-endpoint'])),
      tableName: values.table,
      defaultRegion: values['home-region'] ?? region,
      cacheTtlSeconds: 0,
    });
    if (action === 'show') {
      const home = await homes.homeOf(tenantId);
      process.stdout.write(
        `${JSON.stringify({ tenant_id: tenantId, home_region: home.region, ...since(home.sinceMs) })}\n`,
      );
      return 0;
    }
    if (!values.to) throw new UsageError('move needs --to REGION');
    const grace =
      values['grace-seconds'] === undefined ? DEFAULT_GRACE_SECONDS : Number(values['grace-seconds']);
    if (!Number.isInteger(grace) || grace < 0)
      throw new UsageError(
        `--grace-seconds must be a whole number of seconds. Received ${values['grace-seconds']}`,
      );
    const moved = await homes.moveHome(tenantId, values.to, {
      graceSeconds: grace,
      ...(values.from ? { from: values.from } : {}),
    });
    process.stdout.write(
      `${JSON.stringify({ tenant_id: tenantId, home_region: moved.region, ...since(moved.sinceMs) })}\n`,
    );
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`unmogrowp home: ${message}\n`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`\n${USAGE}`);
      return 2;
    }
    return 1;
  }
}

const since = (sinceMs: number | undefined) =>
  sinceMs === undefined ? {} : { writes_from: new Date(sinceMs).toISOString() };
