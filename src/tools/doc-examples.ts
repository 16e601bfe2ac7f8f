/**
 * Finds the shell examples of the documentation and how each is checked. A fenced `sh` block (or `bash`,
 * `shell`, `zsh`, `console`) stands right below one of two HTML comments (invisible on GitHub):
 *
 * - `<!-- runnable -->`, optionally `<!-- runnable expect="text" -->` (or `expect='text'`) when the block's
 *   output must contain a text. The doc-test (`test/e2e/doc-examples.test.ts`) runs each one against a
 *   local platform, so an example that stops working fails the build.
 * - `<!-- not-runnable: <reason> -->` when it cannot run against local mode (it needs an AWS account, it
 *   prepares the machine the tests run on, it is a benchmark), with the reason.
 *
 * A shell block with neither is `unmarked`, and so is a command written in a fence without a language;
 * `test/docs/doc-examples.test.ts` fails on any.
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

/** A shell example that is not run, and why. */
export interface NotRunnableBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly reason: string;
}

/** A shell example with no marker, or a command in a fence without a language. */
export interface UnmarkedBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** What to do about it. */
  readonly problem: string;
}

/** The shell examples of a text, by how they are checked, each in document order. */
export interface ShellBlocks {
  readonly runnable: DocExample[];
  readonly notRunnable: NotRunnableBlock[];
  readonly unmarked: UnmarkedBlock[];
}

const RUNNABLE = /^<!--\s*runnable(?<attrs>[^>]*)-->$/;
const NOT_RUNNABLE = /^<!--\s*not-runnable\b(?<rest>.*?)-->$/;
const EXPECT = /expect=(?:"(?<double>[^"]*)"|'(?<single>[^']*)')/g;
/** An opening fence, at the margin or indented in a list item. */
const FENCE = /^(?<indent> *)```(?<lang>[\w-]*)/;
const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'zsh', 'console']);
/** The first words of a line that make a fence without a language a shell example. */
const COMMAND = /^(\$ |npm |npx |curl |aws |node |git |export |cd |sudo )/;

/** Sorts the shell examples of one markdown text by their marker; refuses a marker that marks nothing. */
export function classifyShellBlocks(file: string, markdown: string): ShellBlocks {
  const lines = markdown.split('\n');
  const blocks: ShellBlocks = { runnable: [], notRunnable: [], unmarked: [] };
  for (let fence = 0; fence < lines.length; fence++) {
    const text = lines[fence] ?? '';
    const above = (lines[fence - 1] ?? '').trim();
    const runnable = RUNNABLE.exec(above);
    const notRunnable = NOT_RUNNABLE.exec(above);
    const open = FENCE.exec(text);
    if (!open) {
      if (runnable || notRunnable)
        throw new Error(
          `${file}:${fence}: a runnable or not-runnable marker must stand right above a \`\`\`sh block`,
        );
      continue;
    }
    const indent = open.groups?.indent ?? '';
    const close = lines.findIndex((line, j) => j > fence && line.trimStart().startsWith('```'));
    if (close < 0) throw new Error(`${file}:${fence + 1}: the block is never closed`);
    const body = lines
      .slice(fence + 1, close)
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
    const lang = open.groups?.lang ?? '';
    const line = fence + 1;
    if (!SHELL_LANGUAGES.has(lang)) {
      if (runnable || notRunnable)
        throw new Error(
          `${file}:${fence}: a runnable or not-runnable marker must stand right above a \`\`\`sh block`,
        );
      if (lang === '' && body.some((l) => COMMAND.test(l.trim())))
        blocks.unmarked.push({
          file,
          line,
          problem: 'a command in a fence without a language: make it ```sh',
        });
    } else if (runnable) {
      const attrs = runnable.groups?.attrs ?? '';
      blocks.runnable.push({
        file,
        line,
        script: body.join('\n'),
        expect: [...attrs.matchAll(EXPECT)].map((m) => m.groups?.double ?? m.groups?.single ?? ''),
      });
    } else if (notRunnable) {
      const reason = (notRunnable.groups?.rest ?? '').replace(/^\s*:/, '').trim();
      if (reason === '')
        throw new Error(`${file}:${fence}: a not-runnable marker must say why (<!-- not-runnable: … -->)`);
      blocks.notRunnable.push({ file, line, reason });
    } else {
      blocks.unmarked.push({
        file,
        line,
        problem: 'a shell example with neither <!-- runnable --> nor <!-- not-runnable: reason --> above it',
      });
    }
    fence = close;
  }
  return blocks;
}

/** The runnable examples of one markdown text, in document order. */
export function extractExamples(file: string, markdown: string): DocExample[] {
  return classifyShellBlocks(file, markdown).runnable;
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

/** Every shell example of the documentation by how it is checked, README first. */
export function collectShellBlocks(root: string): ShellBlocks {
  const all = documentationFiles(root).map((path) =>
    classifyShellBlocks(relative(root, path), readFileSync(path, 'utf8')),
  );
  return {
    runnable: all.flatMap((b) => b.runnable),
    notRunnable: all.flatMap((b) => b.notRunnable),
    unmarked: all.flatMap((b) => b.unmarked),
  };
}

/** Every runnable example of the documentation, README first. */
export function collectExamples(root: string): DocExample[] {
  return documentationFiles(root).flatMap((path) =>
    extractExamples(relative(root, path), readFileSync(path, 'utf8')),
  );
}
