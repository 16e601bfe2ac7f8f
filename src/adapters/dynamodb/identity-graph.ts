import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Attribution } from '../../domain/attribution.js';
import { type IdentifierKind, identifierKey } from '../../domain/keys.js';
import type { Touchpoint } from '../../domain/model.js';
import type {
  AttributionStore,
  CommitResult,
  CounterIncrement,
  CounterMetric,
  Device,
  StoreLoadRequest,
  StoreSnapshot,
  UnitOfWork,
} from '../../domain/store.js';
import { chunk, mapLimit, unique } from '../concurrency.js';
import { isThrottling, StoreThrottledError } from '../errors.js';
import { CapacityMeter } from './capacity.js';

/**
 * The identity graph on DynamoDB (single-table design), implementing the engine's storage port.
 *
 * | item                      | pk                         | sk                              | TTL (`expiresAt`)       |
 * | ------------------------- | -------------------------- | ------------------------------- | ----------------------- |
 * | identifier → device link  | `I#<identifierKey>`        | `I`                             | none                    |
 * | device                    | `D#<tenant>#<app>#<id>`    | `D`                             | none                    |
 * | attribution (history)     | `D#<tenant>#<app>#<id>`    | `A#<installTimeMs>#<eventId>`   | none                    |
 * | touchpoint, per match key | `M#<matchKey>`             | `<timestampMs>#<touchpointId>`  | touch time + 31 d (signature keys + 8 d) |
 * | processed-event marker    | `E#<eventKey>`             | `E`                             | 400 days                |
 * | per-day counter           | `C#<tenant>#<app>#<YYYY-MM>` | `<day>#<metric>#<network>#<campaign>#<currency>` | none |
 * | installs per IP and hour  | `H#<ipHourKey>`            | `H`                             | 2 days                  |
 *
 * Every key begins with the tenant and app (domain keys from `keys.ts` already do), so nothing reads
 * across tenants. Counters are partitioned by month so a year's report is twelve queries.
 */

export interface IdentityGraphOptions {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Counts requests and consumed capacity. @default a private meter */
  readonly meter?: CapacityMeter;
  /** Transactions in flight at once during a commit. @default 16 */
  readonly commitConcurrency?: number;
  /** Attempts of a throttled call (BatchGet unprocessed keys, throttled transactions). @default 4 */
  readonly maxAttempts?: number;
  /** First backoff delay, doubled per attempt with jitter. @default 25 */
  readonly baseDelayMs?: number;
  /** Most recent touchpoints read per match key. @default 50 */
  readonly touchpointsPerKey?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** A row of the per-day aggregate counters. */
export interface CounterRow {
  readonly day: string;
  readonly network: string;
  readonly campaign: string;
  readonly metric: CounterMetric;
  readonly currency?: string;
  readonly value: number;
}

/** What an erasure removed. */
export interface ErasureCounts {
  readonly devices: number;
  readonly identifiers: number;
  readonly touchpoints: number;
  readonly attributions: number;
}

const DAY_S = 86_400;
const TOUCHPOINT_TTL_S = 31 * DAY_S;
const SIGNATURE_TTL_S = 8 * DAY_S;
const EVENT_MARKER_TTL_S = 400 * DAY_S;
const IP_HOUR_TTL_S = 2 * DAY_S;
const TRANSACTION_LIMIT = 100;
const BATCH_GET_LIMIT = 100;

const linkPk = (key: string) => `I#${key}`;
const devicePk = (d: { tenantId: string; appId: string; deviceId: string }) =>
  `D#${d.tenantId}#${d.appId}#${d.deviceId}`;
const matchPk = (key: string) => `M#${key}`;
const eventPk = (key: string) => `E#${key}`;
const ipHourPk = (key: string) => `H#${key}`;
const pad = (ms: number) => String(Math.max(0, Math.trunc(ms))).padStart(15, '0');
const counterPk = (tenantId: string, appId: string, day: string) =>
  `C#${tenantId}#${appId}#${day.slice(0, 7)}`;
const part = (s: string) => encodeURIComponent(s);
const counterSk = (c: Pick<CounterIncrement, 'day' | 'metric' | 'network' | 'campaign' | 'currency'>) =>
  [c.day, c.metric, part(c.network), part(c.campaign), part(c.currency ?? '-')].join('#');

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class IdentityGraph implements AttributionStore {
  readonly meter: CapacityMeter;
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly commitConcurrency: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly touchpointsPerKey: number;
  private readonly now: () => number;

  constructor(options: IdentityGraphOptions) {
    this.documents = options.documents;
    this.tableName = options.tableName;
    this.meter = options.meter ?? new CapacityMeter();
    this.commitConcurrency = options.commitConcurrency ?? 16;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 25;
    this.touchpointsPerKey = options.touchpointsPerKey ?? 50;
    this.now = options.now ?? Date.now;
  }

  // ---------------------------------------------------------------- port: load

  async load(request: StoreLoadRequest): Promise<StoreSnapshot> {
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
      this.batchGet(firstRound),
      this.queryTouchpoints(unique(request.touchpointKeys)),
    ]);

    const deviceIdByKey = new Map<string, string>();
    const processedEvents = new Set<string>();
    const ipInstallCounts = new Map<string, number>();
    for (const item of items.values()) {
      const pk = String(item.pk);
      if (pk.startsWith('I#')) deviceIdByKey.set(pk.slice(2), String(item.deviceId));
      else if (pk.startsWith('E#')) processedEvents.add(pk.slice(2));
      else if (pk.startsWith('H#')) ipInstallCounts.set(pk.slice(2), Number(item.count ?? 0));
    }

    const devicePks = new Map<string, string>();
    for (const [key, deviceId] of deviceIdByKey) {
      const scope = key.split('#', 2);
      devicePks.set(key, devicePk({ tenantId: scope[0] ?? '', appId: scope[1] ?? '', deviceId }));
    }
    const deviceItems = await this.batchGet(unique([...devicePks.values()]).map((pk) => ({ pk, sk: 'D' })));
    const devices = new Map<string, Device>();
    for (const [key, pk] of devicePks) {
      const item = deviceItems.get(`${pk}|D`);
      if (item) devices.set(key, JSON.parse(String(item.data)) as Device);
    }
    return { devices, touchpoints, processedEvents, ipInstallCounts };
  }

  private async queryTouchpoints(keys: readonly string[]): Promise<Map<string, Touchpoint[]>> {
    const out = new Map<string, Touchpoint[]>();
    await mapLimit(keys, 32, async (key) => {
      const { Items, ConsumedCapacity } = await this.withRetry('Query', () =>
        this.documents.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': matchPk(key) },
            ScanIndexForward: false,
            Limit: this.touchpointsPerKey,
            ConsistentRead: true,
            ProjectionExpression: '#d',
            ExpressionAttributeNames: { '#d': 'data' },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      this.meter.record('Query', ConsumedCapacity);
      if (Items && Items.length > 0)
        out.set(
          key,
          Items.map((i) => JSON.parse(String(i.data)) as Touchpoint),
        );
    });
    return out;
  }

  /** BatchGetItem in chunks of 100, in parallel, retrying unprocessed keys with backoff. */
  private async batchGet(keys: readonly { pk: string; sk: string }[]): Promise<Map<string, Item>> {
    const out = new Map<string, Item>();
    await mapLimit(chunk(keys, BATCH_GET_LIMIT), 8, async (batch) => {
      let pending: Item[] = batch;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > this.maxAttempts) {
          throw new StoreThrottledError(
            `BatchGetItem left ${pending.length} keys unprocessed after ${this.maxAttempts} attempts`,
            'BatchGetItem',
          );
        }
        if (attempt > 1) await sleep(this.backoff(attempt));
        const response = await this.withRetry('BatchGetItem', () =>
          this.documents.send(
            new BatchGetCommand({
              RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
        this.meter.record('BatchGetItem', response.ConsumedCapacity);
        for (const item of response.Responses?.[this.tableName] ?? []) out.set(`${item.pk}|${item.sk}`, item);
        pending = (response.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined) ?? [];
      }
    });
    return out;
  }

  // ---------------------------------------------------------------- port: commit

  async commit(units: readonly UnitOfWork[]): Promise<CommitResult> {
    const failed = new Set<number>();
    // Units touching the same device (or event) must apply in record order: each expects the version
    // the previous one wrote. Independent chains run in parallel.
    await mapLimit(chains(units), this.commitConcurrency, async (chain) => {
      let broken = false;
      for (const unit of chain) {
        if (broken || !(await this.applyUnit(unit))) {
          broken = true;
          failed.add(unit.recordIndex);
        }
      }
    });
    return { failedRecordIndexes: [...failed].sort((a, b) => a - b) };
  }

  /** Applies one unit in one transaction; false when a condition failed or retries ran out. */
  private async applyUnit(unit: UnitOfWork): Promise<boolean> {
    const items = this.transactItems(unit);
    if (items.length === 0) return true;
    if (items.length > TRANSACTION_LIMIT) return false;
    try {
      const { ConsumedCapacity } = await this.withRetry('TransactWriteItems', () =>
        this.documents.send(
          new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: 'TOTAL' }),
        ),
      );
      this.meter.record('TransactWriteItems', ConsumedCapacity);
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException || isThrottling(error)) {
        this.meter.record('TransactWriteItems', undefined);
        return false;
      }
      throw error;
    }
  }

  private transactItems(unit: UnitOfWork): TransactItem[] {
    const t = this.tableName;
    const nowS = Math.floor(this.now() / 1000);
    const items: TransactItem[] = [];
    if (unit.eventKey) {
      items.push({
        Put: {
          TableName: t,
          Item: { pk: eventPk(unit.eventKey), sk: 'E', expiresAt: nowS + EVENT_MARKER_TTL_S },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    for (const device of uniqueBy(unit.devices, (d) => d.deviceId)) {
      // The port's contract: the stored version must be `version - 1`; a new device is written at 0.
      const previous = device.version - 1;
      items.push({
        Put: {
          TableName: t,
          Item: { pk: devicePk(device), sk: 'D', version: device.version, data: JSON.stringify(device) },
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
      items.push({ Put: { TableName: t, Item: { pk: linkPk(link.key), sk: 'I', deviceId: link.deviceId } } });
    }
    for (const { touchpoint, keys } of unit.touchpoints) {
      const data = JSON.stringify(touchpoint);
      const touchS = Math.floor(touchpoint.timestampMs / 1000);
      for (const key of unique(keys)) {
        const ttl = key.includes('#sig#') ? SIGNATURE_TTL_S : TOUCHPOINT_TTL_S;
        items.push({
          Put: {
            TableName: t,
            Item: {
              pk: matchPk(key),
              sk: `${pad(touchpoint.timestampMs)}#${touchpoint.id}`,
              data,
              keys: unique(keys),
              expiresAt: Math.max(touchS, nowS) + ttl,
            },
          },
        });
      }
    }
    for (const attribution of uniqueBy(unit.attributions, (a) => `${a.deviceId}|${a.eventId}`)) {
      items.push({
        Put: {
          TableName: t,
          Item: {
            pk: devicePk(attribution),
            sk: `A#${pad(attribution.installTimeMs)}#${attribution.eventId}`,
            data: JSON.stringify(attribution),
          },
        },
      });
    }
    for (const counter of mergeCounters(unit.counters)) {
      items.push({
        Update: {
          TableName: t,
          Key: { pk: counterPk(counter.tenantId, counter.appId, counter.day), sk: counterSk(counter) },
          UpdateExpression: 'ADD #v :v SET #day = :day, #m = :m, #n = :n, #c = :c, #cur = :cur',
          ExpressionAttributeNames: {
            '#v': 'value',
            '#day': 'day',
            '#m': 'metric',
            '#n': 'network',
            '#c': 'campaign',
            '#cur': 'currency',
          },
          ExpressionAttributeValues: {
            ':v': counter.value,
            ':day': counter.day,
            ':m': counter.metric,
            ':n': counter.network,
            ':c': counter.campaign,
            ':cur': counter.currency ?? '-',
          },
        },
      });
    }
    const ipDeltas = new Map<string, number>();
    for (const inc of unit.ipHourIncrements) ipDeltas.set(inc.key, (ipDeltas.get(inc.key) ?? 0) + inc.delta);
    for (const [key, delta] of ipDeltas) {
      items.push({
        Update: {
          TableName: t,
          Key: { pk: ipHourPk(key), sk: 'H' },
          UpdateExpression: 'ADD #n :d SET expiresAt = :e',
          ExpressionAttributeNames: { '#n': 'count' },
          ExpressionAttributeValues: { ':d': delta, ':e': nowS + IP_HOUR_TTL_S },
        },
      });
    }
    return items;
  }

  /** Retries throttled calls (and throttled transactions) with exponential backoff and jitter. */
  private async withRetry<T>(operation: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const retryable = isThrottling(error) || isThrottledTransaction(error);
        if (!retryable || attempt >= this.maxAttempts) {
          if (retryable) {
            throw new StoreThrottledError(`${operation} throttled ${attempt} times`, operation, {
              cause: error,
            });
          }
          throw error;
        }
        await sleep(this.backoff(attempt + 1));
      }
    }
  }

  private backoff(attempt: number): number {
    const base = this.baseDelayMs * 2 ** (attempt - 2);
    return base / 2 + Math.random() * (base / 2);
  }

  // ---------------------------------------------------------------- reads for the API

  /** The device known by one identifier in one app. */
  async findDevice(
    tenantId: string,
    appId: string,
    kind: IdentifierKind,
    value: string,
  ): Promise<Device | undefined> {
    const key = identifierKey(tenantId, appId, kind, value);
    const snapshot = await this.load({
      deviceKeys: [key],
      touchpointKeys: [],
      eventKeys: [],
      ipHourKeys: [],
    });
    return snapshot.devices.get(key);
  }

  /** Every attribution decision of a device, oldest first. */
  async listAttributions(device: Pick<Device, 'tenantId' | 'appId' | 'deviceId'>): Promise<Attribution[]> {
    const items = await this.queryAll(devicePk(device), 'A#');
    return items.map((i) => JSON.parse(String(i.data)) as Attribution);
  }

  /** Counter rows of an app between two days (inclusive, `YYYY-MM-DD`). */
  async readCounters(tenantId: string, appId: string, fromDay: string, toDay: string): Promise<CounterRow[]> {
    const months = monthsBetween(fromDay, toDay);
    const rows: CounterRow[] = [];
    await mapLimit(months, 12, async (month) => {
      let startKey: Item | undefined;
      do {
        const response = await this.withRetry('Query', () =>
          this.documents.send(
            new QueryCommand({
              TableName: this.tableName,
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
        this.meter.record('Query', response.ConsumedCapacity);
        for (const item of response.Items ?? []) {
          const currency = String(item.currency ?? '-');
          rows.push({
            day: String(item.day),
            network: String(item.network),
            campaign: String(item.campaign),
            metric: item.metric as CounterMetric,
            ...(currency === '-' ? {} : { currency }),
            value: Number(item.value ?? 0),
          });
        }
        startKey = response.LastEvaluatedKey;
      } while (startKey);
    });
    return rows;
  }

  /**
   * Erases one identity: its device, every identifier linked to it, the touchpoints found through its
   * device identifiers (with their copies under other match keys) and its attribution history.
   * Processed-event markers (no personal data) and aggregate counters stay.
   */
  async eraseIdentity(
    tenantId: string,
    appId: string,
    kind: IdentifierKind,
    value: string,
  ): Promise<ErasureCounts> {
    const device = await this.findDevice(tenantId, appId, kind, value);
    const requestedKey = identifierKey(tenantId, appId, kind, value);
    const keys: { pk: string; sk: string }[] = [];
    const identifierKeys = new Set<string>([requestedKey]);
    let attributions = 0;
    if (device) {
      for (const id of device.advertisingIds) identifierKeys.add(identifierKey(tenantId, appId, 'adid', id));
      for (const id of device.vendorIds) identifierKeys.add(identifierKey(tenantId, appId, 'idfv', id));
      for (const id of device.customerUserIds) identifierKeys.add(identifierKey(tenantId, appId, 'cuid', id));
      const deviceItems = await this.queryAll(devicePk(device), '');
      for (const item of deviceItems) {
        keys.push({ pk: String(item.pk), sk: String(item.sk) });
        if (String(item.sk).startsWith('A#')) attributions++;
      }
    }
    for (const key of identifierKeys) keys.push({ pk: linkPk(key), sk: 'I' });
    let touchpoints = 0;
    const touchpointItems = new Map<string, { pk: string; sk: string }>();
    for (const key of identifierKeys) {
      for (const item of await this.queryAll(matchPk(key), '')) {
        touchpoints++;
        const sk = String(item.sk);
        for (const matchKey of (item.keys as string[] | undefined) ?? [key]) {
          touchpointItems.set(`${matchPk(matchKey)}|${sk}`, { pk: matchPk(matchKey), sk });
        }
      }
    }
    keys.push(...touchpointItems.values());
    await this.batchDelete(keys);
    return {
      devices: device ? 1 : 0,
      identifiers: device ? identifierKeys.size : 0,
      touchpoints,
      attributions,
    };
  }

  private async queryAll(pk: string, skPrefix: string): Promise<Item[]> {
    const out: Item[] = [];
    let startKey: Item | undefined;
    do {
      const response = await this.withRetry('Query', () =>
        this.documents.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :p)' : 'pk = :pk',
            ExpressionAttributeValues: skPrefix ? { ':pk': pk, ':p': skPrefix } : { ':pk': pk },
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      this.meter.record('Query', response.ConsumedCapacity);
      out.push(...(response.Items ?? []));
      startKey = response.LastEvaluatedKey;
    } while (startKey);
    return out;
  }

  private async batchDelete(keys: readonly { pk: string; sk: string }[]): Promise<void> {
    const distinct = uniqueBy(keys, (k) => `${k.pk}|${k.sk}`);
    for (const batch of chunk(distinct, 25)) {
      let pending = batch.map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > this.maxAttempts) {
          throw new StoreThrottledError('BatchWriteItem left items unprocessed', 'BatchWriteItem');
        }
        if (attempt > 1) await sleep(this.backoff(attempt));
        const response = await this.withRetry('BatchWriteItem', () =>
          this.documents.send(
            new BatchWriteCommand({
              RequestItems: { [this.tableName]: pending },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
        this.meter.record('BatchWriteItem', response.ConsumedCapacity);
        pending = (response.UnprocessedItems?.[this.tableName] as typeof pending | undefined) ?? [];
      }
    }
  }
}

function isThrottledTransaction(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  // Only retry when nothing failed its condition: a lost condition is final for this attempt.
  return (
    !codes.includes('ConditionalCheckFailed') &&
    codes.some(
      (c) => c === 'ThrottlingError' || c === 'TransactionConflict' || c === 'ProvisionedThroughputExceeded',
    )
  );
}

/** Groups units that share a device or an event into ordered chains (union-find over their keys). */
function chains(units: readonly UnitOfWork[]): UnitOfWork[][] {
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

function mergeCounters(counters: readonly CounterIncrement[]): CounterIncrement[] {
  const merged = new Map<string, CounterIncrement>();
  for (const c of counters) {
    const key = `${counterPk(c.tenantId, c.appId, c.day)}|${counterSk(c)}`;
    const previous = merged.get(key);
    merged.set(key, previous ? { ...previous, value: previous.value + c.value } : c);
  }
  return [...merged.values()];
}

function monthsBetween(fromDay: string, toDay: string): string[] {
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

function uniqueBy<T>(values: readonly T[], key: (v: T) => string): T[] {
  const seen = new Map<string, T>();
  // The last write of a key wins, as it would in sequence.
  for (const v of values) seen.set(key(v), v);
  return [...seen.values()];
}
