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
