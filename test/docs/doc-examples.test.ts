import { describe, expect, it } from 'vitest';
import { extractExamples } from '../../src/tools/doc-examples.js';

describe('runnable documentation examples', () => {
  it('takes only sh blocks marked runnable, with their expected output and line', () => {
    const markdown = [
      '# Title',
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
      { file: 'x.md', line: 6, script: 'echo ok\necho \'"done"\'', expect: ['ok', '"done"'] },
    ]);
  });

  it('refuses a marker that does not stand above a shell block', () => {
    expect(() => extractExamples('x.md', '<!-- runnable -->\n```json\n{}\n```')).toThrow(
      'x.md:1: a runnable marker must stand right above a ```sh block',
    );
  });
});
