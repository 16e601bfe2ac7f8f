import type { LakeQueryRunner } from '../adapters/athena/report-query.js';
import type { CounterRow, ErasureCounts } from '../adapters/dynamodb/identity-graph.js';
import type {
  AppPatch,
  AppRecord,
  ErasureRecord,
  KeyRotation,
  TenantRecord,
} from '../adapters/dynamodb/tenant-registry.js';
import type { RecordPublisher } from '../adapters/kinesis/publisher.js';
import type { TombstoneSink } from '../adapters/s3/tombstones.js';
import type { PostbackApiServices } from '../app/postbacks/ports.js';
import { hashApiKey, looksLikeApiKey } from '../auth/api-keys.js';
import { type TokenVerifier, VerificationKeyUnavailableError } from '../auth/jwt.js';
import type { AppPrincipal } from '../auth/permissions.js';
import type { IdentifierKind } from '../domain/keys.js';
import type { ReplayHistory } from '../domain/replay.js';
import type { Device } from '../domain/store.js';
import { ServiceUnavailableError, UnauthorizedError } from './errors.js';
import type { HttpRequest } from './request.js';
import type { Authenticator, RequestLogger } from './router.js';

/**
 * What the routes need from the outside world, as ports. The Lambda entry points and local mode wire
 * the real adapters; handler unit tests may pass fakes.
 */

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

/**
 * Fixed-window usage counters behind the per-app rate limits and quotas (`limits.ts`), one counter per
 * key and window, gone after it.
 */
export interface UsageCounters {
  /**
   * Adds `units` to the counter `key` unless its total would pass `limit`: `admitted` with the new
   * total, or refused (nothing added) with the total found when it is known.
   */
  add(counter: CounterWindow, units: number, limit: number): Promise<{ admitted: boolean; total?: number }>;
  /** Gives `units` back (what was counted for work that then failed). */
  remove(counter: CounterWindow, units: number): Promise<void>;
}

/** One counter in one window: `key` names both (e.g. the app and the UTC second). */
export interface CounterWindow {
  readonly key: string;
  /** When the window ends: the counter may be deleted after it. */
  readonly endsAtMs: number;
}

export interface IdentityGraphReader {
  findDevice(
    tenantId: string,
    appId: string,
    kind: IdentifierKind,
    value: string,
  ): Promise<Device | undefined>;
  readCounters(tenantId: string, appId: string, fromDay: string, toDay: string): Promise<CounterRow[]>;
  eraseIdentity(tenantId: string, appId: string, kind: IdentifierKind, value: string): Promise<ErasureCounts>;
}

/**
 * Limits of a whole tenant, from its `usagePlan` in the deployment config (`UNMOGROWP_TENANT_LIMITS`):
 * what API Gateway usage plans enforced before app keys left API Gateway.
 */
export interface TenantLimits {
  /** Ingest requests per UTC second across the tenant's apps. */
  readonly rateLimitPerSecond: number;
  /** Ingest requests per UTC calendar month; 0: none. */
  readonly monthlyRequestQuota: number;
}

/** The raw history of an app that replay re-runs (the lake's events and touchpoints). */
export interface ReplayHistorySource {
  /** False while no lake can be read (local mode hands its lake over once it is up). */
  readonly available: boolean;
  read(scope: {
    readonly tenantId: string;
    readonly appId: string;
    readonly fromDay: string;
    readonly toDay: string;
  }): Promise<ReplayHistory & { readonly truncated: boolean }>;
}

export interface ApiServices {
  readonly registry: TenantDirectory;
  /** Per tenant: silo tenants have their own identity graph table. */
  readonly graphFor: (tenantId: string) => IdentityGraphReader;
  readonly publisher: RecordPublisher;
  /** Erasure tombstones in the lake (`erasures` table), which every lake query honours. */
  readonly tombstones: TombstoneSink;
  readonly verifyToken: TokenVerifier;
  /** Counters of the per-app ingest limits; without them the limits are not enforced. */
  readonly usageCounters?: UsageCounters;
  /** Limits of whole tenants (their `usagePlan` in the deployment config), by tenant id. @default none */
  readonly tenantLimits?: Readonly<Record<string, TenantLimits>>;
  /** The Athena path of reports; without it every range reads the counters. */
  readonly lakeQueries?: LakeQueryRunner;
  /**
   * What `POST /v1/reports/{appId}/replay` reads, and the data-center ranges the consumer's fraud rule
   * uses (so a replay decides as the consumer does).
   * @default none: replay answers 503
   */
  readonly replay?: {
    readonly history: ReplayHistorySource;
    readonly dataCenterCidrs: readonly string[];
  };
  /** Ranges starting within this many days read the counters; older ones go to the lake. */
  readonly reportCounterDays: number;
  /** Postback destinations and the delivery log (SPEC §7); without them those routes answer 503. */
  readonly postbacks?: PostbackApiServices;
  readonly now: () => number;
  /** Our touchpoint ids and request ids. */
  readonly newId: () => string;
  readonly logger?: RequestLogger;
}

/** Authenticates with the registry (API keys, hashed) and the token verifier (bearer JWTs). */
export function createAuthenticator(services: Pick<ApiServices, 'registry' | 'verifyToken'>): Authenticator {
  return {
    async apiKey(request: HttpRequest) {
      const key = request.headers['x-api-key']?.trim();
      if (!key) throw new UnauthorizedError('missing x-api-key header');
      const principal = looksLikeApiKey(key)
        ? await services.registry.resolveApiKeyHash(hashApiKey(key))
        : undefined;
      if (!principal) throw new UnauthorizedError('invalid API key');
      return principal;
    },
    async bearer(request: HttpRequest) {
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
      if (!match?.[1]) throw new UnauthorizedError('missing Authorization: Bearer token');
      try {
        return await services.verifyToken(match[1]);
      } catch (cause) {
        // The signing secret or JWKS being unreachable is our outage, not a bad token: retryable 503.
        if (cause instanceof VerificationKeyUnavailableError)
          throw new ServiceUnavailableError('bearer tokens cannot be verified right now; retry', {
            cause,
            retryAfterSeconds: 5,
          });
        throw new UnauthorizedError('invalid or expired bearer token', { cause });
      }
    },
  };
}
