import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/tools/bundle-size.js';

/** `--help` on every command and subcommand of `npx unmogrowp` prints its usage and exits 0. */

const run = promisify(execFile);
const CLI = join(PROJECT_ROOT, 'bin/unmogrowp.mjs');

const COMMANDS = [
  [],
  ['tenants'],
  ['tenants', 'add'],
  ['tenants', 'apps', 'add'],
  ['replay'],
  ['dlq'],
  ['dlq', 'list'],
  ['dlq', 'replay'],
  ['dlq', 'capture'],
  ['home'],
  ['home', 'show'],
  ['home', 'move'],
  ['tokens'],
  ['tokens', 'mint'],
  ['costs'],
  ['costs', 'load'],
];

describe('npx unmogrowp … --help', () => {
  it('prints the usage of every command and subcommand on stdout and exits 0', {
    timeout: 120_000,
  }, async () => {
    const answers = await Promise.all(
      COMMANDS.map(async (command) => {
        const { stdout } = await run(process.execPath, [CLI, ...command, '--help'], { cwd: PROJECT_ROOT });
        return { command: command.join(' '), stdout };
      }),
    );
    for (const { command, stdout } of answers) expect(stdout, command).toMatch(/usage/);
  });

  it('answers an unknown command with exit 2 and the list of commands', async () => {
    const failed = await run(process.execPath, [CLI, 'nonsense']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain('unknown command "nonsense"');
  });
});
