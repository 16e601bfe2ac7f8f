import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/tools/bundle-size.js';
import { classifyShellBlocks, collectShellBlocks, extractExamples } from '../../src/tools/doc-examples.js';

describe('runnable documentation examples', () => {
  it('takes only sh blocks marked runnable, with their expected output and line', () => {
    const markdown = [
      '# Title',
      '<!-- not-runnable: needs an AWS account -->',
      '```sh',
      'echo not marked',
      '```',
      `<!-- runnable expect="ok" expect='"done"' -->`,
      '```sh',
      'echo ok',
      'echo \'"done"\'',
      '```',
    ].join('\n');
    expect(extractExamples('x.md', markdown)).toEqual([
      { file: 'x.md', line: 7, script: 'echo ok\necho \'"done"\'', expect: ['ok', '"done"'] },
    ]);
  });

  it('refuses a marker that does not stand above a shell block', () => {
    expect(() => extractExamples('x.md', '<!-- runnable -->\n```json\n{}\n```')).toThrow(
      'x.md:1: a runnable or not-runnable marker must stand right above a ```sh block',
    );
    expect(() => extractExamples('x.md', '<!-- not-runnable: cloud -->\n\n```sh\nls\n```')).toThrow(
      'x.md:1: a runnable or not-runnable marker must stand right above a ```sh block',
    );
  });
});

describe('every shell example of the documentation runs, or says why not', () => {
  it('keeps the reason of a block marked not runnable', () => {
    const markdown = ['<!-- not-runnable: needs an AWS account -->', '```bash', 'npx cdk deploy', '```'].join(
      '\n',
    );
    expect(classifyShellBlocks('x.md', markdown)).toEqual({
      runnable: [],
      notRunnable: [{ file: 'x.md', line: 2, reason: 'needs an AWS account' }],
      unmarked: [],
    });
  });

  it('refuses a not-runnable marker without a reason', () => {
    expect(() => classifyShellBlocks('x.md', '<!-- not-runnable -->\n```sh\nls\n```')).toThrow(
      'x.md:1: a not-runnable marker must say why',
    );
  });

  it('reports a shell block with no marker, and a command in a fence without a language', () => {
    const markdown = ['```sh', 'npm start', '```', '', '```', 'npm run cost -- --no-write', '```'].join('\n');
    expect(classifyShellBlocks('x.md', markdown).unmarked.map((b) => `${b.file}:${b.line}`)).toEqual([
      'x.md:1',
      'x.md:5',
    ]);
  });

  it('sees a shell block indented in a list item, and runs it without the indent', () => {
    const markdown = [
      '- step:',
      '',
      '  ```sh',
      '  aws sts get-caller-identity',
      '  ```',
      '',
      '  <!-- runnable -->',
      '  ```sh',
      '  echo ok',
      '  ```',
    ].join('\n');
    const blocks = classifyShellBlocks('x.md', markdown);
    expect(blocks.unmarked.map((b) => b.line)).toEqual([3]);
    expect(blocks.runnable.map((b) => b.script)).toEqual(['echo ok']);
  });

  it('leaves other fences alone: JSON, diagrams, a URL template', () => {
    const markdown = ['```json', '{"a":1}', '```', '```', 'https://<api host>/v1/click/<appId>', '```'].join(
      '\n',
    );
    expect(classifyShellBlocks('x.md', markdown)).toEqual({ runnable: [], notRunnable: [], unmarked: [] });
  });

  it('finds no unmarked shell block in README.md, CONTRIBUTING.md or docs/', () => {
    const blocks = collectShellBlocks(PROJECT_ROOT);
    expect(blocks.unmarked.map((b) => `${b.file}:${b.line}: ${b.problem}`)).toEqual([]);
    expect(blocks.runnable.length).toBeGreaterThan(0);
  });
});
