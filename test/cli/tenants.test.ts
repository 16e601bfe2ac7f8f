import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/api-client.js';
import { type OnboardingResult, run } from '../../src/cli/tenants.js';
import { type LocalPlatform, startLocalPlatform } from '../../src/local/platform.js';

/**
 * `npx unmogrowp tenants …` against a running local mode: from nothing to a first attributed install
 * with the commands the CLI prints (issue 6), and the CLI's answers to re-runs and mistakes.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/unmogrowp.mjs');
/** Runs a printed command in a shell, asynchronously: the platform answers from this process. */
const shell = async (command: string) => (await promisify(execFile)('sh', ['-c', command])).stdout;

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

let workDir: string;
/** Where the CLI runs (`.unmogrowp/local.json` is looked for there). */
let cwd: string;
let platform: LocalPlatform;

/** Runs the command module in process, capturing its output. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env,
    cwd,
  };
  const code = await run(args, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('npx unmogrowp tenants', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'ugp-cli-'));
    cwd = workDir;
    platform = await startLocalPlatform({ port: 0, factsDir: join(workDir, '.unmogrowp') });
  });

  afterAll(async () => {
    await platform?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('onboards a tenant and an app; the printed commands make a first attributed install', async () => {
    // The real entry point, as an operator runs it, finding local mode through .unmogrowp/local.json.
    const stdout = await promisify(execFile)(
      process.execPath,
      [
        BIN,
        'tenants',
        'add',
        'acme',
        '--name',
        'Acme Games',
        '--app',
        'com.acme.game',
        '--android-url',
        'https://play.google.com/store/apps/details?id=com.acme.game',
      ],
      { cwd: workDir },
    ).then((r) => r.stdout);

    expect(stdout).toContain('tenant acme created (Acme Games)');
    expect(stdout).toContain('app com.acme.game created');
    const apiKey = /API key:\s+(\S+)/.exec(stdout)?.[1] ?? '';
    expect(apiKey.length).toBeGreaterThan(20);
    expect(stdout).toContain(`${platform.endpoint}/v1/click/com.acme.game?network=`);

    const commands = stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('curl '));
    expect(commands).toHaveLength(3);
    const [click, install, attribution] = commands as [string, string, string];
    expect(JSON.parse(await shell(click))).toMatchObject({
      accepted: 1,
    });
    expect(JSON.parse(await shell(install))).toMatchObject({
      accepted: 1,
    });
    await platform.drain();
    const answer = JSON.parse(await shell(attribution));
    expect(answer).toMatchObject({
      status: 'attributed',
      network: 'meta',
      campaign: 'launch',
      match: 'device_id',
    });
  });

  it('adds apps to an existing tenant, reports an existing app without failing, and prints JSON', async () => {
    const settings = join(workDir, 'settings.json');
    writeFileSync(settings, JSON.stringify({ click_lookback_hours: 48 }));
    const first = await cli([
      'add',
      'acme',
      '--app',
      'com.acme.puzzle',
      '--app',
      'com.acme.game',
      '--settings',
      settings,
      '--daily-event-quota',
      '5000',
      '--json',
    ]);
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as OnboardingResult;
    expect(result.tenant).toEqual({ tenant_id: 'acme', created: false });
    expect(result.apps).toMatchObject([
      {
        app_id: 'com.acme.puzzle',
        created: true,
        api_key: expect.any(String),
        settings: { click_lookback_hours: 48, daily_event_quota: 5000 },
        effective_settings: { rate_limit_per_second: 100, daily_event_quota: 5000 },
      },
      { app_id: 'com.acme.game', created: false, reason: expect.stringContaining('already exists') },
    ]);

    const more = await cli(['apps', 'add', 'acme', 'com.acme.racing', '--json']);
    expect(JSON.parse(more.stdout).apps[0]).toMatchObject({ app_id: 'com.acme.racing', created: true });
  });

  it('says plainly what went wrong', async () => {
    const closed = await freePort();
    const unreachable = await cli([
      'add',
      'acme',
      '--endpoint',
      `http://127.0.0.1:${closed}`,
      '--token',
      'x',
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`cannot reach http://127.0.0.1:${closed} (ECONNREFUSED)`);

    const badToken = await cli(['add', 'acme'], { UNMOGROWP_TOKEN: 'not-a-token' });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain('the API refused the token (401');

    const invalid = await cli(['add', 'acme', '--app', 'com.acme.fast', '--rate-limit-per-second', '500000']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('creating app com.acme.fast failed: 400 invalid_request');
    expect(invalid.stderr).toContain('settings.rate_limit_per_second');

    const unknownTenant = await cli(['apps', 'add', 'nobody', 'com.nobody.app']);
    expect(unknownTenant.stderr).toContain('unknown tenant nobody: create it first');

    const usage = await cli(['add']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('missing <tenantId>');

    const noEndpoint = await cli(['add', 'acme'], {});
    expect(noEndpoint.code).toBe(0); // local.json is found in the working directory
    cwd = join(workDir, 'elsewhere');
    const nowhere = await cli(['add', 'acme']);
    expect(nowhere.stderr).toContain('no endpoint: start local mode (npm start');
  });
});
