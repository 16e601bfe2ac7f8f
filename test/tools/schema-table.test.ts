import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { schemaRows, schemaTable } from '../../src/tools/schema-table.js';

const Example = z
  .object({
    window_hours: z.number().positive().max(720).describe('how far back a click counts'),
    mode: z.enum(['reject', 'flag']).default('reject'),
    nested: z.object({ enabled: z.boolean() }).optional(),
    items: z.array(z.object({ id: z.string().min(1).max(8) })).min(1),
  })
  .strict();

describe('reference tables from schemas', () => {
  it('lists every field with its type, range, default and description, nested objects as dotted paths', () => {
    const rows = schemaRows(Example, { window_hours: 168, nested: { enabled: true } });
    expect(rows.map((r) => [r.path, r.type, r.allowed, r.defaultValue, r.description, r.required])).toEqual([
      ['window_hours', 'number', '> 0, ≤ 720', '`168`', 'how far back a click counts', true],
      ['mode', 'string', '`reject`, `flag`', '`reject`', '', false],
      ['nested', 'object', '', '', '', false],
      ['nested.enabled', 'boolean', '', '`true`', '', true],
      ['items', 'array of object', '1–∞ items', '', '', true],
      ['items[]', 'object', '', '', '', false],
      ['items[].id', 'string', '1–8 characters', '', '', true],
    ]);
  });

  it('does not expand a collapsed path, and escapes pipes in a markdown table', () => {
    const table = schemaTable(
      z.object({ a: z.object({ b: z.string() }), c: z.string().regex(/x|y/) }),
      undefined,
      ['a'],
    );
    expect(table.split('\n')).toEqual([
      '| field | type | allowed | default | meaning |',
      '| --- | --- | --- | --- | --- |',
      '| `a` (required) | object |  |  |  |',
      '| `c` (required) | string | pattern `x\\|y` |  |  |',
    ]);
  });

  it("lists a discriminated union by its discriminator, then each variant's fields, saying which", () => {
    const Capacity = z.object({
      capacity: z
        .discriminatedUnion('mode', [
          z.object({ mode: z.literal('onDemand') }),
          z.object({ mode: z.literal('provisioned'), shards: z.number().int().min(1).max(9).default(2) }),
        ])
        .default({ mode: 'onDemand' }),
    });
    const rows = schemaRows(Capacity, undefined, [], new Map([['capacity.shards', 'shards of the stream']]));
    expect(rows.map((r) => [r.path, r.allowed, r.defaultValue, r.description])).toEqual([
      ['capacity', '', '`{"mode":"onDemand"}`', ''],
      [
        'capacity.mode',
        '`onDemand`, `provisioned`',
        '`onDemand`',
        'Which variant: each field below names the `mode` it belongs to.',
      ],
      ['capacity.shards', '≥ 1, ≤ 9', '`2`', 'With `mode: provisioned`. shards of the stream'],
    ]);
  });

  it("takes a field's description from the map when its schema has none, never over the schema's", () => {
    const rows = schemaRows(
      z.object({ a: z.string().describe('from the schema'), b: z.string() }),
      undefined,
      [],
      new Map([
        ['a', 'from the map'],
        ['b', 'from the map'],
      ]),
    );
    expect(rows.map((r) => r.description)).toEqual(['from the schema', 'from the map']);
  });
});
