import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { StoreThrottledError } from '../../../app/errors.js';
import { chunk, mapLimit, uniqueBy } from '../../concurrency.js';
import { isThrottling } from '../../throttling.js';
import { itemBytes, readUnits, writeUnits } from '../billing.js';
import { CapacityMeter } from '../capacity.js';
import {
  BATCH_GET_LIMIT,
  BATCH_WRITE_LIMIT,
  DEFAULT_COUNTER_SHARDS,
  type Item,
  MAX_COUNTER_SHARDS,
  type WriteRequest,
} from './layout.js';
import { backoffMs, sleep, withRetry } from './retry.js';

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
  /**
   * Also read signature touchpoints in the layout before IP partitions (`M#<signature key>`, one Query
   * per signature). Those copies expire 8 days after their touch time: a table that held signature
   * touchpoints before the upgrade needs this for 8 days, for probabilistic matches across the upgrade.
   * @default false
   */
  readonly legacySignatureReads?: boolean;
  /**
   * Items each per-day counter row is split into. Each transaction of a commit adds its counters to
   * the next shard in turn (a commit writes a shard item of a row once, up to this many transactions),
   * so a busy row takes `1 / counterShards` of its writes per item; `readCounters` sums them. The
   * capacity model (`src/cost/capacity.ts`) bounds the hottest item with this figure.
   * @default DEFAULT_COUNTER_SHARDS (64)
   */
  readonly counterShards?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * One identity graph table and the calls every part makes on it: BatchGet, BatchWrite and paged
 * queries, each retried when throttled (exponential backoff with jitter) and billed from item sizes.
 */
export class GraphTable {
  /** Requests and the capacity DynamoDB reported. */
  readonly meter: CapacityMeter;
  /**
   * Requests and the capacity DynamoDB bills for them, computed from item sizes (`billing.ts`): the
   * same as `meter` on DynamoDB, and the true figure on DynamoDB Local, which under-reports transactions.
   */
  readonly billed = new CapacityMeter();
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly commitConcurrency: number;
  readonly unitsPerTransaction: number;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly touchpointsPerKey: number;
  readonly legacySignatureReads: boolean;
  readonly now: () => number;

  private readonly counterShards: number;
  private counterShard: number;

  constructor(options: IdentityGraphOptions) {
    this.documents = options.documents;
    this.tableName = options.tableName;
    this.meter = options.meter ?? new CapacityMeter();
    this.commitConcurrency = options.commitConcurrency ?? 16;
    this.unitsPerTransaction = Math.max(1, options.unitsPerTransaction ?? 50);
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 25;
    this.touchpointsPerKey = options.touchpointsPerKey ?? 50;
    this.legacySignatureReads = options.legacySignatureReads ?? false;
    this.now = options.now ?? Date.now;
    this.counterShards = options.counterShards ?? DEFAULT_COUNTER_SHARDS;
    if (
      !Number.isInteger(this.counterShards) ||
      this.counterShards < 1 ||
      this.counterShards > MAX_COUNTER_SHARDS
    ) {
      throw new RangeError(
        `counterShards must be a whole number from 1 to ${MAX_COUNTER_SHARDS}. Received ${this.counterShards}`,
      );
    }
    // Writers start on different shards, so consumers started together do not all hit shard 0.
    this.counterShard = Math.floor(Math.random() * this.counterShards);
  }

  /** The counter row shard of the next transaction: each takes the next one in turn. */
  nextCounterShard(): number {
    this.counterShard = (this.counterShard + 1) % this.counterShards;
    return this.counterShard;
  }

  /** Retries throttled calls (and throttled transactions) with exponential backoff and jitter. */
  withRetry<T>(operation: string, call: () => Promise<T>): Promise<T> {
    return withRetry(this, operation, call);
  }

  /** Records what DynamoDB bills for a request, from item sizes (`billing.ts`). */
  bill(operation: string, read: number, write: number): void {
    this.billed.record(operation, {
      CapacityUnits: read + write,
      ReadCapacityUnits: read,
      WriteCapacityUnits: write,
    });
  }

  /** BatchGetItem in chunks of 100, in parallel, retrying unprocessed keys with backoff. */
  async batchGet(keys: readonly { pk: string; sk: string }[]): Promise<Map<string, Item>> {
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
        if (attempt > 1) await sleep(backoffMs(this, attempt));
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
  /** One BatchWriteItem of at most 25 requests, retrying unprocessed items with backoff; returns what is left. */
  async batchWrite(requests: WriteRequest[]): Promise<WriteRequest[]> {
    let pending = requests;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > this.maxAttempts) return pending;
      if (attempt > 1) await sleep(backoffMs(this, attempt));
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
  async queryAll(pk: string, skPrefix: string): Promise<Item[]> {
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
  async batchDelete(keys: readonly { pk: string; sk: string }[]): Promise<void> {
    const distinct = uniqueBy(keys, (k) => `${k.pk}|${k.sk}`);
    for (const batch of chunk(distinct, BATCH_WRITE_LIMIT)) {
      const unprocessed = await this.batchWrite(batch.map((Key) => ({ DeleteRequest: { Key } })));
      if (unprocessed.length > 0) {
        throw new StoreThrottledError('BatchWriteItem left items unprocessed', 'BatchWriteItem');
      }
    }
  }
}
