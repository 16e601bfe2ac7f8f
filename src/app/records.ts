import type { AppSettingsInput } from '../domain/settings.js';
import type { CounterMetric } from '../domain/store.js';

/**
 * The records the ports speak in: tenants, apps, erasure requests and report counters, as the
 * application sees them (the adapters decide how they are stored).
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
  /** The signing secret of signed requests (`auth/signing.ts`), when the app has one. Never shown by GET. */
  readonly signing?: SigningSecretRecord;
  /** The app's key for hashed IPs (`ipHandling: 'hashed'`): made with the app (or its first update), never changed. */
  readonly ipHashKey?: string;
}

export interface SigningSecretRecord {
  readonly secret: string;
  readonly createdAt: string;
}

/** An app API key as listed (the key itself is never stored). */
export interface ApiKeyRecord {
  /** The first 16 hex digits of the key's SHA-256: names the key without revealing it. */
  readonly keyId: string;
  readonly createdAt: string;
  /** When the key stops working (set by a rotation). */
  readonly expiresAt?: string;
}

/** What a key rotation did. */
export interface KeyRotation {
  readonly created: ApiKeyRecord;
  /** The app's other keys still working until their deadline (none when revoked at once). */
  readonly previous: readonly ApiKeyRecord[];
}

/**
 * The answer of a key rotation, the same from every registry: the new key's id (the first 16 hex digits
 * of its hash) and the old keys that still work, each with its deadline (those past it are left out).
 */
export function keyRotationOf(
  apiKeyHash: string,
  createdAt: string,
  live: readonly { readonly key: ApiKeyRecord; readonly deadlineMs: number }[],
  nowMs: number,
): KeyRotation {
  return {
    created: { keyId: apiKeyHash.slice(0, 16), createdAt },
    previous: live
      .filter((k) => k.deadlineMs > nowMs)
      .map((k) => ({ ...k.key, expiresAt: new Date(k.deadlineMs).toISOString() })),
  };
}

export type AppPatch = Partial<Pick<AppRecord, 'name' | 'storeUrls' | 'allowedRedirectHosts' | 'settings'>>;

export interface ErasureRecord {
  readonly requestId: string;
  readonly tenantId: string;
  readonly appId: string;
  /** `pending` until the tombstone and the graph deletions are done (see src/http/routes/privacy.ts). */
  readonly status: 'pending' | 'completed' | 'failed';
  /** The kind of identifier the request named (`adid`, `idfv`, `cuid`); never its value. */
  readonly identifierKind?: string;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly completedAt?: string;
  readonly erased: Readonly<Record<string, number>>;
  /** Why a `failed` request failed, for its caller. */
  readonly failure?: string;
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
