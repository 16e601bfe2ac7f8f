import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CounterWindow, UsageCounters } from '../../app/ports/usage-counters.js';
import { TENANT_REGISTRY_TABLE, USAGE_COUNTER_KEY_PREFIX } from '../../definitions/tables.js';

/**
 * Fixed-window usage counters in DynamoDB: one item per counter and window (`pk` `LIMIT#<key>`), so
 * every window of every app is its own partition key and no two counters share a partition's write
 * rate. A count is one conditional `UpdateItem` (`ADD` under `total <= limit - units`): refused, it
 * writes nothing. Items carry a TTL a minute past their window's end.
 *
 * The registry is a global table, where two regions adding to one item settle by last writer wins and
 * lose an addition. So with `region` set each region counts in its own item (`LIMIT#<region>#<key>`),
 * written by that region alone, and a limit applies to the sum: a region reads the other regions' items
 * from its local replica (one BatchGetItem) and admits only what fits beside them. Their totals lag by
 * the replication delay (about a second), the only slack of a limit across regions.
 */

export interface DynamoUsageCountersOptions {
  readonly documents: DynamoDBDocumentClient;
  /** The table holding the counters (the tenant registry, whose TTL attribute they use). */
  readonly tableName: string;
  /**
   * This region: its counts go to items only it writes.
   * @default one item per counter, written by every region (a single-region deployment, local mode)
   */
  readonly region?: string;
  /**
   * The platform's other regions, whose counts a limit adds to this region's.
   * @default none: a limit counts this region alone
   */
  readonly otherRegions?: readonly string[];
}

/** Seconds a counter item outlives its window before TTL may delete it. */
const TTL_MARGIN_SECONDS = 60;
const TTL_ATTRIBUTE = TENANT_REGISTRY_TABLE.timeToLiveAttribute ?? /* c8 ignore next */ 'expiresAtSeconds';

/** The counter item of a window, in `region`'s own item when given. */
export const counterKey = (counter: CounterWindow, region?: string) => ({
  pk: `${USAGE_COUNTER_KEY_PREFIX}${region ? `${region}#` : ''}${counter.key}`,
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
    counter: CounterWindow,
    units: number,
    limit: number,
  ): Promise<{ admitted: boolean; total?: number }> {
    const others = await this.otherRegionsTotal(counter);
    if (units > limit - others) return { admitted: false, total: others };
    limit -= others;
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
      return typeof total === 'number' ? { admitted: true, total: total + others } : { admitted: true };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const total = totalOf((error as { Item?: Record<string, AttributeValue> }).Item);
      return total === undefined ? { admitted: false } : { admitted: false, total: total + others };
    }
  }

  /** What the other regions counted in this window, as this region's replica has it (0 without regions). */
  private async otherRegionsTotal(counter: CounterWindow): Promise<number> {
    if (this.otherRegions.length === 0) return 0;
    const { Responses } = await this.documents.send(
      new BatchGetCommand({
        RequestItems: {
          [this.tableName]: {
            Keys: this.otherRegions.map((region) => counterKey(counter, region)),
            ProjectionExpression: '#total',
            ExpressionAttributeNames: { '#total': 'total' },
          },
        },
      }),
    );
    let sum = 0;
    for (const item of Responses?.[this.tableName] ?? [])
      if (typeof item.total === 'number') sum += item.total;
    return sum;
  }

  async remove(counter: CounterWindow, units: number): Promise<void> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(counter, this.region),
          UpdateExpression: 'ADD #total :minus',
          ConditionExpression: 'attribute_exists(#total)',
          ExpressionAttributeNames: { '#total': 'total' },
          ExpressionAttributeValues: { ':minus': -units },
        }),
      );
    } catch (error) {
      // The window is over and its item gone: nothing to give back.
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
}

/** The `total` of the item a refused update found (the SDK hands it back in wire format). */
function totalOf(item: Record<string, AttributeValue> | undefined): number | undefined {
  if (!item) return undefined;
  const total = unmarshall(item).total;
  return typeof total === 'number' ? total : undefined;
}
