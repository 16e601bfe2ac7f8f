/**
 * Finds the runnable shell examples of the documentation: fenced `sh` blocks preceded by an HTML comment
 * `<!-- runnable -->` (invisible on GitHub), optionally `<!-- runnable expect="text" -->` (or `expect='text'`)
 * when the block's output must contain a text. The doc-test (`test/docs/examples.test.ts`) runs each one against a local
 * platform, so an example that stops working fails the build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface DocExample {
  /** The markdown file, relative to the project root. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The block's shell text. */
  readonly script: string;
  /** Texts the output must contain. */
  readonly expect: readonly string[];
}

const MARKER = /^<!--\s*runnable(?<attrs>[^>]*)-->\s*$/;
const EXPECT = /expect=(?:"(?<double>[^"]*)"|'(?<single>[^']*)')/g;

/** The runnable examples of one markdown text, in document order. */
export function extractExamples(file: string, markdown: string): DocExample[] {
  const lines = markdown.split('\n');
  const examples: DocExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i]?.trim() ?? '');
    if (!marker) continue;
    const fence = i + 1;
    if (!/^```(sh|bash|shell)\b/.test(lines[fence] ?? '')) {
      throw new Error(`${file}:${i + 1}: a runnable marker must stand right above a \`\`\`sh block`);
    }
    const close = lines.findIndex((line, j) => j > fence && line.startsWith('```'));
    if (close < 0) throw new Error(`${file}:${fence + 1}: the runnable block is never closed`);
    const attrs = marker.groups?.attrs ?? '';
    examples.push({
      file,
      line: fence + 1,
      script: lines.slice(fence + 1, close).join('\n'),
      expect: [...attrs.matchAll(EXPECT)].map((m) => m.groups?.double ?? m.groups?.single ?? ''),
    });
    i = close;
  }
  return examples;
}

/** Markdown files a newcomer reads: the README, CONTRIBUTING and every page under `docs/`. */
export function documentationFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? walk(join(dir, entry.name))
        : entry.name.endsWith('.md')
          ? [join(dir, entry.name)]
          : [],
    );
  return [join(root, 'README.md'), join(root, 'CONTRIBUTING.md'), ...walk(join(root, 'docs')).sort()];
}

/** Every runnable example of the documentation, README first. */
export function collectExamples(root: string): DocExample[] {
  return documentationFiles(root).flatMap((path) =>
    extractExamples(relative(root, path), readFileSync(path, 'utf8')),
  );
}
