import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { signLocalToken } from '../auth/jwt.js';
import { PLATFORM_TENANT, ROLES, type Role } from '../auth/permissions.js';
import { RUNTIME_ENV } from '../config/runtime.js';
import { TENANT_ID_PATTERN } from '../definitions/ids.js';
import { CliError, type CliIo, processIo } from './api-client.js';

/**
 * `npx unmogrowp tokens mint --tenant <t> --role <r> [--ttl 1h]`: a bearer token for local mode, so a
 * person can try the role × route matrix (docs/security.md) by hand. Signed HS256 with the secret local
 * mode verifies: `UNMOGROWP_JWT_SECRET` when set (give `npm start` the same), else the secret of the
 * running local mode (its state directory, found through `.unmogrowp/local.json`). In the cloud, people
 * sign in through the configured identity provider instead.
 */

export const USAGE = `usage: npx unmogrowp tokens mint --tenant <tenantId|*> --role <role> [options]

Prints a bearer token for local mode (npm start) on stdout.

  --tenant ID        the tenant the token acts for; * for the platform owner
  --role ROLE        one of ${ROLES.join(', ')}
  --ttl DURATION     lifetime: a number and s, m, h or d (default 1h, at most 30d)
  --subject NAME     the token's subject, shown in the audit of what it does (default local-<role>)
  --issuer ISS       the token's iss claim: \`unmogrowp\` for a cloud deployment with auth.kind
                     jwt-secret (with ${RUNTIME_ENV.jwtSecret} set to that secret's value); none by default
  -h, --help         this help

secret: ${RUNTIME_ENV.jwtSecret} when set (start npm start with the same), else the running local
mode's own (found through .unmogrowp/local.json).

example:
  curl -H "Authorization: Bearer $(npx unmogrowp tokens mint --tenant demo --role analyst)" \\
    "http://127.0.0.1:4000/v1/reports/com.demo.game/installs?from=2026-11-01&to=2026-11-30"
`;

const OPTIONS = {
  tenant: { type: 'string' },
  role: { type: 'string' },
  ttl: { type: 'string', default: '1h' },
  subject: { type: 'string' },
  issuer: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

const TTL = /^(\d{1,7})([smhd])$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const MAX_TTL_SECONDS = 30 * 86_400;

export interface MintRequest {
  readonly tenant: string;
  readonly role: Role;
  readonly ttlSeconds: number;
  readonly subject: string;
  /** The `iss` claim, when the verifier checks one (a cloud deployment's service tokens). */
  readonly issuer?: string;
}

/** Reads and checks the flags; every mistake names the flag, the value received and what is allowed. */
export function readMintRequest(args: readonly string[]): MintRequest | 'help' {
  let values: {
    tenant?: string;
    role?: string;
    ttl?: string;
    subject?: string;
    issuer?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
  if (values.help) return 'help';
  const { tenant, role } = values;
  if (!tenant) throw new CliError(`--tenant is required\n\n${USAGE}`, 2);
  if (tenant !== PLATFORM_TENANT && !TENANT_ID_PATTERN.test(tenant)) {
    throw new CliError(
      `--tenant: expected a tenant id (2-63 lower-case letters, digits or -) or *. Received ${JSON.stringify(tenant)}`,
      2,
    );
  }
  if (!role) throw new CliError(`--role is required (one of ${ROLES.join(', ')})\n\n${USAGE}`, 2);
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new CliError(`--role: expected one of ${ROLES.join(', ')}. Received ${JSON.stringify(role)}`, 2);
  }
  const ttl = TTL.exec(values.ttl ?? '1h');
  const ttlSeconds = ttl ? Number(ttl[1]) * UNIT_SECONDS[ttl[2] as keyof typeof UNIT_SECONDS] : Number.NaN;
  if (!(ttlSeconds > 0 && ttlSeconds <= MAX_TTL_SECONDS)) {
    throw new CliError(
      `--ttl: expected a number and s, m, h or d, from 1s to 30d (e.g. 1h). Received ${JSON.stringify(values.ttl)}`,
      2,
    );
  }
  return {
    tenant,
    role: role as Role,
    ttlSeconds,
    subject: values.subject ?? `local-${role}`,
    ...(values.issuer ? { issuer: values.issuer } : {}),
  };
}

/** The secret local mode verifies with: the environment's, else the running local mode's state. */
export function localSigningSecret(io: CliIo): string {
  const fromEnv = io.env[RUNTIME_ENV.jwtSecret];
  if (fromEnv) return fromEnv;
  const factsPath = join(io.cwd, '.unmogrowp', 'local.json');
  const hint = `set ${RUNTIME_ENV.jwtSecret} (and start npm start with the same), or run this where npm start runs`;
  if (!existsSync(factsPath)) throw new CliError(`no signing secret: ${factsPath} not found; ${hint}`);
  let dataDir: unknown;
  try {
    dataDir = (JSON.parse(readFileSync(factsPath, 'utf8')) as { pipeline?: { dataDir?: unknown } }).pipeline
      ?.dataDir;
  } catch {
    throw new CliError(`${factsPath} is not valid JSON; restart local mode (npm start) to rewrite it`);
  }
  const statePath = typeof dataDir === 'string' ? join(dataDir, 'state.json') : undefined;
  if (!statePath || !existsSync(statePath)) {
    throw new CliError(
      `no signing secret: local mode's state is gone (is npm start still running?); ${hint}`,
    );
  }
  const secret = (JSON.parse(readFileSync(statePath, 'utf8')) as { jwtSecret?: unknown }).jwtSecret;
  if (typeof secret !== 'string' || secret === '')
    throw new CliError(`no signing secret in ${statePath}; ${hint}`);
  return secret;
}

export async function mint(request: MintRequest, secret: string): Promise<string> {
  return signLocalToken(
    secret,
    { sub: request.subject, role: request.role, tenant: request.tenant },
    { expiresIn: `${request.ttlSeconds}s`, ...(request.issuer ? { issuer: request.issuer } : {}) },
  );
}

export async function run(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      io.stdout(USAGE);
      return sub === undefined ? 2 : 0;
    }
    if (sub !== 'mint') {
      io.stderr(`unmogrowp tokens: unknown command ${JSON.stringify(sub)}\n\n${USAGE}`);
      return 2;
    }
    const request = readMintRequest(rest);
    if (request === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    io.stdout(`${await mint(request, localSigningSecret(io))}\n`);
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`unmogrowp tokens: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
