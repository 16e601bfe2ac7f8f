import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referencePages } from '../../scripts/docs-reference.js';
import { PROJECT_ROOT } from '../../src/tools/bundle-size.js';

describe('generated reference pages', () => {
  for (const [path, text] of Object.entries(referencePages())) {
    it(`${path} says what the code says (npm run docs:reference rewrites it)`, () => {
      expect(readFileSync(join(PROJECT_ROOT, path), 'utf8')).toBe(text);
    });
  }

  it('lists every app setting with its default', () => {
    const settings = referencePages()['docs/reference/settings.md'] ?? '';
    expect(settings).toContain('| `click_lookback_hours` | number | > 0, ≤ 720 | `168` |');
    expect(settings).toContain('| `fraud_modes.click_injection` | string | `reject`, `flag` | `reject` |');
  });
});
