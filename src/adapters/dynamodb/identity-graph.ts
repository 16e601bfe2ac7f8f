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
import type { Touchpoint } from '../../domain/records.js';
import type {
  AttributionStore,
  CommitResult,
  CounterIncrement,
  CounterMetric,
  Device,
  StoredEventOutcome,
  StoreLoadRequest,
  StoreSnapshot,
  UnitOfWork,
} from '../../domain/store.js';
import { chunk, mapLimit, unique } from '../concurrency.js';
import { isThrottling, StoreThrottledError } from '../errors.js';
import { itemBytes, readUnits, transactionWriteUnits, writeUnits } from './billing.js';
import { CapacityMeter } from './capacity.js';
import { CODEC_VERSION, decodeDocument, encodeDocument } from './codec.js';

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
 * | per-day counter row       | `C#<tenant>#<app>#<YYYY-MM>` | `<day>#<network>#<campaign>`  | none                    |
 * | installs per IP and hour  | `H#<ipHourKey>`            | `H`                             | 2 days                  |
 *
 * Every key begins with the tenant and app (domain keys from `keys.ts` already do), so nothing reads
 * across tenants. Counters are partitioned by month so a year's report is twelve queries; a row holds
 * one attribute per metric (`m#installs`, `m#revenue#USD`). Devices and attributions are stored as
 * compressed documents (`z`, `codec.ts`), a device's first attribution only once when it is also the
 * current one, so these items stay under 1 KB. Layout, sizes and cost per 1,000 events:
 * docs/identity-graph.md.
 *
 * A commit writes pure touchpoint units with BatchWriteItem and packs the other units, several to a
 * transaction, in waves that keep each device's units in record order.
 */

export interface IdentityGraphOptions {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Counts requests and consumed capacity. @default a private meter */
  readonly meter?: CapacityMeter;
  /** Transactions (or BatchWriteItem calls) in flight at once during a commit. @default 16 */
  readonly commitConcurrency?: number;
  /** Most units packed into one transaction (each stays atomic). @default 50 */
  readonly unitsPerTransaction?: number;
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
const BATCH_WRITE_LIMIT = 25;

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
/** One counter row per day, network and campaign; each metric (and revenue currency) is an attribute. */
const counterRowSk = (c: Pick<CounterIncrement, 'day' | 'network' | 'campaign'>) =>
  [c.day, part(c.network), part(c.campaign)].join('#');
const METRIC_PREFIX = 'm#';
const metricAttribute = (metric: CounterMetric, currency: string | undefined) =>
  currency === undefined ? `${METRIC_PREFIX}${metric}` : `${METRIC_PREFIX}${metric}#${currency}`;

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
// The document client's shapes: plain JavaScript items and keys, not AttributeValue maps.
type WriteRequest = { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Record<string, unknown> } };

/** A unit's writes, prepared once for packing into transactions. */
interface UnitPlan {
  readonly unit: UnitOfWork;
  /** Puts only this unit makes (event marker, devices, links, touchpoints, attributions). */
  readonly owned: readonly TransactItem[];
  readonly ownedKeys: readonly string[];
  /** Additive items (counter rows, IP-hour counts) other units of a transaction may share. */
  readonly sharedKeys: ReadonlySet<string>;
  readonly ipDeltas: ReadonlyMap<string, number>;
  readonly itemCount: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class IdentityGraph implements AttributionStore {
  /** Requests and the capacity DynamoDB reported. */
  readonly meter: CapacityMeter;
  /**
   * Requests and the capacity DynamoDB bills for them, computed from item sizes (`billing.ts`): the
   * same as `meter` on DynamoDB, and the true figure on DynamoDB Local, which under-reports transactions.
   */
  readonly billed = new CapacityMeter();
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly commitConcurrency: number;
  private readonly unitsPerTransaction: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly touchpointsPerKey: number;
  private readonly now: () => number;

  constructor(options: IdentityGraphOptions) {
    this.documents = options.documents;
    this.tableName = options.tableName;
    this.meter = options.meter ?? new CapacityMeter();
    this.commitConcurrency = options.commitConcurrency ?? 16;
    this.unitsPerTransaction = Math.max(1, options.unitsPerTransaction ?? 50);
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
    const deviceItems = await this.batchGet(unique([...devicePks.values()]).map((pk) => ({ pk, sk: 'D' })));
    const devices = new Map<string, Device>();
    for (const [key, pk] of devicePks) {
      const item = deviceItems.get(`${pk}|D`);
      if (item) devices.set(key, decodeDevice(item));
    }
    return processedEventOutcomes.size > 0
      ? { devices, touchpoints, processedEvents, processedEventOutcomes, ipInstallCounts }
      : { devices, touchpoints, processedEvents, ipInstallCounts };
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
      this.bill('Query', readUnits((Items ?? []).reduce((n, i) => n + itemBytes(i), 0)), 0);
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
        const found = response.Responses?.[this.tableName] ?? [];
        for (const item of found) out.set(`${item.pk}|${item.sk}`, item);
        const asked = pending.length;
        pending = (response.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined) ?? [];
        // A key asked for and not found still costs a read unit.
        const missing = asked - pending.length - found.length;
        this.bill(
          'BatchGetItem',
          found.reduce((n, i) => n + readUnits(itemBytes(i)), missing),
          0,
        );
      }
    });
    return out;
  }

  // ---------------------------------------------------------------- port: commit

  async commit(units: readonly UnitOfWork[]): Promise<CommitResult> {
    const failed = new Set<number>();
    // Pure touchpoint units (no event, no device change) are idempotent puts: BatchWriteItem, billed
    // once per item instead of twice. Everything else goes through packed transactions.
    const puts: UnitOfWork[] = [];
    const transactional: UnitOfWork[] = [];
    for (const unit of units) (isPureTouchpointUnit(unit) ? puts : transactional).push(unit);
    await Promise.all([this.commitPuts(puts, failed), this.commitTransactions(transactional, failed)]);
    return { failedRecordIndexes: [...failed].sort((a, b) => a - b) };
  }

  /**
   * Units touching the same device (or event) must apply in record order: each expects the version the
   * previous one wrote. Chains of such units are cut into waves (the n-th unit of every chain), a wave's
   * units are independent, and they are packed several to a transaction: each unit stays atomic (its
   * transaction is), a unit that loses its condition is named by the cancellation reasons and the rest
   * of its transaction is resubmitted without it. A failed unit fails the rest of its chain.
   */
  private async commitTransactions(units: readonly UnitOfWork[], failed: Set<number>): Promise<void> {
    const all = chains(units);
    const broken = new Set<number>();
    const longest = all.reduce((n, c) => Math.max(n, c.length), 0);
    for (let w = 0; w < longest; w++) {
      const wave: { plan: UnitPlan; chain: number }[] = [];
      all.forEach((chain, i) => {
        const unit = chain[w];
        if (!unit) return;
        if (broken.has(i)) failed.add(unit.recordIndex);
        else wave.push({ plan: this.planUnit(unit), chain: i });
      });
      const chainOf = new Map(wave.map((u) => [u.plan.unit.recordIndex, u.chain]));
      const lost = (plan: UnitPlan) => {
        failed.add(plan.unit.recordIndex);
        broken.add(chainOf.get(plan.unit.recordIndex) ?? -1);
      };
      const runnable: UnitPlan[] = [];
      for (const { plan } of wave) {
        if (plan.itemCount > TRANSACTION_LIMIT) lost(plan);
        else runnable.push(plan);
      }
      // Transactions that share an additive item (a counter row, an IP-hour count) run one after the
      // other: concurrent transactions on one item cancel each other (TransactionConflict).
      await mapLimit(
        sharedItemGroups(packTransactions(runnable, this.unitsPerTransaction)),
        this.commitConcurrency,
        async (group) => {
          for (const transaction of group)
            for (const plan of await this.applyTransaction(transaction)) lost(plan);
        },
      );
    }
  }

  /** Applies packed units in one transaction; returns the units that were not applied. */
  private async applyTransaction(plans: readonly UnitPlan[]): Promise<UnitPlan[]> {
    const lost: UnitPlan[] = [];
    let live = [...plans];
    while (live.length > 0) {
      const { items, owners } = this.transactItems(live);
      try {
        const { ConsumedCapacity } = await this.withRetry('TransactWriteItems', () =>
          this.documents.send(
            new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: 'TOTAL' }),
          ),
        );
        this.meter.record('TransactWriteItems', ConsumedCapacity);
        this.bill('TransactWriteItems', 0, transactionWriteUnits(items));
        return lost;
      } catch (error) {
        const cancelled = error instanceof TransactionCanceledException;
        if (cancelled || isThrottling(error)) {
          this.meter.record('TransactWriteItems', undefined);
          this.bill('TransactWriteItems', 0, 0);
        }
        if (cancelled) {
          // The reasons line up with the items: a failed condition names its unit.
          const losers = new Set<UnitPlan>();
          (error.CancellationReasons ?? []).forEach((reason, i) => {
            const owner = owners[i];
            if (reason.Code === 'ConditionalCheckFailed' && owner) losers.add(owner);
          });
          if (losers.size > 0) {
            lost.push(...losers);
            live = live.filter((p) => !losers.has(p));
            continue;
          }
        }
        if (live.length > 1) {
          // Throttled past the retries, or refused without naming a unit: isolate, one unit at a time.
          for (const plan of live) lost.push(...(await this.applyTransaction([plan])));
          return lost;
        }
        if (cancelled || isThrottling(error)) {
          lost.push(...live);
          return lost;
        }
        throw error;
      }
    }
    return lost;
  }

  /** Puts the items of pure touchpoint units with BatchWriteItem; units with an unwritten item fail. */
  private async commitPuts(units: readonly UnitOfWork[], failed: Set<number>): Promise<void> {
    const byKey = new Map<string, { item: Item; owners: number[] }>();
    for (const unit of units) {
      for (const item of this.touchpointItems(unit)) {
        const key = `${item.pk}|${item.sk}`;
        const entry = byKey.get(key);
        if (entry) entry.owners.push(unit.recordIndex);
        else byKey.set(key, { item, owners: [unit.recordIndex] });
      }
    }
    const entries = [...byKey.values()];
    await mapLimit(chunk(entries, BATCH_WRITE_LIMIT), this.commitConcurrency, async (batch) => {
      const unwritten = await this.batchWrite(batch.map((e) => ({ PutRequest: { Item: e.item } })));
      if (unwritten.length === 0) return;
      const left = new Set(unwritten.map((r) => `${r.PutRequest?.Item?.pk}|${r.PutRequest?.Item?.sk}`));
      for (const e of batch)
        if (left.has(`${e.item.pk}|${e.item.sk}`)) for (const i of e.owners) failed.add(i);
    });
  }

  /** One BatchWriteItem of at most 25 requests, retrying unprocessed items with backoff; returns what is left. */
  private async batchWrite(requests: WriteRequest[]): Promise<WriteRequest[]> {
    let pending = requests;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > this.maxAttempts) return pending;
      if (attempt > 1) await sleep(this.backoff(attempt));
      try {
        const response = await this.withRetry('BatchWriteItem', () =>
          this.documents.send(
            new BatchWriteCommand({
              RequestItems: { [this.tableName]: pending },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
        this.meter.record('BatchWriteItem', response.ConsumedCapacity);
        const sent = pending;
        pending = (response.UnprocessedItems?.[this.tableName] as WriteRequest[] | undefined) ?? [];
        const left = new Set(pending.map((r) => `${r.PutRequest?.Item.pk}|${r.PutRequest?.Item.sk}`));
        let units = 0;
        for (const r of sent) {
          const item = r.PutRequest?.Item;
          if (item && !left.has(`${item.pk}|${item.sk}`)) units += writeUnits(itemBytes(item));
        }
        this.bill('BatchWriteItem', 0, units);
      } catch (error) {
        if (!isThrottling(error)) throw error;
        this.meter.record('BatchWriteItem', undefined);
        this.bill('BatchWriteItem', 0, 0);
        return pending;
      }
    }
    return pending;
  }

  /** Everything a unit writes, encoded once; additive updates kept apart so a transaction can merge them. */
  private planUnit(unit: UnitOfWork): UnitPlan {
    const t = this.tableName;
    const nowS = Math.floor(this.now() / 1000);
    const owned: TransactItem[] = [];
    if (unit.eventKey) {
      owned.push({
        Put: {
          TableName: t,
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
          TableName: t,
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
      owned.push({ Put: { TableName: t, Item: { pk: linkPk(link.key), sk: 'I', deviceId: link.deviceId } } });
    }
    for (const Item of this.touchpointItems(unit)) owned.push({ Put: { TableName: t, Item } });
    for (const attribution of uniqueBy(unit.attributions, (a) => `${a.deviceId}|${a.eventId}`)) {
      owned.push({
        Put: {
          TableName: t,
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
    const sharedKeys = new Set<string>([
      ...unit.counters.map((c) => `${counterPk(c.tenantId, c.appId, c.day)}|${counterRowSk(c)}`),
      ...[...ipDeltas.keys()].map((k) => `${ipHourPk(k)}|H`),
    ]);
    return { unit, owned, ownedKeys, sharedKeys, ipDeltas, itemCount: owned.length + sharedKeys.size };
  }

  private touchpointItems(unit: UnitOfWork): Item[] {
    const nowS = Math.floor(this.now() / 1000);
    const items: Item[] = [];
    for (const { touchpoint, keys } of unit.touchpoints) {
      const data = JSON.stringify(touchpoint);
      const touchS = Math.floor(touchpoint.timestampMs / 1000);
      const distinct = unique(keys);
      for (const key of distinct) {
        const ttl = key.includes('#sig#') ? SIGNATURE_TTL_S : TOUCHPOINT_TTL_S;
        items.push({
          pk: matchPk(key),
          sk: `${pad(touchpoint.timestampMs)}#${touchpoint.id}`,
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
  private transactItems(plans: readonly UnitPlan[]): {
    items: TransactItem[];
    owners: (UnitPlan | undefined)[];
  } {
    const t = this.tableName;
    const nowS = Math.floor(this.now() / 1000);
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
      for (const c of plan.unit.counters) {
        const pk = counterPk(c.tenantId, c.appId, c.day);
        const sk = counterRowSk(c);
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
          TableName: t,
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
          TableName: t,
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

  private bill(operation: string, read: number, write: number): void {
    this.billed.record(operation, {
      CapacityUnits: read + write,
      ReadCapacityUnits: read,
      WriteCapacityUnits: write,
    });
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
    return items.map((i) =>
      i.z === undefined
        ? (JSON.parse(String(i.data)) as Attribution)
        : decodeDocument<Attribution>(i.z as Uint8Array, Number(i.zv)),
    );
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
        for (const item of response.Items ?? []) rows.push(...counterRows(item));
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
    for (const batch of chunk(distinct, BATCH_WRITE_LIMIT)) {
      const unprocessed = await this.batchWrite(batch.map((Key) => ({ DeleteRequest: { Key } })));
      if (unprocessed.length > 0) {
        throw new StoreThrottledError('BatchWriteItem left items unprocessed', 'BatchWriteItem');
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

/** A unit that only stores touchpoints: idempotent puts, no condition, nothing to count. */
function isPureTouchpointUnit(unit: UnitOfWork): boolean {
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
function packTransactions(plans: readonly UnitPlan[], perTransaction: number): UnitPlan[][] {
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

/** Groups transactions that share an additive item; groups run in parallel, a group's members in turn. */
function sharedItemGroups(transactions: readonly UnitPlan[][]): UnitPlan[][][] {
  const groupOf = new Map<string, number>();
  const parent = transactions.map((_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] as number;
    parent[i] = r;
    return r;
  };
  transactions.forEach((plans, i) => {
    for (const plan of plans) {
      for (const key of plan.sharedKeys) {
        const other = groupOf.get(key);
        if (other === undefined) groupOf.set(key, i);
        else parent[find(i)] = find(other);
      }
    }
  });
  const groups = new Map<number, UnitPlan[][]>();
  transactions.forEach((plans, i) => {
    const root = find(i);
    const group = groups.get(root) ?? [];
    group.push(plans);
    groups.set(root, group);
  });
  return [...groups.values()];
}

/**
 * The device item: the device as a compressed document, its first attribution left out when it is
 * the current one (an install's decision is both until a reinstall or reattribution replaces it).
 */
function deviceItem(device: Device): Item {
  const { firstAttribution, ...rest } = device;
  const sameAsCurrent =
    firstAttribution !== undefined &&
    (firstAttribution === device.currentAttribution ||
      (firstAttribution.eventId === device.currentAttribution?.eventId &&
        JSON.stringify(firstAttribution) === JSON.stringify(device.currentAttribution)));
  const document: StoredDevice = sameAsCurrent
    ? { d: rest, f: 1 }
    : firstAttribution
      ? { d: rest, first: firstAttribution }
      : { d: rest };
  return {
    pk: devicePk(device),
    sk: 'D',
    version: device.version,
    zv: CODEC_VERSION,
    z: encodeDocument(document),
  };
}

interface StoredDevice {
  readonly d: Omit<Device, 'firstAttribution'>;
  /** 1: the first attribution is the current one. */
  readonly f?: 1;
  readonly first?: Attribution;
}

/** The event marker's record of its unit: source and decision, compressed (`z`). */
function eventOutcomeAttributes(unit: UnitOfWork, sourceId: string): Item {
  const outcome: StoredEventOutcome = {
    sourceId,
    ...(unit.attributions[0] ? { attribution: unit.attributions[0] } : {}),
    ...(unit.eventAttributions[0] ? { eventAttribution: unit.eventAttributions[0] } : {}),
  };
  return { zv: CODEC_VERSION, z: encodeDocument(outcome) };
}

function decodeEventOutcome(item: Item): StoredEventOutcome {
  return decodeDocument<StoredEventOutcome>(item.z as Uint8Array, Number(item.zv));
}

function decodeDevice(item: Item): Device {
  // Items written before the compact format hold the device as JSON in `data`.
  if (item.z === undefined) return JSON.parse(String(item.data)) as Device;
  const { d, f, first } = decodeDocument<StoredDevice>(item.z as Uint8Array, Number(item.zv));
  const firstAttribution = f === 1 ? d.currentAttribution : first;
  return firstAttribution ? { ...d, firstAttribution } : d;
}

/** The rows of one counter item (one per metric attribute; older items hold one metric each). */
function counterRows(item: Item): CounterRow[] {
  const base = { day: String(item.day), network: String(item.network), campaign: String(item.campaign) };
  if (item.metric !== undefined) {
    const currency = String(item.currency ?? '-');
    return [
      {
        ...base,
        metric: item.metric as CounterMetric,
        ...(currency === '-' ? {} : { currency }),
        value: Number(item.value ?? 0),
      },
    ];
  }
  const rows: CounterRow[] = [];
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(METRIC_PREFIX)) continue;
    const [metric, currency] = name.slice(METRIC_PREFIX.length).split('#');
    rows.push({
      ...base,
      metric: metric as CounterMetric,
      ...(currency === undefined ? {} : { currency }),
      value: Number(value ?? 0),
    });
  }
  return rows;
}
