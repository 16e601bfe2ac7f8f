import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CounterRow } from '../../../app/records.js';
import type { Attribution } from '../../../domain/attribution.js';
import { type IdentifierKind, identifierKey } from '../../../domain/keys.js';
import type { Touchpoint } from '../../../domain/records.js';
import type { Device, StoredEventOutcome, StoreLoadRequest, StoreSnapshot } from '../../../domain/store.js';
import { mapLimit, unique } from '../../concurrency.js';
import { itemBytes, readUnits } from '../billing.js';
import { decodeDocument } from '../codec.js';
import { counterRows, decodeDevice, decodeEventOutcome } from './items.js';
import { counterPk, devicePk, eventPk, type Item, ipHourPk, linkPk, matchPk } from './layout.js';
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

  const devicePks = new Map<string, string>();
  for (const [key, deviceId] of deviceIdByKey) {
    const scope = key.split('#', 2);
    devicePks.set(key, devicePk({ tenantId: scope[0] ?? '', appId: scope[1] ?? '', deviceId }));
  }
  const deviceItems = await t.batchGet(unique([...devicePks.values()]).map((pk) => ({ pk, sk: 'D' })));
  const devices = new Map<string, Device>();
  for (const [key, pk] of devicePks) {
    const item = deviceItems.get(`${pk}|D`);
    if (item) devices.set(key, decodeDevice(item));
  }
  return processedEventOutcomes.size > 0
    ? { devices, touchpoints, processedEvents, processedEventOutcomes, ipInstallCounts }
    : { devices, touchpoints, processedEvents, ipInstallCounts };
}
export async function queryTouchpoints(
  t: GraphTable,
  keys: readonly string[],
): Promise<Map<string, Touchpoint[]>> {
  const out = new Map<string, Touchpoint[]>();
  await mapLimit(keys, 32, async (key) => {
    const { Items, ConsumedCapacity } = await t.withRetry('Query', () =>
      t.documents.send(
        new QueryCommand({
          TableName: t.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': matchPk(key) },
          ScanIndexForward: false,
          Limit: t.touchpointsPerKey,
          ConsistentRead: true,
          ProjectionExpression: '#d',
          ExpressionAttributeNames: { '#d': 'data' },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    t.meter.record('Query', ConsumedCapacity);
    t.bill('Query', readUnits((Items ?? []).reduce((n, i) => n + itemBytes(i), 0)), 0);
    if (Items && Items.length > 0)
      out.set(
        key,
        Items.map((i) => JSON.parse(String(i.data)) as Touchpoint),
      );
  });
  return out;
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
/** Every attribution decision of a device, oldest first. */
export async function listAttributions(
  t: GraphTable,
  device: Pick<Device, 'tenantId' | 'appId' | 'deviceId'>,
): Promise<Attribution[]> {
  const items = await t.queryAll(devicePk(device), 'A#');
  return items.map((i) =>
    i.z === undefined
      ? (JSON.parse(String(i.data)) as Attribution)
      : decodeDocument<Attribution>(i.z as Uint8Array, Number(i.zv)),
  );
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
