import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CostBatchSchema, EventBatchSchema, TouchpointBatchSchema } from '../../src/http/wire.js';
import { PROJECT_ROOT } from '../../src/tools/bundle-size.js';
import { documentationFiles } from '../../src/tools/doc-examples.js';

/** The request bodies an app team or ad network copies: JSON blocks whose top key names the batch. */
const SCHEMAS = { events: EventBatchSchema, touchpoints: TouchpointBatchSchema, costs: CostBatchSchema };

const bodies = documentationFiles(PROJECT_ROOT).flatMap((path) =>
  [...readFileSync(path, 'utf8').matchAll(/```json\n([\s\S]*?)```/g)].flatMap((m) => {
    let value: unknown;
    try {
      value = JSON.parse(m[1] ?? '');
    } catch {
      return []; // an answer with its status line, not a body
    }
    const key = Object.keys(value as object)[0] as keyof typeof SCHEMAS;
    return key in SCHEMAS ? [{ file: relative(PROJECT_ROOT, path), key, value }] : [];
  }),
);

describe('request bodies shown in the documentation', () => {
  it('include the Android and iOS install and an S2S touchpoint', () => {
    const files = bodies.map((b) => `${b.file}:${b.key}`);
    expect(files).toContain('docs/integrate-android.md:events');
    expect(files).toContain('docs/integrate-ios.md:events');
    expect(files).toContain('docs/api.md:touchpoints');
  });

  for (const [i, body] of bodies.entries())
    it(`${body.file} (${body.key} body ${i + 1}) passes the API's own schema`, () => {
      const result = SCHEMAS[body.key].safeParse(body.value);
      expect(result.error?.issues ?? []).toEqual([]);
    });
});
