import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CounterRow } from '../../../app/records.js';
import type { Attribution } from '../../../domain/attribution.js';
import { deviceIdFor } from '../../../domain/identity.js';
import { type IdentifierKind, identifierKey } from '../../../domain/keys.js';
import type { Touchpoint } from '../../../domain/records.js';
import type { Device, StoredEventOutcome, StoreLoadRequest, StoreSnapshot } from '../../../domain/store.js';
import { mapLimit, unique } from '../../concurrency.js';
import { itemBytes, readUnits } from '../billing.js';
import { decodeDocument } from '../codec.js';
import { counterRows, decodeDevice, decodeEventOutcome } from './items.js';
import {
  counterPk,
  devicePk,
  eventPk,
  type Item,
  ipHourPk,
  linkPk,
  matchPk,
  pad,
  signatureLocation,
} from './layout.js';
import type { GraphTable } from './table.js';

/** Reads: the engine's snapshot load and the API's device, attribution and counter reads. */

export async function load(t: GraphTable, request: StoreLoadRequest): Promise<StoreSnapshot> {
  const deviceKeys = unique(request.deviceKeys);
  const eventKeys = unique(request.eventKeys);
  const ipHourKeys = unique(request.ipHourKeys);
  const firstRound = [
    ...deviceKeys.map((k) => ({ pk: linkPk(k), sk: 'I' })),
    ...eventKeys.map((k) => ({ pk: eventPk(k), sk: 'E' })),
    ...ipHourKeys.map((k) => ({ pk: ipHourPk(k), sk: 'H' })),
  ];
  // Links, markers and IP counters in one BatchGet round, touchpoint queries beside it.
  const [items, touchpoints] = await Promise.all([
    t.batchGet(firstRound),
    queryTouchpoints(t, unique(request.touchpointKeys)),
  ]);

  const deviceIdByKey = new Map<string, string>();
  const processedEvents = new Set<string>();
  const processedEventOutcomes = new Map<string, StoredEventOutcome>();
  const ipInstallCounts = new Map<string, number>();
  for (const item of items.values()) {
    const pk = String(item.pk);
    if (pk.startsWith('I#')) deviceIdByKey.set(pk.slice(2), String(item.deviceId));
    else if (pk.startsWith('E#')) {
      processedEvents.add(pk.slice(2));
      if (item.z !== undefined) processedEventOutcomes.set(pk.slice(2), decodeEventOutcome(item));
    } else if (pk.startsWith('H#')) ipInstallCounts.set(pk.slice(2), Number(item.count ?? 0));
  }

  // A key without a link belongs to the device whose id it implies, if that device exists: a new
  // device's link to its first key is not written (`isImpliedLink`).
  const devicePkOf = (key: string, deviceId: string) => {
    const scope = key.split('#', 2);
    return devicePk({ tenantId: scope[0] ?? '', appId: scope[1] ?? '', deviceId });
  };
  const devicePks = new Map<string, string>();
  for (const key of deviceKeys)
    devicePks.set(key, devicePkOf(key, deviceIdByKey.get(key) ?? deviceIdFor(key)));
  const deviceItems = await t.batchGet(unique([...devicePks.values()]).map((pk) => ({ pk, sk: 'D' })));
  // A link whose device is gone (an erasure cut short) falls back to the implied device too.
  const dangling = [...deviceIdByKey.keys()].filter(
    (key) => !deviceItems.has(`${devicePks.get(key)}|D`) && deviceIdByKey.get(key) !== deviceIdFor(key),
  );
  if (dangling.length > 0) {
    for (const key of dangling) devicePks.set(key, devicePkOf(key, deviceIdFor(key)));
    const more = await t.batchGet(
      unique(dangling.map((k) => devicePks.get(k) as string)).map((pk) => ({ pk, sk: 'D' })),
    );
    for (const [k, item] of more) deviceItems.set(k, item);
  }
  const devices = new Map<string, Device>();
  for (const [key, pk] of devicePks) {
    const item = deviceItems.get(`${pk}|D`);
    if (!item) continue;
    const device = decodeDevice(item);
    // Found by its implied id: only when the device does carry the identifier.
    if (deviceIdByKey.get(key) === device.deviceId || carriesKey(device, key)) devices.set(key, device);
  }
  return processedEventOutcomes.size > 0
    ? { devices, touchpoints, processedEvents, processedEventOutcomes, ipInstallCounts }
    : { devices, touchpoints, processedEvents, ipInstallCounts };
}
/**
 * Touchpoints by match key, newest first, at most `touchpointsPerKey` each: one Query per click-id or
 * device-id key, one per IP for signature keys (`signatureTouchpoints`), and, with
 * `legacySignatureReads`, one per signature key in the layout before IP partitions.
 */
/** Whether one of a device's identifiers has this identifier key. */
function carriesKey(device: Device, key: string): boolean {
  const { tenantId, appId } = device;
  return (
    device.advertisingIds.some((id) => identifierKey(tenantId, appId, 'adid', id) === key) ||
    device.vendorIds.some((id) => identifierKey(tenantId, appId, 'idfv', id) === key) ||
    device.customerUserIds.some((id) => identifierKey(tenantId, appId, 'cuid', id) === key)
  );
}
export async function queryTouchpoints(
  t: GraphTable,
  keys: readonly string[],
): Promise<Map<string, Touchpoint[]>> {
  const out = new Map<string, Touchpoint[]>();
  const byIp = new Map<string, { pk: string; keys: { key: string; prefix: string }[] }>();
  const single: string[] = [];
  for (const key of keys) {
    const signature = signatureLocation(key);
    if (!signature) {
      single.push(key);
      continue;
    }
    const group = byIp.get(signature.pk) ?? { pk: signature.pk, keys: [] };
    group.keys.push({ key, prefix: signature.prefix });
    byIp.set(signature.pk, group);
    if (t.legacySignatureReads) single.push(key);
  }
  const add = (key: string, found: readonly Touchpoint[]) => {
    if (found.length === 0) return;
    const known = out.get(key);
    if (!known) {
      out.set(key, [...found]);
      return;
    }
    // A signature key read in both layouts: one list, newest first, each touchpoint once.
    const ids = new Set(known.map((tp) => tp.id));
    const merged = [...known, ...found.filter((tp) => !ids.has(tp.id))];
    merged.sort((a, b) => b.timestampMs - a.timestampMs);
    out.set(key, merged.slice(0, t.touchpointsPerKey));
  };
  await Promise.all([
    mapLimit(single, 32, async (key) => {
      const items = await queryPage(t, { pk: matchPk(key), newestFirst: true });
      add(
        key,
        items.items.map((i) => JSON.parse(String(i.data)) as Touchpoint),
      );
    }),
    mapLimit([...byIp.values()], 32, async (group) => {
      for (const [key, found] of await signatureTouchpoints(t, group.pk, group.keys)) add(key, found);
    }),
  ]);
  return out;
}
/**
 * The touchpoints of one IP's signature keys. One Query reads the IP's partition in sort key order
 * (signature, then time); a signature whose items all came back is complete and keeps its newest
 * `touchpointsPerKey`. Behind a busy IP (a carrier NAT) the page ends early: each signature not
 * complete is read on its own, newest first, with the same limit as any other match key.
 */
export async function signatureTouchpoints(
  t: GraphTable,
  pk: string,
  keys: readonly { key: string; prefix: string }[],
): Promise<Map<string, Touchpoint[]>> {
  const out = new Map<string, Touchpoint[]>();
  const page = await queryPage(t, { pk, newestFirst: false, withSk: true });
  const last = page.lastSk;
  await mapLimit(keys, 4, async ({ key, prefix }) => {
    const complete = last === undefined || (last > prefix && !last.startsWith(prefix));
    const items = complete
      ? page.items
          .filter((i) => String(i.sk).startsWith(prefix))
          .sort((a, b) => (String(a.sk) < String(b.sk) ? 1 : -1))
          .slice(0, t.touchpointsPerKey)
      : (await queryPage(t, { pk, prefix, newestFirst: true })).items;
    if (items.length > 0)
      out.set(
        key,
        items.map((i) => JSON.parse(String(i.data)) as Touchpoint),
      );
  });
  return out;
}
/** One strongly consistent Query page of touchpoint items (`data`, and `sk` when asked), `touchpointsPerKey` items at most. */
async function queryPage(
  t: GraphTable,
  q: { pk: string; prefix?: string; newestFirst: boolean; withSk?: boolean },
): Promise<{ items: Item[]; lastSk?: string }> {
  const { Items, ConsumedCapacity, LastEvaluatedKey } = await t.withRetry('Query', () =>
    t.documents.send(
      new QueryCommand({
        TableName: t.tableName,
        KeyConditionExpression: q.prefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: q.prefix === undefined ? { ':pk': q.pk } : { ':pk': q.pk, ':p': q.prefix },
        ScanIndexForward: !q.newestFirst,
        Limit: t.touchpointsPerKey,
        ConsistentRead: true,
        ProjectionExpression: q.withSk ? '#d, sk' : '#d',
        ExpressionAttributeNames: { '#d': 'data' },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  );
  t.meter.record('Query', ConsumedCapacity);
  const items = Items ?? [];
  t.bill('Query', readUnits(items.reduce((n, i) => n + itemBytes(i), 0)), 0);
  return LastEvaluatedKey ? { items, lastSk: String(LastEvaluatedKey.sk) } : { items };
}
/** The device known by one identifier in one app. */
export async function findDevice(
  t: GraphTable,
  tenantId: string,
  appId: string,
  kind: IdentifierKind,
  value: string,
): Promise<Device | undefined> {
  const key = identifierKey(tenantId, appId, kind, value);
  const snapshot = await load(t, {
    deviceKeys: [key],
    touchpointKeys: [],
    eventKeys: [],
    ipHourKeys: [],
  });
  return snapshot.devices.get(key);
}
/**
 * Every attribution decision of a device, oldest first: one Query of the device's partition, its
 * history items and its first attribution, which the device item holds instead of a history item once
 * settled (`isSettledFirst`; devices written before that have a history item for it too).
 */
export async function listAttributions(
  t: GraphTable,
  device: Pick<Device, 'tenantId' | 'appId' | 'deviceId'>,
): Promise<Attribution[]> {
  return attributionsOf(await t.queryAll(devicePk(device), ''));
}
/** The attributions held by the items of a device's partition (device item and history items), oldest first. */
export function attributionsOf(items: readonly Item[]): Attribution[] {
  const out: Attribution[] = [];
  let first: Attribution | undefined;
  for (const item of items) {
    const sk = String(item.sk);
    if (sk === 'D') first = decodeDevice(item).firstAttribution;
    else if (sk.startsWith('A#'))
      out.push(
        item.z === undefined
          ? (JSON.parse(String(item.data)) as Attribution)
          : decodeDocument<Attribution>(item.z as Uint8Array, Number(item.zv)),
      );
  }
  if (first && !out.some((a) => a.eventId === first.eventId)) out.push(first);
  // The history items' order: install time, then event id.
  const order = (a: Attribution) => `${pad(a.installTimeMs)}#${a.eventId}`;
  return out.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}
/** Counter rows of an app between two days (inclusive, `YYYY-MM-DD`), the shards of each row summed. */
export async function readCounters(
  t: GraphTable,
  tenantId: string,
  appId: string,
  fromDay: string,
  toDay: string,
): Promise<CounterRow[]> {
  const months = monthsBetween(fromDay, toDay);
  const rows = new Map<string, CounterRow>();
  const add = (row: CounterRow) => {
    const key = [row.day, row.network, row.campaign, row.metric, row.currency ?? ''].join('\u0000');
    const known = rows.get(key);
    rows.set(key, known ? { ...known, value: known.value + row.value } : row);
  };
  await mapLimit(months, 12, async (month) => {
    let startKey: Item | undefined;
    do {
      const response = await t.withRetry('Query', () =>
        t.documents.send(
          new QueryCommand({
            TableName: t.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: {
              ':pk': counterPk(tenantId, appId, `${month}-01`),
              ':from': fromDay,
              ':to': `${toDay}#~`,
            },
            ExclusiveStartKey: startKey,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      t.meter.record('Query', response.ConsumedCapacity);
      for (const item of response.Items ?? []) for (const row of counterRows(item)) add(row);
      startKey = response.LastEvaluatedKey;
    } while (startKey);
  });
  return [...rows.values()];
}
export function monthsBetween(fromDay: string, toDay: string): string[] {
  const out: string[] = [];
  let year = Number(fromDay.slice(0, 4));
  let month = Number(fromDay.slice(5, 7));
  const end = toDay.slice(0, 7);
  for (let i = 0; i < 1200; i++) {
    const m = `${year}-${String(month).padStart(2, '0')}`;
    out.push(m);
    if (m >= end) break;
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
  return out;
}
