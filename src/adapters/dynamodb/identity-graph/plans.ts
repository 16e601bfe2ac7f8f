import type { Attribution } from '../../../domain/attribution.js';
import { deviceIdFor } from '../../../domain/identity.js';
import type { CounterIncrement, UnitOfWork } from '../../../domain/store.js';
import { unique, uniqueBy } from '../../concurrency.js';
import { CODEC_VERSION, encodeDocument } from '../codec.js';
import { deviceItem, eventOutcomeAttributes } from './items.js';
import {
  counterPk,
  counterRow,
  counterRowSk,
  devicePk,
  EVENT_MARKER_TTL_S,
  eventPk,
  IP_HOUR_TTL_S,
  type Item,
  ipHourPk,
  isSignatureKey,
  linkPk,
  metricAttribute,
  pad,
  SIGNATURE_TTL_S,
  TOUCHPOINT_TTL_S,
  TRANSACTION_LIMIT,
  type TransactItem,
  touchpointKey,
} from './layout.js';
import type { GraphTable } from './table.js';

/** Transaction packing: each unit's writes planned once, packed several units to a transaction. */

/** The writes of a unit (or of a run of one device's units folded together), prepared once for packing. */
export interface UnitPlan {
  /** The units it applies, in record order: one, or a folded run (`foldChain`). */
  readonly units: readonly UnitOfWork[];
  /** Puts only these units make (event markers, device, links, touchpoints, attributions). */
  readonly owned: readonly TransactItem[];
  readonly ownedKeys: readonly string[];
  /**
   * Additive items other units of a transaction may share: IP-hour counts, and counter rows by row
   * (the shard is the transaction's, chosen after packing).
   */
  readonly sharedKeys: ReadonlySet<string>;
  /** The IP-hour counts it adds to (`ipHourPk|H`). */
  readonly ipHourKeys: readonly string[];
  /** The counter rows it adds to (`pk|sk` without the shard). */
  readonly rowKeys: readonly string[];
  readonly ipDeltas: ReadonlyMap<string, number>;
  readonly itemCount: number;
}

/** Units packed into one transaction, and the counter row shard all their counters go to. */
export interface PackedTransaction {
  readonly plans: readonly UnitPlan[];
  readonly counterShard: number;
}

/** The items a packed transaction adds to: its IP-hour counts and its counter rows' shard items. */
export function sharedItemsOf(transaction: PackedTransaction): string[] {
  const out: string[] = [];
  for (const plan of transaction.plans) {
    out.push(...plan.ipHourKeys);
    for (const row of plan.rowKeys) out.push(`${row}#${transaction.counterShard}`);
  }
  return out;
}

/** Everything a unit writes, encoded once; additive updates kept apart so a transaction can merge them. */
export function planUnit(t: GraphTable, unit: UnitOfWork): UnitPlan {
  const table = t.tableName;
  const nowS = Math.floor(t.now() / 1000);
  const owned: TransactItem[] = [];
  if (unit.eventKey) {
    owned.push({
      Put: {
        TableName: table,
        Item: {
          pk: eventPk(unit.eventKey),
          sk: 'E',
          expiresAt: nowS + EVENT_MARKER_TTL_S,
          // The committing record and its decision: a redelivery of that record rewrites its lake rows.
          ...(unit.sourceId === undefined ? {} : eventOutcomeAttributes(unit, unit.sourceId)),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }
  for (const device of uniqueBy(unit.devices, (d) => d.deviceId)) {
    // The port's contract: the stored version must be `version - 1`; a new device is written at 0.
    const previous = device.version - 1;
    owned.push({
      Put: {
        TableName: table,
        Item: deviceItem(device),
        ...(previous < 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'version = :previous',
              ExpressionAttributeValues: { ':previous': previous },
            }),
      },
    });
  }
  for (const link of uniqueBy(unit.identifierLinks, (l) => l.key)) {
    if (isImpliedLink(unit, link)) continue;
    owned.push({
      Put: { TableName: table, Item: { pk: linkPk(link.key), sk: 'I', deviceId: link.deviceId } },
    });
  }
  for (const Item of touchpointItems(t, unit)) owned.push({ Put: { TableName: table, Item } });
  for (const attribution of uniqueBy(unit.attributions, (a) => `${a.deviceId}|${a.eventId}`)) {
    // A device's first attribution, once not rejected, never changes (SPEC §4 rule 4): the device item
    // keeps it, and `listAttributions` reads it from there instead of a history item.
    if (isSettledFirst(unit, attribution)) continue;
    owned.push({
      Put: {
        TableName: table,
        Item: {
          pk: devicePk(attribution),
          sk: `A#${pad(attribution.installTimeMs)}#${attribution.eventId}`,
          zv: CODEC_VERSION,
          z: encodeDocument(attribution),
        },
      },
    });
  }
  const ipDeltas = new Map<string, number>();
  for (const inc of unit.ipHourIncrements) ipDeltas.set(inc.key, (ipDeltas.get(inc.key) ?? 0) + inc.delta);
  const ownedKeys = owned.map((i) => `${i.Put?.Item?.pk}|${i.Put?.Item?.sk}`);
  const rowKeys = unique(
    unit.counters.map((c) => `${counterPk(c.tenantId, c.appId, c.day)}|${counterRow(c)}`),
  );
  const ipHourKeys = [...ipDeltas.keys()].map((k) => `${ipHourPk(k)}|H`);
  const sharedKeys = new Set<string>([...rowKeys, ...ipHourKeys]);
  return {
    units: [unit],
    owned,
    ownedKeys,
    sharedKeys,
    ipHourKeys,
    rowKeys,
    ipDeltas,
    itemCount: owned.length + sharedKeys.size,
  };
}
/**
 * Whether a link goes without saying: a new device's id is derived from its first identifier key
 * (`deviceIdFor`), and `load` looks a key without a link up under that id, so the link of that key to
 * a new device is not written. Any other link is (a merge, a later identifier, a key of an older device).
 */
export function isImpliedLink(unit: UnitOfWork, link: { key: string; deviceId: string }): boolean {
  return (
    link.deviceId === deviceIdFor(link.key) &&
    unit.devices.some((d) => d.deviceId === link.deviceId && d.version === 0)
  );
}
/**
 * Whether an attribution is the unit's device's first attribution and not rejected: the engine never
 * replaces such a first attribution (a reinstall is credited to it; only a rejected or missing first
 * is decided again), so the device item holds it for good and no history item is written for it.
 */
export function isSettledFirst(unit: UnitOfWork, attribution: Attribution): boolean {
  return unit.devices.some(
    (d) =>
      d.deviceId === attribution.deviceId &&
      d.firstAttribution?.eventId === attribution.eventId &&
      d.firstAttribution.status !== 'rejected',
  );
}
export function touchpointItems(t: GraphTable, unit: UnitOfWork): Item[] {
  const nowS = Math.floor(t.now() / 1000);
  const items: Item[] = [];
  for (const { touchpoint, keys } of unit.touchpoints) {
    const data = JSON.stringify(touchpoint);
    const touchS = Math.floor(touchpoint.timestampMs / 1000);
    const distinct = unique(keys);
    const touchSk = `${pad(touchpoint.timestampMs)}#${touchpoint.id}`;
    for (const key of distinct) {
      const ttl = isSignatureKey(key) ? SIGNATURE_TTL_S : TOUCHPOINT_TTL_S;
      items.push({
        ...touchpointKey(key, touchSk),
        data,
        keys: distinct,
        expiresAt: Math.max(touchS, nowS) + ttl,
      });
    }
  }
  return items;
}
/**
 * The items of one transaction: each unit's own puts, then the additive updates of all its units
 * merged per item (a transaction may touch an item once; the units commit together or not at all,
 * so a merged counter moves exactly with the units that caused it). `owners[i]` is the unit of item i.
 */
export function transactItems(
  t: GraphTable,
  plans: readonly UnitPlan[],
  counterShard: number,
): {
  items: TransactItem[];
  owners: (UnitPlan | undefined)[];
} {
  const table = t.tableName;
  const nowS = Math.floor(t.now() / 1000);
  const items: TransactItem[] = [];
  const owners: (UnitPlan | undefined)[] = [];
  const rows = new Map<
    string,
    { pk: string; sk: string; c: CounterIncrement; metrics: Map<string, number> }
  >();
  const ipDeltas = new Map<string, number>();
  for (const plan of plans) {
    for (const item of plan.owned) {
      items.push(item);
      owners.push(plan);
    }
    for (const c of plan.units.flatMap((u) => u.counters)) {
      const pk = counterPk(c.tenantId, c.appId, c.day);
      const sk = counterRowSk(c, counterShard);
      const row = rows.get(`${pk}|${sk}`) ?? { pk, sk, c, metrics: new Map<string, number>() };
      const attribute = metricAttribute(c.metric, c.currency);
      row.metrics.set(attribute, (row.metrics.get(attribute) ?? 0) + c.value);
      rows.set(`${pk}|${sk}`, row);
    }
    for (const [key, delta] of plan.ipDeltas) ipDeltas.set(key, (ipDeltas.get(key) ?? 0) + delta);
  }
  for (const { pk, sk, c, metrics } of rows.values()) {
    const names: Record<string, string> = { '#day': 'day', '#n': 'network', '#c': 'campaign' };
    const values: Record<string, unknown> = { ':day': c.day, ':n': c.network, ':c': c.campaign };
    const adds: string[] = [];
    let i = 0;
    for (const [attribute, value] of metrics) {
      names[`#m${i}`] = attribute;
      values[`:m${i}`] = value;
      adds.push(`#m${i} :m${i}`);
      i++;
    }
    items.push({
      Update: {
        TableName: table,
        Key: { pk, sk },
        UpdateExpression: `ADD ${adds.join(', ')} SET #day = :day, #n = :n, #c = :c`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    });
    owners.push(undefined);
  }
  for (const [key, delta] of ipDeltas) {
    items.push({
      Update: {
        TableName: table,
        Key: { pk: ipHourPk(key), sk: 'H' },
        UpdateExpression: 'ADD #n :d SET expiresAt = :e',
        ExpressionAttributeNames: { '#n': 'count' },
        ExpressionAttributeValues: { ':d': delta, ':e': nowS + IP_HOUR_TTL_S },
      },
    });
    owners.push(undefined);
  }
  return { items, owners };
}
/** Groups units that share a device or an event into ordered chains (union-find over their keys). */
export function chains(units: readonly UnitOfWork[]): UnitOfWork[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  const keysOf = (u: UnitOfWork) => [
    `#unit${u.recordIndex}`,
    ...(u.eventKey ? [`e:${u.eventKey}`] : []),
    ...u.devices.map((d) => `d:${d.deviceId}`),
  ];
  for (const unit of units) {
    const keys = keysOf(unit);
    for (const k of keys) if (!parent.has(k)) parent.set(k, k);
    for (let i = 1; i < keys.length; i++) union(keys[0] as string, keys[i] as string);
  }
  const groups = new Map<string, UnitOfWork[]>();
  for (const unit of [...units].sort((a, b) => a.recordIndex - b.recordIndex)) {
    const root = find(`#unit${unit.recordIndex}`);
    const group = groups.get(root) ?? [];
    group.push(unit);
    groups.set(root, group);
  }
  return [...groups.values()];
}
/** A unit that only stores touchpoints: idempotent puts, no condition, nothing to count. */
export function isPureTouchpointUnit(unit: UnitOfWork): boolean {
  return (
    unit.eventKey === undefined &&
    unit.devices.length === 0 &&
    unit.identifierLinks.length === 0 &&
    unit.attributions.length === 0 &&
    unit.counters.length === 0 &&
    unit.ipHourIncrements.length === 0 &&
    unit.touchpoints.length > 0
  );
}
/**
 * Packs independent units into transactions of at most 100 items (shared additive items counted once)
 * and `perTransaction` units; a unit that puts an item another unit of the transaction puts starts
 * the next transaction.
 */
export function packTransactions(plans: readonly UnitPlan[], perTransaction: number): UnitPlan[][] {
  const out: UnitPlan[][] = [];
  let current: UnitPlan[] = [];
  let owned = 0;
  let puts = new Set<string>();
  let shared = new Set<string>();
  for (const plan of plans) {
    let newShared = 0;
    for (const k of plan.sharedKeys) if (!shared.has(k)) newShared++;
    const full =
      current.length >= perTransaction ||
      owned + plan.owned.length + shared.size + newShared > TRANSACTION_LIMIT ||
      plan.ownedKeys.some((k) => puts.has(k));
    if (full && current.length > 0) {
      out.push(current);
      current = [];
      owned = 0;
      puts = new Set();
      shared = new Set();
    }
    current.push(plan);
    owned += plan.owned.length;
    for (const k of plan.ownedKeys) puts.add(k);
    for (const k of plan.sharedKeys) shared.add(k);
  }
  if (current.length > 0) out.push(current);
  return out;
}
/**
 * Groups transactions that share an additive item (an IP-hour count, or a counter row shard when a
 * commit has more transactions than shards); groups run in parallel, a group's members in turn.
 */
export function sharedItemGroups(transactions: readonly PackedTransaction[]): PackedTransaction[][] {
  const groupOf = new Map<string, number>();
  const parent = transactions.map((_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] as number;
    parent[i] = r;
    return r;
  };
  transactions.forEach((transaction, i) => {
    for (const key of sharedItemsOf(transaction)) {
      const other = groupOf.get(key);
      if (other === undefined) groupOf.set(key, i);
      else parent[find(i)] = find(other);
    }
  });
  const groups = new Map<number, PackedTransaction[]>();
  transactions.forEach((transaction, i) => {
    const root = find(i);
    const group = groups.get(root) ?? [];
    group.push(transaction);
    groups.set(root, group);
  });
  return [...groups.values()];
}
