import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/tools/bundle-size.js';

describe('docs/commands.md', () => {
  const page = readFileSync(join(PROJECT_ROOT, 'docs/commands.md'), 'utf8');
  const scripts = Object.keys(
    (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts,
  );

  it('names every npm script of package.json', () => {
    const named = (script: string) =>
      page.includes(`\`npm ${script}\``) ||
      page.includes(`npm run ${script}`) ||
      page.includes(`npm ${script} `);
    expect(scripts.filter((script) => !named(script))).toEqual([]);
  });
});

describe('CONTRIBUTING.md', () => {
  it('names the test folders .ci/run runs again on Node.js 24, as .ci/run names them', () => {
    const folders = (text: string) =>
      (/node@24 node_modules\/vitest\/vitest\.mjs run((?:\s+\\?\s*test\/\w+)+)/.exec(text)?.[1] ?? '')
        .split(/[\s\\]+/)
        .filter(Boolean);
    const ci = folders(readFileSync(join(PROJECT_ROOT, '.ci/run'), 'utf8'));
    expect(ci.length).toBeGreaterThan(0);
    expect(folders(readFileSync(join(PROJECT_ROOT, 'CONTRIBUTING.md'), 'utf8'))).toEqual(ci);
  });
});
