import { describe, expect, it } from 'vitest';
import { MAX_PROPERTIES_BYTES, MAX_PROPERTIES_DEPTH } from '../../src/domain/records.js';
import { validateEvent } from '../../src/domain/validation.js';

/**
 * Found by the fuzz: `properties` nested thousands deep overflowed the stack when the record was
 * serialised (500), and a near-1 MiB `properties` made a stream record over Kinesis' 1 MiB limit (503,
 * "retry", which could never succeed). Both are now a rejected event naming the field.
 */
const event = (properties: unknown) => ({
  event_id: 'e-1',
  type: 'purchase',
  timestamp: new Date().toISOString(),
  device: { platform: 'android', advertising_id: 'a-1' },
  properties,
});
const ctx = { tenantId: 't', appId: 'a', nowMs: Date.now() };

describe('event properties limits', () => {
  it(`rejects properties nested deeper than ${MAX_PROPERTIES_DEPTH} levels, however deep`, () => {
    for (const depth of [MAX_PROPERTIES_DEPTH + 1, 50_000]) {
      const properties = JSON.parse(`{"a":${'['.repeat(depth - 1)}1${']'.repeat(depth - 1)}}`);
      const result = validateEvent(event(properties), ctx);
      expect(result).toMatchObject({ ok: false, code: 'invalid_event', field: 'properties' });
      expect(result.ok ? '' : result.message).toContain('nested deeper');
    }
  });

  it('accepts properties at the depth limit', () => {
    const depth = MAX_PROPERTIES_DEPTH;
    const properties = JSON.parse(`{"a":${'['.repeat(depth - 1)}1${']'.repeat(depth - 1)}}`);
    expect(validateEvent(event(properties), ctx).ok).toBe(true);
  });

  it(`rejects more than ${MAX_PROPERTIES_BYTES} bytes of properties and accepts up to it`, () => {
    const over = validateEvent(event({ a: 'é'.repeat(MAX_PROPERTIES_BYTES / 2) }), ctx);
    expect(over).toMatchObject({ ok: false, code: 'invalid_event', field: 'properties' });
    expect(validateEvent(event({ a: 'x'.repeat(MAX_PROPERTIES_BYTES - 16) }), ctx).ok).toBe(true);
  });
});
