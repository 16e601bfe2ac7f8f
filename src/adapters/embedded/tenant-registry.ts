import { randomBytes } from 'node:crypto';
import type { Database } from 'lmdb';
import { AlreadyExistsError, MissingResourceError, TooManyApiKeysError } from '../../app/errors.js';
import type {
  ApiKeyRecord,
  AppPatch,
  AppRecord,
  ErasureRecord,
  KeyRotation,
  TenantRecord,
} from '../../app/records.js';
import { keyRotationOf } from '../../app/records.js';
import type { AppPrincipal } from '../../auth/permissions.js';
import { MAX_LIVE_API_KEYS } from '../dynamodb/tenant-registry.js';
import { key, under } from './database.js';

/**
 * The tenant registry in the embedded database, with the DynamoDB registry's behaviour
 * (`src/adapters/dynamodb/tenant-registry.ts`): tenants, their apps, the apps' API keys stored only as
 * SHA-256 hashes (found through a hash index), erasure requests. Every conditional change is one write
 * transaction. Nothing is cached: reads are memory-mapped, and the consumer thread sees a change at once.
 *
 * | item          | key                          |
 * | ------------- | ---------------------------- |
 * | tenant        | `T <tenant>`                 |
 * | tenant's app  | `TA <tenant> <app>`          |
 * | app           | `P <app>`                    |
 * | app API key   | `K <app> <hash:16>`          |
 * | key index     | `KH <hash>` → `K <app> <hash:16>` |
 * | erasure       | `R <tenant> <requestId>`     |
 */

export interface EmbeddedTenantRegistryOptions {
  /** The `registry` database of `openEmbeddedDatabase`. */
  readonly db: Database;
  /** @default Date.now */
  readonly now?: () => number;
}

interface StoredKey {
  readonly apiKeyHash: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly createdAt: string;
  readonly expiresAtMs?: number;
}

const tenantKey = (tenantId: string) => key('T', tenantId);
const appKey = (appId: string) => key('P', appId);
const apiKeyKey = (appId: string, apiKeyHash: string) => key('K', appId, apiKeyHash.slice(0, 16));
const hashIndexKey = (apiKeyHash: string) => key('KH', apiKeyHash);
const erasureKey = (tenantId: string, requestId: string) => key('R', tenantId, requestId);

/** 256 random bits: the HMAC key of an app's hashed IPs. */
const newIpHashKey = () => randomBytes(32).toString('base64url');

export class EmbeddedTenantRegistry {
  private readonly db: Database;
  private readonly now: () => number;

  constructor(options: EmbeddedTenantRegistryOptions) {
    this.db = options.db;
    this.now = options.now ?? Date.now;
  }

  async createTenant(tenantId: string, name: string): Promise<TenantRecord> {
    const record: TenantRecord = { tenantId, name, createdAt: new Date(this.now()).toISOString() };
    const created = this.db.transactionSync(() => {
      if (this.db.doesExist(tenantKey(tenantId))) return false;
      this.db.putSync(tenantKey(tenantId), record);
      return true;
    });
    if (!created) throw new AlreadyExistsError('tenant', tenantId);
    await this.db.flushed;
    return record;
  }

  async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
    return this.db.get(tenantKey(tenantId)) as TenantRecord | undefined;
  }

  /** Creates an app under an existing tenant with its first API key (given as a hash). */
  async createApp(app: Omit<AppRecord, 'createdAt' | 'updatedAt'>, apiKeyHash: string): Promise<AppRecord> {
    const at = new Date(this.now()).toISOString();
    const record: AppRecord = clean({
      ...app,
      ipHashKey: app.ipHashKey ?? newIpHashKey(),
      createdAt: at,
      updatedAt: at,
    });
    const outcome = this.db.transactionSync(() => {
      if (!this.db.doesExist(tenantKey(app.tenantId))) return 'no-tenant';
      if (this.db.doesExist(appKey(app.appId))) return 'exists';
      this.db.putSync(appKey(app.appId), record);
      this.db.putSync(key('TA', app.tenantId, app.appId), app.appId);
      this.putKey({ apiKeyHash, tenantId: app.tenantId, appId: app.appId, createdAt: at });
      return 'created';
    });
    if (outcome === 'no-tenant') throw new MissingResourceError('tenant', app.tenantId);
    if (outcome === 'exists') throw new AlreadyExistsError('app', app.appId);
    await this.db.flushed;
    return record;
  }

  private putKey(stored: StoredKey): void {
    const at = apiKeyKey(stored.appId, stored.apiKeyHash);
    this.db.putSync(at, stored);
    this.db.putSync(hashIndexKey(stored.apiKeyHash), at);
  }

  async getApp(appId: string, _options: { consistent?: boolean } = {}): Promise<AppRecord | undefined> {
    return this.db.get(appKey(appId)) as AppRecord | undefined;
  }

  /** The app if it belongs to `tenantId`; otherwise undefined, exactly as if it did not exist. */
  async getTenantApp(tenantId: string, appId: string): Promise<AppRecord | undefined> {
    const app = await this.getApp(appId);
    return app && app.tenantId === tenantId ? app : undefined;
  }

  async updateApp(tenantId: string, appId: string, patch: AppPatch): Promise<AppRecord | undefined> {
    const changes: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(patch)) if (value !== undefined) changes[field] = value;
    return this.updateAppRecord(tenantId, appId, (app) => ({
      ...app,
      ...changes,
      // Apps made before IP hash keys existed get theirs with their next settings change.
      ipHashKey: app.ipHashKey ?? newIpHashKey(),
    }));
  }

  /** Rewrites the app of `tenantId` in one transaction; undefined when it is not that tenant's app. */
  private async updateAppRecord(
    tenantId: string,
    appId: string,
    change: (app: AppRecord) => AppRecord,
  ): Promise<AppRecord | undefined> {
    const updatedAt = new Date(this.now()).toISOString();
    const updated = this.db.transactionSync(() => {
      const app = this.db.get(appKey(appId)) as AppRecord | undefined;
      if (!app || app.tenantId !== tenantId) return undefined;
      const next = clean({ ...change(app), updatedAt });
      this.db.putSync(appKey(appId), next);
      return next;
    });
    await this.db.flushed;
    return updated;
  }

  /** Resolves an API key hash to its app; a key past its deadline resolves to nothing. */
  async resolveApiKeyHash(apiKeyHash: string): Promise<AppPrincipal | undefined> {
    const at = this.db.get(hashIndexKey(apiKeyHash)) as string | undefined;
    const stored = at === undefined ? undefined : (this.db.get(at) as StoredKey | undefined);
    if (!stored || stored.apiKeyHash !== apiKeyHash) return undefined;
    if (stored.expiresAtMs !== undefined && stored.expiresAtMs <= this.now()) return undefined;
    return { kind: 'app', tenantId: stored.tenantId, appId: stored.appId };
  }

  /** The app's API keys, live and expired, oldest first. */
  async listApiKeys(appId: string): Promise<ApiKeyRecord[]> {
    return this.keysOf(appId).map(toApiKeyRecord);
  }

  private keysOf(appId: string): StoredKey[] {
    return [...this.db.getRange(under('K', appId))]
      .map((e) => e.value as StoredKey)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * Adds a new API key to an app of `tenantId` and gives every other live key the deadline
   * `oldKeysExpireAtMs` (a key with an earlier one keeps it; `now` revokes them); keys past their
   * deadline are deleted. One transaction.
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
    const deadlineOf = (k: StoredKey) =>
      k.expiresAtMs === undefined ? oldKeysExpireAtMs : Math.min(k.expiresAtMs, oldKeysExpireAtMs);
    const live = this.db.transactionSync(() => {
      const app = this.db.get(appKey(appId)) as AppRecord | undefined;
      if (!app || app.tenantId !== tenantId) throw new MissingResourceError('app', appId);
      const keys = this.keysOf(appId);
      const expired = keys.filter((k) => k.expiresAtMs !== undefined && k.expiresAtMs <= nowMs);
      const stillLive = keys.filter((k) => !expired.includes(k));
      const keepLive = oldKeysExpireAtMs > nowMs ? stillLive.length : 0;
      if (keepLive + 1 > MAX_LIVE_API_KEYS)
        throw new TooManyApiKeysError(appId, keepLive + 1, MAX_LIVE_API_KEYS);
      for (const k of stillLive)
        this.db.putSync(apiKeyKey(appId, k.apiKeyHash), { ...k, expiresAtMs: deadlineOf(k) });
      for (const k of expired) {
        this.db.removeSync(apiKeyKey(appId, k.apiKeyHash));
        this.db.removeSync(hashIndexKey(k.apiKeyHash));
      }
      this.putKey({ apiKeyHash, tenantId, appId, createdAt });
      return stillLive;
    });
    await this.db.flushed;
    return keyRotationOf(
      apiKeyHash,
      createdAt,
      live.map((k) => ({ key: toApiKeyRecord(k), deadlineMs: deadlineOf(k) })),
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
    const createdAt = new Date(this.now()).toISOString();
    return this.updateAppRecord(tenantId, appId, ({ signing: _old, ...app }) =>
      secret === undefined ? app : { ...app, signing: { secret, createdAt } },
    );
  }

  async recordErasure(record: ErasureRecord): Promise<void> {
    await this.db.put(erasureKey(record.tenantId, record.requestId), clean(record));
  }

  async getErasure(tenantId: string, requestId: string): Promise<ErasureRecord | undefined> {
    return this.db.get(erasureKey(tenantId, requestId)) as ErasureRecord | undefined;
  }

  /** Nothing is cached (kept for the registry's interface). */
  clearCaches(): void {}
}

function toApiKeyRecord(k: StoredKey): ApiKeyRecord {
  return {
    keyId: k.apiKeyHash.slice(0, 16),
    createdAt: k.createdAt,
    ...(k.expiresAtMs === undefined ? {} : { expiresAt: new Date(k.expiresAtMs).toISOString() }),
  };
}

/** Drops `undefined` properties, as the DynamoDB document client does on write. */
function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
