import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  itemBytes,
  readUnits,
  transactionWriteUnits,
  updateBytes,
  writeUnits,
} from '../adapters/dynamodb/billing.js';

/**
 * What one DynamoDB call costs, computed from the items themselves (`billing.ts`) the way DynamoDB bills
 * them in the cloud: one small function per operation, read from the call's input and output.
 */

export type Item = Record<string, unknown>;

/** One item written (or, with `sign` -1, a write DynamoDB left unprocessed), for the key-class counts. */
export interface KeyWrite {
  readonly key: Item;
  /** Write units it cost (transactional writes count twice). */
  readonly units: number;
  readonly sign: 1 | -1;
}

export interface DynamoDbCallUsage {
  readonly readUnits: number;
  readonly writeUnits: number;
  /** The same writes as standard (non-transactional) units: what each replica region applies. */
  readonly replicatedWriteUnits: number;
  /** Bytes of the items written: what replication carries. */
  readonly writtenBytes: number;
  /** The items written, in the order the call wrote them. */
  readonly keyWrites: readonly KeyWrite[];
}

const NOTHING: DynamoDbCallUsage = {
  readUnits: 0,
  writeUnits: 0,
  replicatedWriteUnits: 0,
  writtenBytes: 0,
  keyWrites: [],
};

const ATTRIBUTE_VALUE_KEYS = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

/** An item as plain values: the raw client answers `AttributeValue` maps, the document client plain ones. */
function plain(item: unknown): Item {
  if (!item || typeof item !== 'object') return {};
  const values = Object.values(item as Item);
  const marshalled =
    values.length > 0 &&
    values.every((v) => {
      if (!v || typeof v !== 'object' || v instanceof Uint8Array) return false;
      const keys = Object.keys(v);
      return keys.length === 1 && ATTRIBUTE_VALUE_KEYS.has(keys[0] ?? '');
    });
  return marshalled ? (unmarshall(item as Parameters<typeof unmarshall>[0]) as Item) : (item as Item);
}

/** An Update (of UpdateItem or a transaction) with plain key and values, as `updateBytes` reads it. */
function plainUpdate(u: Item): Parameters<typeof updateBytes>[0] {
  return {
    TableName: String(u.TableName ?? ''),
    Key: plain(u.Key),
    UpdateExpression: String(u.UpdateExpression ?? ''),
    ExpressionAttributeNames: (u.ExpressionAttributeNames ?? {}) as Record<string, string>,
    ExpressionAttributeValues: plain(u.ExpressionAttributeValues),
  };
}

/** Read units per 4 KB: strongly consistent reads cost one, eventually consistent ones half. */
const consistent = (flag: unknown) => (flag === true ? 1 : 0.5);

const reads = (units: number): DynamoDbCallUsage => ({ ...NOTHING, readUnits: units });

/** A write of standard units: its replicas apply the same units. */
const standardWrite = (units: number, bytes: number, keyWrites: KeyWrite[]): DynamoDbCallUsage => ({
  readUnits: 0,
  writeUnits: units,
  replicatedWriteUnits: units,
  writtenBytes: bytes,
  keyWrites,
});

type OperationUsage = (input: Item, output: Item) => DynamoDbCallUsage;

const putItem: OperationUsage = (input) => {
  const item = plain(input.Item);
  const size = itemBytes(item);
  return standardWrite(writeUnits(size), size, [{ key: item, units: writeUnits(size), sign: 1 }]);
};

const updateOrDeleteItem =
  (operation: 'UpdateItem' | 'DeleteItem'): OperationUsage =>
  (input) => {
    const size = operation === 'UpdateItem' ? updateBytes(plainUpdate(input)) : 0;
    const write = writeUnits(size);
    return standardWrite(write, size, [{ key: plain(input.Key), units: write, sign: 1 }]);
  };

type WriteRequest = { PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } };

/** The write requests of a `RequestItems` (or `UnprocessedItems`) map: units, bytes and the items. */
function tallyWriteRequests(requests: unknown, sign: 1 | -1, keyWrites: KeyWrite[]) {
  let units = 0;
  let size = 0;
  for (const list of Object.values((requests ?? {}) as Record<string, unknown[]>))
    for (const r of list as WriteRequest[]) {
      const item = r.PutRequest ? itemBytes(plain(r.PutRequest.Item)) : undefined;
      units += item === undefined ? 1 : writeUnits(item);
      size += item ?? 0;
      keyWrites.push({
        key: plain(r.PutRequest?.Item ?? r.DeleteRequest?.Key),
        units: item === undefined ? 1 : writeUnits(item),
        sign,
      });
    }
  return { units, size };
}

const batchWriteItem: OperationUsage = (input, output) => {
  const keyWrites: KeyWrite[] = [];
  const sent = tallyWriteRequests(input.RequestItems, 1, keyWrites);
  const left = tallyWriteRequests(output.UnprocessedItems, -1, keyWrites);
  return standardWrite(sent.units - left.units, sent.size - left.size, keyWrites);
};

const transactWriteItems: OperationUsage = (input) => {
  const keyWrites: KeyWrite[] = [];
  let bytes = 0;
  const items = ((input.TransactItems ?? []) as Item[]).map((t) => {
    const p = t.Put as Item | undefined;
    if (p) {
      const item = plain(p.Item);
      bytes += itemBytes(item);
      keyWrites.push({ key: item, units: 2 * writeUnits(itemBytes(item)), sign: 1 });
      return { Put: { TableName: String(p.TableName), Item: item } };
    }
    const u = t.Update as Item | undefined;
    if (u) {
      const update = plainUpdate(u);
      bytes += updateBytes(update);
      keyWrites.push({ key: update.Key ?? {}, units: 2 * writeUnits(updateBytes(update)), sign: 1 });
      return { Update: update };
    }
    return { ConditionCheck: t.ConditionCheck ?? t.Delete } as never;
  });
  return {
    readUnits: 0,
    writeUnits: transactionWriteUnits(items),
    // Replicas apply a transaction's writes as standard writes; condition checks write nothing.
    replicatedWriteUnits: transactionWriteUnits(items.filter((t) => !('ConditionCheck' in t))) / 2,
    writtenBytes: bytes,
    keyWrites,
  };
};

const getItem: OperationUsage = (input, output) =>
  reads(consistent(input.ConsistentRead) * readUnits(itemBytes(plain(output.Item))));

const batchGetItem: OperationUsage = (input, output) => {
  const asked = Object.values((input.RequestItems ?? {}) as Record<string, Item>);
  const unprocessed = Object.values((output.UnprocessedKeys ?? {}) as Record<string, Item>).reduce(
    (n, r) => n + ((r.Keys as unknown[]) ?? []).length,
    0,
  );
  const keys = asked.reduce((n, r) => n + ((r.Keys as unknown[]) ?? []).length, 0);
  const found = Object.values((output.Responses ?? {}) as Record<string, unknown[]>).flat();
  const factor = consistent(asked[0]?.ConsistentRead);
  // A key asked for and not found still costs a read unit.
  return reads(
    factor *
      (found.reduce((n: number, i) => n + readUnits(itemBytes(plain(i))), 0) +
        Math.max(0, keys - unprocessed - found.length)),
  );
};

const queryOrScan: OperationUsage = (input, output) => {
  const size = ((output.Items ?? []) as unknown[]).reduce((n: number, i) => n + itemBytes(plain(i)), 0);
  return reads(consistent(input.ConsistentRead) * readUnits(size));
};

const transactGetItems: OperationUsage = (_input, output) =>
  reads(
    2 *
      ((output.Responses ?? []) as { Item?: unknown }[]).reduce(
        (n, r) => n + readUnits(itemBytes(plain(r.Item))),
        0,
      ),
  );

const OPERATIONS: ReadonlyMap<string, OperationUsage> = new Map(
  Object.entries({
    PutItem: putItem,
    UpdateItem: updateOrDeleteItem('UpdateItem'),
    DeleteItem: updateOrDeleteItem('DeleteItem'),
    BatchWriteItem: batchWriteItem,
    TransactWriteItems: transactWriteItems,
    GetItem: getItem,
    BatchGetItem: batchGetItem,
    Query: queryOrScan,
    Scan: queryOrScan,
    TransactGetItems: transactGetItems,
  }),
);

/** What one DynamoDB call costs; nothing for operations that neither read nor write items. */
export function dynamoDbCallUsage(operation: string, input: Item, output: Item): DynamoDbCallUsage {
  return OPERATIONS.get(operation)?.(input, output) ?? NOTHING;
}
