import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/tokens.js';

/** `npx unmogrowp tokens mint`: bearer tokens for local mode, signed with the secret local mode verifies. */

const SECRET = 'a-local-secret-of-at-least-32-characters';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ugp-tokens-'));
  dirs.push(d);
  return d;
}

async function tokens(
  args: string[],
  env: Record<string, string> = { UNMOGROWP_JWT_SECRET: SECRET },
  cwd = tempDir(),
) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, cwd });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('tokens mint', () => {
  it('prints an HS256 token for the tenant and role, valid for 1 hour by default', async () => {
    const r = await tokens(['mint', '--tenant', 'demo', '--role', 'analyst']);
    expect(r.code).toBe(0);
    const { payload } = await jwtVerify(r.stdout.trim(), new TextEncoder().encode(SECRET));
    expect(payload).toMatchObject({ tenant: 'demo', role: 'analyst', sub: 'local-analyst' });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
  });

  it('takes --ttl, --subject and the platform tenant *', async () => {
    const r = await tokens(['mint', '--tenant', '*', '--role', 'owner', '--ttl', '30m', '--subject', 'ana']);
    const claims = decodeJwt(r.stdout.trim());
    expect(claims).toMatchObject({ tenant: '*', role: 'owner', sub: 'ana' });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(1800);
  });

  it('sets the iss claim with --issuer, as a jwt-secret deployment verifies it (none by default)', async () => {
    const cloud = await tokens(['mint', '--tenant', '*', '--role', 'owner', '--issuer', 'unmogrowp']);
    const { payload } = await jwtVerify(cloud.stdout.trim(), new TextEncoder().encode(SECRET), {
      issuer: 'unmogrowp',
    });
    expect(payload.iss).toBe('unmogrowp');
    const local = await tokens(['mint', '--tenant', '*', '--role', 'owner']);
    expect(decodeJwt(local.stdout.trim()).iss).toBeUndefined();
  });

  it("signs with the running local mode's secret when UNMOGROWP_JWT_SECRET is not set", async () => {
    const cwd = tempDir();
    const dataDir = join(cwd, 'state');
    mkdirSync(join(cwd, '.unmogrowp'), { recursive: true });
    mkdirSync(dataDir);
    writeFileSync(join(cwd, '.unmogrowp', 'local.json'), JSON.stringify({ pipeline: { dataDir } }));
    writeFileSync(
      join(dataDir, 'state.json'),
      JSON.stringify({ jwtSecret: 'state-secret-of-at-least-32-characters', apiKeys: {} }),
    );
    const r = await tokens(['mint', '--tenant', 'demo', '--role', 'viewer'], {}, cwd);
    expect(r.code).toBe(0);
    await expect(
      jwtVerify(r.stdout.trim(), new TextEncoder().encode('state-secret-of-at-least-32-characters')),
    ).resolves.toBeDefined();
  });

  it.each([
    [['mint', '--role', 'admin'], '--tenant is required'],
    [
      ['mint', '--tenant', 'Demo!', '--role', 'admin'],
      '--tenant: expected a tenant id (2-63 lower-case letters, digits or -) or *. Received "Demo!"',
    ],
    [['mint', '--tenant', 'demo'], '--role is required (one of owner, admin, analyst, developer, viewer)'],
    [
      ['mint', '--tenant', 'demo', '--role', 'root'],
      '--role: expected one of owner, admin, analyst, developer, viewer. Received "root"',
    ],
    [
      ['mint', '--tenant', 'demo', '--role', 'admin', '--ttl', '90d'],
      '--ttl: expected a number and s, m, h or d, from 1s to 30d (e.g. 1h). Received "90d"',
    ],
    [['mint', '--tenant', 'demo', '--role', 'admin', '--ttl', '1 hour'], 'Received "1 hour"'],
  ])('refuses %j with exit 2, naming the flag', async (args, message) => {
    const r = await tokens(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  });

  it('says where a secret comes from when there is none', async () => {
    const r = await tokens(['mint', '--tenant', 'demo', '--role', 'admin'], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no signing secret');
    expect(r.stderr).toContain('UNMOGROWP_JWT_SECRET');
  });

  it('prints its help with --help (exit 0) and with no command (exit 2)', async () => {
    const help = await tokens(['mint', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: npx unmogrowp tokens mint --tenant <tenantId|*> --role <role>');
    expect((await tokens([])).code).toBe(2);
    expect((await tokens(['burn'])).code).toBe(2);
  });
});
