import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/tools/bundle-size.js';
import { documentationFiles } from '../../src/tools/doc-examples.js';

/** The anchors of a markdown page: explicit `<a id>` and GitHub's heading slugs. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set([...markdown.matchAll(/<a id="([^"]+)"/g)].map((m) => m[1] ?? ''));
  for (const [, heading] of markdown.matchAll(/^#+ (.*)$/gm))
    anchors.add(
      (heading ?? '')
        .toLowerCase()
        .replace(/[^\p{L}\p{N}_\- ]/gu, '')
        .replaceAll(' ', '-'),
    );
  return anchors;
}

/** Relative links of a page (outside code blocks) that point at no file, or at no anchor of it. */
function brokenLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const broken: string[] = [];
  for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^(https?:|mailto:)/.test(target)) continue;
    const [path = '', fragment] = target.split('#');
    const resolved = path === '' ? file : normalize(join(dirname(file), path));
    const where = `${relative(PROJECT_ROOT, file)} → ${target}`;
    if (!existsSync(resolved)) broken.push(`${where} (no such file)`);
    else if (fragment && resolved.endsWith('.md') && !anchorsOf(readFileSync(resolved, 'utf8')).has(fragment))
      broken.push(`${where} (no such anchor)`);
  }
  return broken;
}

describe('links of the documentation', () => {
  it('point at files and anchors that exist (README, CONTRIBUTING, CHANGELOG and docs/)', () => {
    const files = [...documentationFiles(PROJECT_ROOT), join(PROJECT_ROOT, 'CHANGELOG.md')];
    expect(files.flatMap(brokenLinks)).toEqual([]);
  });

  it('notices a link to a missing anchor', () => {
    expect(anchorsOf('# Ingest limits (`settings.rate_limit`)\n<a id="x"></a>')).toEqual(
      new Set(['x', 'ingest-limits-settingsrate_limit']),
    );
  });
});
