import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  AttemptResult,
  DeliveryLog,
  DeliveryRecord,
  DeliveryStatus,
  PendingDeliveries,
  PostbackConfig,
  PostbackConfigStore,
} from '../../app/postbacks/ports.js';
import type { Destination } from '../../domain/postbacks/destinations.js';
import type { DeliveryJob } from '../../domain/postbacks/jobs.js';
import { TtlCache } from '../cache.js';
import {
  DELIVERY_RECORD_TTL_DAYS,
  deliveryKey,
  POSTBACK_DELIVERY_KEY_PREFIX,
  postbackConfigKey,
} from './keys.js';

export interface DynamoPostbackStoreOptions {
  readonly documents: DynamoDBDocumentClient;
  /** The tenant registry table. */
  readonly tableName: string;
  /** Seconds a read of an app's postback settings is reused (the consumer and sender). @default 30 */
  readonly cacheTtlSeconds?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Most records one `list` reads before sorting; the log is "recent attempts", not an export. */
const MAX_LIST_SCAN = 2000;

/** Postback settings and delivery records in the tenant registry table (see `keys.ts`). */
export class DynamoPostbackStore implements PostbackConfigStore, DeliveryLog, PendingDeliveries {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly cache: TtlCache<string, PostbackConfig | null>;

  constructor(options: DynamoPostbackStoreOptions) {
    this.documents = options.documents;
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
    this.cache = new TtlCache((options.cacheTtlSeconds ?? 30) * 1000, 10_000, this.now);
  }

  async get(tenantId: string, appId: string): Promise<PostbackConfig | undefined> {
    const key = `${tenantId}#${appId}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: postbackConfigKey(tenantId, appId),
        ConsistentRead: true,
      }),
    );
    const config = Item
      ? {
          destinations: JSON.parse(String(Item.destinations ?? '[]')) as Destination[],
          ...(typeof Item.webhookSecret === 'string' ? { webhookSecret: Item.webhookSecret } : {}),
          ...(typeof Item.updatedAt === 'string' ? { updatedAt: Item.updatedAt } : {}),
        }
      : undefined;
    this.cache.set(key, config ?? null);
    return config;
  }

  async putDestinations(
    tenantId: string,
    appId: string,
    destinations: readonly Destination[],
  ): Promise<PostbackConfig> {
    const updatedAt = new Date(this.now()).toISOString();
    const { Attributes } = await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: postbackConfigKey(tenantId, appId),
        UpdateExpression: 'SET destinations = :d, updatedAt = :u, #type = :t',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':d': JSON.stringify(destinations), ':u': updatedAt, ':t': 'postbacks' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    this.cache.delete(`${tenantId}#${appId}`);
    return {
      destinations,
      updatedAt,
      ...(typeof Attributes?.webhookSecret === 'string' ? { webhookSecret: Attributes.webhookSecret } : {}),
    };
  }

  async setWebhookSecret(tenantId: string, appId: string, secret: string): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: postbackConfigKey(tenantId, appId),
        UpdateExpression: 'SET webhookSecret = :s, webhookSecretCreatedAt = :c, #type = :t',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':s': secret,
          ':c': new Date(this.now()).toISOString(),
          ':t': 'postbacks',
        },
      }),
    );
    this.cache.delete(`${tenantId}#${appId}`);
  }

  async create(
    record: DeliveryRecord,
  ): Promise<{ readonly created: true } | { readonly created: false; readonly existing: DeliveryRecord }> {
    const { job } = record;
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...deliveryKey(job.tenantId, job.appId, job.jobId),
            type: 'postback-delivery',
            job: JSON.stringify(job),
            status: record.status,
            attempts: record.attempts,
            enqueued: record.enqueued,
            updatedAtMs: record.updatedAtMs,
            expiresAtSeconds: Math.floor(this.now() / 1000) + DELIVERY_RECORD_TTL_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const existing = await this.find(job.tenantId, job.appId, job.jobId, true);
      if (!existing) throw error;
      return { created: false, existing };
    }
  }

  async markEnqueued(job: DeliveryJob): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: deliveryKey(job.tenantId, job.appId, job.jobId),
        UpdateExpression: 'SET enqueued = :t',
        ExpressionAttributeValues: { ':t': true },
      }),
    );
  }

  async find(
    tenantId: string,
    appId: string,
    jobId: string,
    consistent = true,
  ): Promise<DeliveryRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: deliveryKey(tenantId, appId, jobId),
        ConsistentRead: consistent,
      }),
    );
    return Item ? toRecord(Item) : undefined;
  }

  async recordAttempt(job: DeliveryJob, attempt: number, result: AttemptResult): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: deliveryKey(job.tenantId, job.appId, job.jobId),
        UpdateExpression: 'SET #status = :s, attempts = :a, #last = :l, updatedAtMs = :u',
        ExpressionAttributeNames: { '#status': 'status', '#last': 'last' },
        ExpressionAttributeValues: { ':s': result.status, ':a': attempt, ':l': result, ':u': result.atMs },
      }),
    );
  }

  async requeue(job: DeliveryJob, nowMs: number): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: deliveryKey(job.tenantId, job.appId, job.jobId),
        UpdateExpression: 'SET #status = :q, job = :j, updatedAtMs = :u',
        ConditionExpression: '#status IN (:dead, :q)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':q': 'queued',
          ':dead': 'dead',
          ':j': JSON.stringify({ ...job, createdAtMs: nowMs }),
          ':u': nowMs,
        },
      }),
    );
  }

  async list(
    tenantId: string,
    appId: string,
    filter: { readonly status?: DeliveryStatus; readonly limit: number },
  ): Promise<DeliveryRecord[]> {
    const records: DeliveryRecord[] = [];
    let start: Record<string, unknown> | undefined;
    let read = 0;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ...(filter.status
            ? {
                FilterExpression: '#status = :s',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':pk': deliveryKey(tenantId, appId, '').pk,
                  ':s': filter.status,
                },
              }
            : { ExpressionAttributeValues: { ':pk': deliveryKey(tenantId, appId, '').pk } }),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      read += page.ScannedCount ?? 0;
      for (const item of page.Items ?? []) records.push(toRecord(item));
      start = page.LastEvaluatedKey;
    } while (start && read < MAX_LIST_SCAN);
    return records.sort((a, b) => b.updatedAtMs - a.updatedAtMs).slice(0, filter.limit);
  }

  /**
   * Every delivery on the queue and not finished, of every app: a scan of the whole table, for local
   * mode's start (its in-process queue resumes them); the cloud's SQS queue keeps its jobs itself.
   */
  async pending(): Promise<DeliveryRecord[]> {
    const records: DeliveryRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(pk, :p) AND enqueued = :t AND #status IN (:q, :f)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':p': POSTBACK_DELIVERY_KEY_PREFIX,
            ':t': true,
            ':q': 'queued',
            ':f': 'failed',
          },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) records.push(toRecord(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return records;
  }
}

function toRecord(item: Record<string, unknown>): DeliveryRecord {
  return {
    job: JSON.parse(String(item.job)) as DeliveryJob,
    status: item.status as DeliveryStatus,
    attempts: Number(item.attempts ?? 0),
    enqueued: item.enqueued === true,
    updatedAtMs: Number(item.updatedAtMs ?? 0),
    ...(item.last ? { last: item.last as AttemptResult } : {}),
  };
}
