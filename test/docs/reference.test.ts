import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlatformConfigSchema } from '../../lib/config/schema.js';
import { referencePages } from '../../scripts/docs-reference.js';
import { PROJECT_ROOT } from '../../src/tools/bundle-size.js';
import { schemaRows } from '../../src/tools/schema-table.js';
import { tsdocDescriptions } from '../../src/tools/tsdoc-descriptions.js';

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

  it('says what every CDK config field means (its TSDoc in lib/config/schema.ts)', () => {
    const rows = schemaRows(
      PlatformConfigSchema,
      undefined,
      ['attributionDefaults'],
      tsdocDescriptions(join(PROJECT_ROOT, 'lib/config/schema.ts'), 'PlatformConfigSchema'),
    );
    const unexplained = rows.filter((row) => row.description === '' && !row.path.endsWith('[]'));
    expect(unexplained.map((row) => row.path)).toEqual([]);
    expect(rows.find((row) => row.path === 'dataCenterCidrs')?.description).toContain('data_center_ip');
  });
});
