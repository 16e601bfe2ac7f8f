import type { CountryLookup } from '../app/country-lookup.js';
import type { ReportLake } from '../app/performance.js';
import type { AuditLog } from '../app/ports/audit-log.js';
import type { IdentityGraphReader } from '../app/ports/identity-graph.js';
import type { LakeQueryRunner } from '../app/ports/lake-queries.js';
import type { Logger } from '../app/ports/logger.js';
import type { MetricsSink } from '../app/ports/metrics.js';
import type { RecordPublisher } from '../app/ports/record-publisher.js';
import type { ReplayHistorySource } from '../app/ports/replay-history.js';
import type { TenantDirectory } from '../app/ports/tenant-directory.js';
import type { TombstoneSink } from '../app/ports/tombstone-sink.js';
import type { UsageCounters } from '../app/ports/usage-counters.js';
import type { PostbackApiServices } from '../app/postbacks/ports.js';
import type { SettingsResolver } from '../app/settings.js';
import type { SpendLake } from '../app/spend-lake.js';
import { hashApiKey, looksLikeApiKey } from '../auth/api-keys.js';
import { type TokenVerifier, VerificationKeyUnavailableError } from '../auth/jwt.js';
import { ServiceUnavailableError, UnauthorizedError } from './errors.js';
import type { HttpRequest } from './request.js';
import type { Authenticator } from './router.js';

/**
 * What the routes need from the outside world: the ports of `src/app/`, which the composition root
 * (`src/composition/`) fills with the real adapters; handler unit tests may pass fakes.
 */

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
  /**
   * The IP-to-country table behind the country of installs and events the SDK sent none for.
   * @default none: only a sent `device.country` is kept
   */
  readonly countries?: CountryLookup;
  /**
   * Where cost rows and FX rates go (SPEC §8).
   * @default none: the spend routes answer 503
   */
  readonly spendLake?: SpendLake;
  /**
   * The lake the spend reports read (SPEC §8): Athena in the cloud, local mode's DuckDB once it is up.
   * @default none: the performance and cohort reports answer 503
   */
  readonly reportLake?: () => ReportLake | undefined;
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
  /**
   * The tenants' audit logs: every successful admin change is recorded there (`http/audit.ts`) and
   * `GET /v1/tenants/{tenantId}/audit-log` reads them.
   * @default none: nothing is recorded and the audit log route answers 503
   */
  readonly auditLog?: AuditLog;
  /** Counts what the routes count (audit log write failures). @default none */
  readonly metrics?: MetricsSink;
  readonly now: () => number;
  /** Our touchpoint ids and request ids. */
  readonly newId: () => string;
  readonly logger?: Logger;
  /** An app's effective settings: SPEC defaults, platform defaults, then the app's own (`app/settings.ts`). */
  readonly effectiveSettings: SettingsResolver;
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
