import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsdocDescriptions } from '../../src/tools/tsdoc-descriptions.js';

describe('field descriptions from the TSDoc of a zod schema', () => {
  const descriptions = tsdocDescriptions(
    join(import.meta.dirname, 'fixtures/config-schema.ts'),
    'RootSchema',
  );

  it('reads each documented field by its dotted path, through schema constants, arrays and unions', () => {
    expect(Object.fromEntries(descriptions)).toEqual({
      stage: 'The stage.',
      sink: 'Where the records go.',
      'sink.retentionDays': 'Days a record is kept.',
      items: 'The items.',
      'items[].id': "The item's id.",
      auth: 'One of two ways to sign in.',
      'auth.onlyA': 'Only for a.',
      'nested.deep': 'Deep down.',
    });
  });

  it('leaves a field without a comment out', () => {
    expect(descriptions.has('sink.unexplained')).toBe(false);
  });

  it('refuses a root schema the file does not declare', () => {
    expect(() => tsdocDescriptions(join(import.meta.dirname, 'fixtures/config-schema.ts'), 'Nope')).toThrow(
      'no schema constant Nope',
    );
  });
});
