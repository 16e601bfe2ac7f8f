import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CounterShard, CounterWindow, UsageCounters } from '../../app/ports/usage-counters.js';
import { TENANT_REGISTRY_TABLE, USAGE_COUNTER_KEY_PREFIX } from '../../definitions/tables.js';

/**
 * Usage counters in DynamoDB: one item per shard of a counter window (`pk` `LIMIT#<key>#<shard>`), so a
 * busy app's window is spread over `USAGE_COUNTER_LEASES.shards` partitions. A lease is one conditional
 * `UpdateItem` (`ADD` under `total <= cap - units`): refused, it writes nothing and answers the total it
 * found. Items carry a TTL a minute past their window's end.
 *
 * The registry is a global table, where two regions adding to one item settle by last writer wins and
 * lose an addition. So with `region` set each region counts in its own items (`LIMIT#<region>#<key>#<shard>`),
 * written by that region alone; `otherRegionsTotal` reads the other regions' items of a window from the
 * local replica (BatchGetItem), which lag by the replication delay (about a second).
 */

export interface DynamoUsageCountersOptions {
  readonly documents: DynamoDBDocumentClient;
  /** The table holding the counters (the tenant registry, whose TTL attribute they use). */
  readonly tableName: string;
  /**
   * This region: its counts go to items only it writes.
   * @default items written by every region (a single-region deployment, local mode)
   */
  readonly region?: string;
  /**
   * The platform's other regions, whose counts a long window's limit adds to this region's.
   * @default none: a limit counts this region alone
   */
  readonly otherRegions?: readonly string[];
}

/** Seconds a counter item outlives its window before TTL may delete it. */
const TTL_MARGIN_SECONDS = 60;
const TTL_ATTRIBUTE = TENANT_REGISTRY_TABLE.timeToLiveAttribute ?? /* c8 ignore next */ 'expiresAtSeconds';
/** Keys one BatchGetItem takes. */
const BATCH_GET_KEYS = 100;

/** The item of one shard of a counter window, in `region`'s own item when given. */
export const counterKey = (counter: CounterShard, region?: string) => ({
  pk: `${USAGE_COUNTER_KEY_PREFIX}${region ? `${region}#` : ''}${counter.key}#${counter.shard}`,
  sk: 'LIMIT',
});

export class DynamoUsageCounters implements UsageCounters {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly region: string | undefined;
  private readonly otherRegions: readonly string[];

  constructor(options: DynamoUsageCountersOptions) {
    this.documents = options.documents;
    this.tableName = options.tableName;
    this.region = options.region;
    this.otherRegions = options.region
      ? (options.otherRegions ?? []).filter((r) => r !== options.region)
      : [];
  }

  async add(
    counter: CounterShard,
    units: number,
    limit: number,
  ): Promise<{ admitted: boolean; total?: number }> {
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(counter, this.region),
          UpdateExpression: 'ADD #total :units SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#total) OR #total <= :headroom',
          ExpressionAttributeNames: { '#total': 'total', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':units': units,
            ':headroom': limit - units,
            ':ttl': Math.ceil(counter.endsAtMs / 1000) + TTL_MARGIN_SECONDS,
          },
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const total = Attributes?.total;
      return typeof total === 'number' ? { admitted: true, total } : { admitted: true };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const total = totalOf((error as { Item?: Record<string, AttributeValue> }).Item);
      return total === undefined ? { admitted: false } : { admitted: false, total };
    }
  }

  async otherRegionsTotal(counter: CounterWindow, shards: number): Promise<number> {
    const keys = this.otherRegions.flatMap((region) =>
      Array.from({ length: shards }, (_, shard) => counterKey({ ...counter, shard }, region)),
    );
    let sum = 0;
    for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + BATCH_GET_KEYS);
      // Keys DynamoDB leaves unprocessed are asked again (a few times at most).
      for (let attempt = 0; pending.length > 0 && attempt < 5; attempt++) {
        const answer = await this.documents.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ProjectionExpression: '#total',
                ExpressionAttributeNames: { '#total': 'total' },
              },
            },
          }),
        );
        for (const item of answer.Responses?.[this.tableName] ?? [])
          if (typeof item.total === 'number') sum += item.total;
        pending = (answer.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return sum;
  }
}

/** The `total` of the item a refused update found (the SDK hands it back in wire format). */
function totalOf(item: Record<string, AttributeValue> | undefined): number | undefined {
  if (!item) return undefined;
  const total = unmarshall(item).total;
  return typeof total === 'number' ? total : undefined;
}
