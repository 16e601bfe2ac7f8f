import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CounterWindow, UsageCounters } from '../../app/ports/usage-counters.js';
import { TENANT_REGISTRY_TABLE, USAGE_COUNTER_KEY_PREFIX } from '../../definitions/tables.js';

/**
 * Fixed-window usage counters in DynamoDB: one item per counter and window (`pk` `LIMIT#<key>`), so
 * every window of every app is its own partition key and no two counters share a partition's write
 * rate. A count is one conditional `UpdateItem` (`ADD` under `total <= limit - units`): refused, it
 * writes nothing. Items carry a TTL a minute past their window's end.
 */

export interface DynamoUsageCountersOptions {
  readonly documents: DynamoDBDocumentClient;
  /** The table holding the counters (the tenant registry, whose TTL attribute they use). */
  readonly tableName: string;
}

/** Seconds a counter item outlives its window before TTL may delete it. */
const TTL_MARGIN_SECONDS = 60;
const TTL_ATTRIBUTE = TENANT_REGISTRY_TABLE.timeToLiveAttribute ?? /* c8 ignore next */ 'expiresAtSeconds';

export const counterKey = (counter: CounterWindow) => ({
  pk: `${USAGE_COUNTER_KEY_PREFIX}${counter.key}`,
  sk: 'LIMIT',
});

export class DynamoUsageCounters implements UsageCounters {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoUsageCountersOptions) {
    this.documents = options.documents;
    this.tableName = options.tableName;
  }

  async add(
    counter: CounterWindow,
    units: number,
    limit: number,
  ): Promise<{ admitted: boolean; total?: number }> {
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(counter),
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

  async remove(counter: CounterWindow, units: number): Promise<void> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(counter),
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
