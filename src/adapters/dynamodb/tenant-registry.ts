import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AppPrincipal } from '../../auth/permissions.js';
import { TENANT_REGISTRY_TABLE } from '../../definitions/tables.js';
import type { AppSettingsInput } from '../../domain/settings.js';
import { TtlCache } from '../cache.js';
import { AlreadyExistsError, MissingResourceError } from '../errors.js';

/**
 * The tenant registry: tenants, their apps (settings, store URLs) and the apps' API keys, stored only as
 * SHA-256 hashes. App ids are unique across the platform because tracking links name the app alone.
 *
 * | item          | pk               | sk              |
 * | ------------- | ---------------- | --------------- |
 * | tenant        | `TENANT#<t>`     | `TENANT`        |
 * | tenant's app  | `TENANT#<t>`     | `APP#<app>`     |
 * | app           | `APP#<app>`      | `APP`           |
 * | app API key   | `APP#<app>`      | `KEY#<hash:16>` (GSI `byApiKeyHash` on `apiKeyHash`) |
 * | erasure       | `TENANT#<t>`     | `ERASURE#<id>`  |
 */

export interface TenantRecord {
  readonly tenantId: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface StoreUrls {
  readonly android?: string;
  readonly ios?: string;
  /** Where other platforms go. */
  readonly web?: string;
}

export interface AppRecord {
  readonly tenantId: string;
  readonly appId: string;
  readonly name: string;
  readonly storeUrls: StoreUrls;
  /** Hosts a tracking link's `redirect` parameter may point at (exact host names). */
  readonly allowedRedirectHosts: readonly string[];
  /** Attribution settings as stored (validated input; defaults resolved at use). */
  readonly settings: AppSettingsInput;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type AppPatch = Partial<Pick<AppRecord, 'name' | 'storeUrls' | 'allowedRedirectHosts' | 'settings'>>;

export interface ErasureRecord {
  readonly requestId: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly status: 'completed' | 'failed';
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly erased: Readonly<Record<string, number>>;
}

export interface TenantRegistryOptions {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Seconds API key and app look-ups stay cached. @default 60 */
  readonly cacheTtlSeconds?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

const tenantPk = (tenantId: string) => `TENANT#${tenantId}`;
const appPk = (appId: string) => `APP#${appId}`;
const API_KEY_INDEX =
  TENANT_REGISTRY_TABLE.globalSecondaryIndexes[0]?.indexName ?? /* c8 ignore next */ 'byApiKeyHash';

export class TenantRegistry {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly keyCache: TtlCache<string, AppPrincipal | null>;
  private readonly appCache: TtlCache<string, AppRecord | null>;

  constructor(options: TenantRegistryOptions) {
    this.documents = options.documents;
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
    const ttlMs = (options.cacheTtlSeconds ?? 60) * 1000;
    this.keyCache = new TtlCache(ttlMs, 10_000, this.now);
    this.appCache = new TtlCache(ttlMs, 10_000, this.now);
  }

  async createTenant(tenantId: string, name: string): Promise<TenantRecord> {
    const record: TenantRecord = { tenantId, name, createdAt: new Date(this.now()).toISOString() };
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: tenantPk(tenantId), sk: 'TENANT', type: 'tenant', ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') {
        throw new AlreadyExistsError('tenant', tenantId, { cause: error });
      }
      throw error;
    }
    return record;
  }

  async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: tenantPk(tenantId), sk: 'TENANT' } }),
    );
    return Item ? { tenantId: Item.tenantId, name: Item.name, createdAt: Item.createdAt } : undefined;
  }

  /** Creates an app under an existing tenant with its first API key (given as a hash). */
  async createApp(app: Omit<AppRecord, 'createdAt' | 'updatedAt'>, apiKeyHash: string): Promise<AppRecord> {
    const at = new Date(this.now()).toISOString();
    const record: AppRecord = { ...app, createdAt: at, updatedAt: at };
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: { pk: tenantPk(app.tenantId), sk: 'TENANT' },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: appPk(app.appId), sk: 'APP', type: 'app', ...record },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  pk: tenantPk(app.tenantId),
                  sk: `APP#${app.appId}`,
                  type: 'tenant-app',
                  appId: app.appId,
                },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  pk: appPk(app.appId),
                  sk: `KEY#${apiKeyHash.slice(0, 16)}`,
                  type: 'api-key',
                  apiKeyHash,
                  tenantId: app.tenantId,
                  appId: app.appId,
                  createdAt: at,
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          throw new MissingResourceError('tenant', app.tenantId, { cause: error });
        }
        if (reasons[1]?.Code === 'ConditionalCheckFailed') {
          throw new AlreadyExistsError('app', app.appId, { cause: error });
        }
      }
      throw error;
    }
    this.appCache.delete(app.appId);
    return record;
  }

  /** The app, wherever its tenant; cached briefly (tracking links hit this on every click). */
  async getApp(appId: string, options: { consistent?: boolean } = {}): Promise<AppRecord | undefined> {
    const load = async () => {
      const { Item } = await this.documents.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: appPk(appId), sk: 'APP' },
          ConsistentRead: options.consistent ?? false,
        }),
      );
      return Item ? toAppRecord(Item) : null;
    };
    const app = options.consistent ? await load() : await this.appCache.getOrLoad(appId, load);
    return app ?? undefined;
  }

  /** The app if it belongs to `tenantId`; otherwise undefined, exactly as if it did not exist. */
  async getTenantApp(tenantId: string, appId: string): Promise<AppRecord | undefined> {
    const app = await this.getApp(appId);
    return app && app.tenantId === tenantId ? app : undefined;
  }

  async updateApp(tenantId: string, appId: string, patch: AppPatch): Promise<AppRecord | undefined> {
    const names: Record<string, string> = { '#t': 'tenantId', '#u': 'updatedAt' };
    const values: Record<string, unknown> = { ':t': tenantId, ':u': new Date(this.now()).toISOString() };
    const sets = ['#u = :u'];
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: appPk(appId), sk: 'APP' },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk) AND #t = :t',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      this.appCache.delete(appId);
      return Attributes ? toAppRecord(Attributes) : undefined;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }

  /** Resolves an API key hash to its app, through the `byApiKeyHash` index; cached briefly. */
  async resolveApiKeyHash(apiKeyHash: string): Promise<AppPrincipal | undefined> {
    const principal = await this.keyCache.getOrLoad(apiKeyHash, async () => {
      const { Items } = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: API_KEY_INDEX,
          KeyConditionExpression: 'apiKeyHash = :h',
          ExpressionAttributeValues: { ':h': apiKeyHash },
          Limit: 1,
        }),
      );
      const item = Items?.[0];
      if (!item || typeof item.tenantId !== 'string' || typeof item.appId !== 'string') return null;
      if (typeof item.expiresAtMs === 'number' && item.expiresAtMs <= this.now()) return null;
      return { kind: 'app', tenantId: item.tenantId, appId: item.appId } satisfies AppPrincipal;
    });
    return principal ?? undefined;
  }

  async recordErasure(record: ErasureRecord): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: tenantPk(record.tenantId),
          sk: `ERASURE#${record.requestId}`,
          type: 'erasure',
          ...record,
        },
      }),
    );
  }

  async getErasure(tenantId: string, requestId: string): Promise<ErasureRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: tenantPk(tenantId), sk: `ERASURE#${requestId}` },
      }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, type: _type, ...record } = Item;
    return record as ErasureRecord;
  }

  /** Forgets cached look-ups (tests; key rotation). */
  clearCaches(): void {
    this.keyCache.clear();
    this.appCache.clear();
  }
}

function toAppRecord(item: Record<string, unknown>): AppRecord {
  return {
    tenantId: String(item.tenantId),
    appId: String(item.appId),
    name: String(item.name ?? item.appId),
    storeUrls: (item.storeUrls as StoreUrls | undefined) ?? {},
    allowedRedirectHosts: (item.allowedRedirectHosts as string[] | undefined) ?? [],
    settings: (item.settings as AppSettingsInput | undefined) ?? {},
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt ?? item.createdAt),
  };
}
