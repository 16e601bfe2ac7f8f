import { randomBytes } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { AlreadyExistsError, MissingResourceError, TooManyApiKeysError } from '../../app/errors.js';
import type {
  ApiKeyRecord,
  AppPatch,
  AppRecord,
  ErasureRecord,
  KeyRotation,
  SigningSecretRecord,
  StoreUrls,
  TenantRecord,
} from '../../app/records.js';
import { keyRotationOf } from '../../app/records.js';
import type { AppPrincipal } from '../../auth/permissions.js';
import { TENANT_REGISTRY_TABLE } from '../../definitions/tables.js';
import type { AppSettingsInput } from '../../domain/settings.js';
import { TtlCache } from '../cache.js';

/**
 * The tenant registry: tenants, their apps (settings, store URLs) and the apps' API keys, stored only as
 * SHA-256 hashes. App ids are unique across the platform because tracking links name the app alone.
 *
 * | item          | pk               | sk              |
 * | ------------- | ---------------- | --------------- |
 * | tenant        | `TENANT#<t>`     | `TENANT`        |
 * | tenant's app  | `TENANT#<t>`     | `APP#<app>`     |
 * | app           | `APP#<app>`      | `APP`           |
 * | app API key   | `APP#<app>`      | `KEY#<hash:16>` (GSI `byApiKeyHash` on `apiKeyHash`; `expiresAtMs` once rotated out) |
 * | erasure       | `TENANT#<t>`     | `ERASURE#<id>`  |
 */

/** Live keys a rotation may leave behind (keeps a rotation inside one transaction). */
export const MAX_LIVE_API_KEYS = 20;

interface ResolvedApiKey {
  readonly principal: AppPrincipal;
  readonly expiresAtMs?: number;
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
  // Keys are cached with their deadline, checked on every hit: a key stops at its deadline, not a TTL later.
  private readonly keyCache: TtlCache<string, ResolvedApiKey | null>;
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
    const record: AppRecord = {
      ...app,
      ipHashKey: app.ipHashKey ?? newIpHashKey(),
      createdAt: at,
      updatedAt: at,
    };
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
    const values: Record<string, unknown> = {
      ':t': tenantId,
      ':u': new Date(this.now()).toISOString(),
      ':ihk': newIpHashKey(),
    };
    // Apps made before IP hash keys existed get theirs with their next settings change.
    const sets = ['#u = :u', 'ipHashKey = if_not_exists(ipHashKey, :ihk)'];
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    return this.updateAppItem(appId, {
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_exists(pk) AND #t = :t',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }

  /**
   * Updates the app item (its condition must name the tenant), drops the cached copy and returns the
   * new record; `undefined` when the condition fails (no such app for that tenant).
   */
  private async updateAppItem(
    appId: string,
    update: Pick<
      UpdateCommandInput,
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<AppRecord | undefined> {
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: appPk(appId), sk: 'APP' },
          ...update,
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
    const resolved = await this.keyCache.getOrLoad(apiKeyHash, async () => {
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
      const principal: AppPrincipal = { kind: 'app', tenantId: item.tenantId, appId: item.appId };
      return typeof item.expiresAtMs === 'number'
        ? { principal, expiresAtMs: item.expiresAtMs }
        : { principal };
    });
    if (!resolved) return undefined;
    if (resolved.expiresAtMs !== undefined && resolved.expiresAtMs <= this.now()) return undefined;
    return resolved.principal;
  }

  /** The app's API keys, live and expired, oldest first. */
  async listApiKeys(appId: string): Promise<ApiKeyRecord[]> {
    return (await this.queryKeyItems(appId)).map(toApiKeyRecord);
  }

  private async queryKeyItems(appId: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :key)',
          ExpressionAttributeValues: { ':pk': appPk(appId), ':key': 'KEY#' },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
  }

  /**
   * Adds a new API key to an app of `tenantId` and gives every other live key the deadline
   * `oldKeysExpireAtMs` (a key with an earlier one keeps it; `now` revokes them). Keys past their deadline
   * are deleted on the way. One transaction: the new key and the deadlines land together or not at all.
   * @throws MissingResourceError when the app does not exist or belongs to another tenant
   * @throws TooManyApiKeysError when more than `MAX_LIVE_API_KEYS` keys would stay live
   */
  async rotateApiKey(
    tenantId: string,
    appId: string,
    apiKeyHash: string,
    oldKeysExpireAtMs: number,
  ): Promise<KeyRotation> {
    const nowMs = this.now();
    const createdAt = new Date(nowMs).toISOString();
    const items = await this.queryKeyItems(appId);
    const expired = items.filter((i) => typeof i.expiresAtMs === 'number' && i.expiresAtMs <= nowMs);
    const live = items.filter((i) => !expired.includes(i));
    const keepLive = oldKeysExpireAtMs > nowMs ? live.length : 0;
    if (keepLive + 1 > MAX_LIVE_API_KEYS)
      throw new TooManyApiKeysError(appId, keepLive + 1, MAX_LIVE_API_KEYS);
    const deadlineOf = (item: Record<string, unknown>) =>
      typeof item.expiresAtMs === 'number'
        ? Math.min(item.expiresAtMs, oldKeysExpireAtMs)
        : oldKeysExpireAtMs;
    const keyItem = (item: Record<string, unknown>) => ({ pk: appPk(appId), sk: String(item.sk) });
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: { pk: appPk(appId), sk: 'APP' },
                ConditionExpression: 'attribute_exists(pk) AND tenantId = :t',
                ExpressionAttributeValues: { ':t': tenantId },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  pk: appPk(appId),
                  sk: `KEY#${apiKeyHash.slice(0, 16)}`,
                  type: 'api-key',
                  apiKeyHash,
                  tenantId,
                  appId,
                  createdAt,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...live.map((item) => ({
              Update: {
                TableName: this.tableName,
                Key: keyItem(item),
                UpdateExpression: 'SET expiresAtMs = :e, expiresAt = :iso',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeValues: {
                  ':e': deadlineOf(item),
                  ':iso': new Date(deadlineOf(item)).toISOString(),
                },
              },
            })),
            ...expired.map((item) => ({ Delete: { TableName: this.tableName, Key: keyItem(item) } })),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        if (error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
          throw new MissingResourceError('app', appId, { cause: error });
        }
      }
      throw error;
    }
    // This instance forgets the old keys at once; others reload them within the cache TTL.
    for (const item of [...live, ...expired]) this.keyCache.delete(String(item.apiKeyHash));
    return keyRotationOf(
      apiKeyHash,
      createdAt,
      live.map((item) => ({ key: toApiKeyRecord(item), deadlineMs: deadlineOf(item) })),
      nowMs,
    );
  }

  /**
   * Sets (or, with `undefined`, removes) the signing secret of an app of `tenantId`.
   * @returns the updated app, or undefined when it does not exist or belongs to another tenant
   */
  async setSigningSecret(
    tenantId: string,
    appId: string,
    secret: string | undefined,
  ): Promise<AppRecord | undefined> {
    const at = new Date(this.now()).toISOString();
    const signing: SigningSecretRecord | undefined =
      secret === undefined ? undefined : { secret, createdAt: at };
    return this.updateAppItem(appId, {
      UpdateExpression: signing ? 'SET signing = :s, updatedAt = :u' : 'REMOVE signing SET updatedAt = :u',
      ConditionExpression: 'attribute_exists(pk) AND tenantId = :t',
      ExpressionAttributeValues: { ':t': tenantId, ':u': at, ...(signing ? { ':s': signing } : {}) },
    });
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
    ...(isSigningSecret(item.signing) ? { signing: item.signing } : {}),
    ...(typeof item.ipHashKey === 'string' ? { ipHashKey: item.ipHashKey } : {}),
  };
}

/** 256 random bits: the HMAC key of an app's hashed IPs. */
const newIpHashKey = () => randomBytes(32).toString('base64url');

function isSigningSecret(value: unknown): value is SigningSecretRecord {
  const v = value as Partial<SigningSecretRecord> | undefined;
  return typeof v?.secret === 'string' && typeof v.createdAt === 'string';
}

function toApiKeyRecord(item: Record<string, unknown>): ApiKeyRecord {
  return {
    keyId: String(item.apiKeyHash ?? String(item.sk).slice(4)).slice(0, 16),
    createdAt: String(item.createdAt),
    ...(typeof item.expiresAtMs === 'number' ? { expiresAt: new Date(item.expiresAtMs).toISOString() } : {}),
  };
}
