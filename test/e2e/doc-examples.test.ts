import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPlatform, startLocalPlatform } from '../../src/local/platform.js';
import { PROJECT_ROOT } from '../../src/tools/bundle-size.js';
import { collectExamples, type DocExample } from '../../src/tools/doc-examples.js';

/**
 * Every shell example marked runnable in README.md, CONTRIBUTING.md and docs/ runs here, in document order,
 * against one local platform, from a working directory whose `.unmogrowp/local.json` is that platform's
 * (as after `npm start`). `http://127.0.0.1:4000` in an example is the platform's endpoint; `npx unmogrowp`
 * is this checkout's CLI.
 */

const EXAMPLES = collectExamples(PROJECT_ROOT);
const LOCAL_ENDPOINT = 'http://127.0.0.1:4000';

let workDir: string;
let platform: LocalPlatform;

function run(example: DocExample): Promise<{ code: number | null; output: string }> {
  const preamble = [
    'set -euo pipefail',
    `npx() { if [ "$1" = unmogrowp ]; then shift; node ${JSON.stringify(join(PROJECT_ROOT, 'bin/unmogrowp.mjs'))} "$@"; else command npx "$@"; fi; }`,
  ].join('\n');
  const script = `${preamble}\n${example.script.replaceAll(LOCAL_ENDPOINT, platform.endpoint)}`;
  // The CLI finds the platform through the working directory's local.json, as after `npm start`.
  const { UNMOGROWP_ENDPOINT: _endpoint, UNMOGROWP_TOKEN: _token, ...env } = process.env;
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: the platform answers from this process's event loop.
    const child = spawn('bash', ['-c', script], { cwd: workDir, env });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('documentation examples run (local mode)', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'ugp-docs-'));
    platform = await startLocalPlatform({ port: 0, factsDir: join(workDir, '.unmogrowp') });
  });

  afterAll(async () => {
    await platform?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('finds the examples a newcomer follows first', () => {
    expect(EXAMPLES.map((e) => e.file)).toContain('README.md');
  });

  for (const example of EXAMPLES) {
    it(`${example.file}:${example.line}`, { timeout: 120_000 }, async () => {
      const { code, output } = await run(example);
      expect(output, `exit code ${code}`).not.toBeUndefined();
      expect(code, output).toBe(0);
      for (const text of example.expect) expect(output).toContain(text);
    });
  }
});
