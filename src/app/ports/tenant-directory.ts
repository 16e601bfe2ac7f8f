import type { AppPrincipal } from '../../auth/permissions.js';
import type { AppPatch, AppRecord, ErasureRecord, KeyRotation, TenantRecord } from '../records.js';

/** Tenants, their apps and API keys, and erasure requests: what the routes and the consumer read and write. */
export interface TenantDirectory {
  createTenant(tenantId: string, name: string): Promise<TenantRecord>;
  getTenant(tenantId: string): Promise<TenantRecord | undefined>;
  createApp(app: Omit<AppRecord, 'createdAt' | 'updatedAt'>, apiKeyHash: string): Promise<AppRecord>;
  /** The app, wherever its tenant; `consistent` bypasses caches (checks before irreversible steps). */
  getApp(appId: string, options?: { consistent?: boolean }): Promise<AppRecord | undefined>;
  getTenantApp(tenantId: string, appId: string): Promise<AppRecord | undefined>;
  updateApp(tenantId: string, appId: string, patch: AppPatch): Promise<AppRecord | undefined>;
  resolveApiKeyHash(apiKeyHash: string): Promise<AppPrincipal | undefined>;
  /** Adds a key and gives the app's other live keys a deadline (`now` revokes them). */
  rotateApiKey(
    tenantId: string,
    appId: string,
    apiKeyHash: string,
    oldKeysExpireAtMs: number,
  ): Promise<KeyRotation>;
  /** Sets or (with undefined) removes an app's signing secret; undefined when not the tenant's app. */
  setSigningSecret(
    tenantId: string,
    appId: string,
    secret: string | undefined,
  ): Promise<AppRecord | undefined>;
  recordErasure(record: ErasureRecord): Promise<void>;
  getErasure(tenantId: string, requestId: string): Promise<ErasureRecord | undefined>;
}
