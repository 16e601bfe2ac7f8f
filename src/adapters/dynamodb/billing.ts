import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * Capacity units by DynamoDB's billing rules, computed from the items themselves: a write unit per
 * 1 KB of item (rounded up) and twice that inside a transaction; a strongly consistent read unit per
 * 4 KB, at least one per item asked for (BatchGetItem) or per call (Query), found or not.
 *
 * DynamoDB answers `ConsumedCapacity` for all of this, but DynamoDB Local reports one item's units for
 * a whole TransactWriteItems call, so local measurements use these figures beside the reported ones.
 */

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** Stored size of one attribute value (without its name). */
export function valueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    const digits =
      String(value)
        .replace(/[-.]|e.*$/gi, '')
        .replace(/^0+/, '').length || 1;
    return 1 + Math.ceil(digits / 2);
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) {
    let n = 0;
    for (const v of value) n += valueBytes(v);
    return n;
  }
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + valueBytes(v), 0);
  if (typeof value === 'object') {
    let n = 3;
    for (const [k, v] of Object.entries(value as Item)) if (v !== undefined) n += 1 + utf8(k) + valueBytes(v);
    return n;
  }
  return utf8(String(value));
}

/** Stored size of an item: attribute names plus values. */
export function itemBytes(item: Item): number {
  let n = 0;
  for (const [k, v] of Object.entries(item)) if (v !== undefined) n += utf8(k) + valueBytes(v);
  return n;
}

export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
export const readUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096));

/**
 * Size of what an Update leaves in the item: its key and every attribute it sets or adds (our updates
 * write whole small rows: counters, IP-hour counts).
 */
export function updateBytes(update: NonNullable<TransactItem['Update']>): number {
  let n = itemBytes(update.Key ?? {});
  const names = update.ExpressionAttributeNames ?? {};
  const values = update.ExpressionAttributeValues ?? {};
  const expression = update.UpdateExpression ?? '';
  for (const match of expression.matchAll(/(#\w+|\b[a-zA-Z]\w*)\s*(?:=\s*|\s+)(:\w+)/g)) {
    const [, name = '', value = ''] = match;
    n += utf8(name.startsWith('#') ? (names[name] ?? name) : name) + valueBytes(values[value]);
  }
  return n;
}

/** Write units of one transaction (twice the units of each item). */
export function transactionWriteUnits(items: readonly TransactItem[]): number {
  let units = 0;
  for (const item of items) {
    if (item.Put) units += writeUnits(itemBytes(item.Put.Item ?? {}));
    else if (item.Update) units += writeUnits(updateBytes(item.Update));
    else units += 1;
  }
  return 2 * units;
}
