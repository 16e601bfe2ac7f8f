import type { JSONWebKeySet } from 'jose';
import { ENV } from '../definitions/environment.js';

/**
 * The runtime configuration of every handler, read from the environment once, at the edge. Everything
 * below takes this typed object (or the clients built from it), never `process.env`.
 */
export interface RuntimeConfig {
  readonly stage: string;
  readonly region: string;
  /**
   * The platform's home region (`UNMOGROWP_HOME_REGION`): the home of every tenant the registry gives no
   * other (see `src/app/home-region.ts`).
   * @default the function's own region
   */
  readonly homeRegion: string;
  /**
   * Every region of the deployment (`UNMOGROWP_REGIONS`).
   * @default [region]
   */
  readonly regions: readonly string[];
  readonly identityGraphTable: string;
  readonly tenantRegistryTable: string;
  readonly ingestStream: string;
  readonly lakeBucket: string;
  readonly athenaWorkgroup: string;
  readonly glueDatabase: string;
  /**
   * Firehose delivery stream of the lake's `attributions` table. Set (in the cloud), the consumer puts
   * only attribution rows there and raw records reach the lake through the stream's own Firehose; unset
   * (local mode, tests), the consumer writes raw and attribution rows to the lake bucket as NDJSON.
   */
  readonly attributionDeliveryStream?: string;
  /** Timestream database and table; both set means the consumer writes real-time counters there. */
  readonly timestream?: { readonly database: string; readonly table: string };
  /** Silo tenants' own ingest streams, by tenant id. */
  readonly tenantStreams: Readonly<Record<string, string>>;
  /** Silo tenants' own identity graph tables, by tenant id. */
  readonly tenantTables: Readonly<Record<string, string>>;
  /**
   * Athena workgroup of each tenant declared at deploy time, by tenant id; other tenants (onboarded
   * live) use `athenaWorkgroup`.
   */
  readonly tenantWorkgroups: Readonly<Record<string, string>>;
  /**
   * The lake reader role: each tenant's Athena queries run in a session of it tagged with the tenant.
   * @default unset: the function's own credentials (local mode, tests)
   */
  readonly lakeReaderRoleArn?: string;
  /** Platform-wide settings defaults (validated later against the settings schema). */
  readonly defaultSettings: Readonly<Record<string, unknown>>;
  /** Limits of whole tenants by id (`UNMOGROWP_TENANT_LIMITS`). @default none */
  readonly tenantLimits: Readonly<
    Record<string, { readonly rateLimitPerSecond: number; readonly monthlyRequestQuota: number }>
  >;
  readonly dataCenterCidrs: readonly string[];
  /** Endpoint overrides (local mode, tests); absent in the cloud. */
  readonly endpoints: {
    readonly dynamodb?: string;
    readonly kinesis?: string;
    readonly s3?: string;
    readonly athena?: string;
    readonly sts?: string;
    readonly sqs?: string;
    readonly timestream?: string;
    readonly secretsManager?: string;
  };
  readonly auth: {
    /** HS256 secret of locally signed bearer tokens (local mode, tests). */
    readonly jwtSecret?: string;
    /**
     * Secrets Manager secret (name or ARN) holding the HS256 secret of service tokens (`auth.kind`
     * `jwt-secret` in the cloud); read when the first token is verified, never put in the environment.
     */
    readonly jwtSecretId?: string;
    /** JWKS URL of the cloud issuer (Cognito user pool or another OIDC issuer). */
    readonly jwksUrl?: string;
    /**
     * The issuer's JWKS as JSON (`UNMOGROWP_JWKS`), so tokens verify with no fetch at all, even on a cold
     * start while the issuer's region is down; the URL is then fetched only for an unknown key id.
     */
    readonly jwks?: JSONWebKeySet;
    readonly issuer?: string;
    readonly audience?: string;
  };
  /** Seconds an API key → app lookup stays cached in memory. */
  readonly apiKeyCacheTtlSeconds: number;
  /** Days of recent data the install report reads from the per-day counters; older ranges go to Athena. */
  readonly reportCounterDays: number;
  /**
   * Also read signature touchpoints in the layout before per-IP partitions (`UNMOGROWP_LEGACY_SIGNATURE_READS=1`).
   * @default false
   */
  readonly legacySignatureReads: boolean;
}

/** Variables this module reads beyond the shared `ENV` names (local mode and auth). */
export const RUNTIME_ENV = {
  athenaEndpoint: 'ATHENA_ENDPOINT',
  stsEndpoint: 'STS_ENDPOINT',
  sqsEndpoint: 'SQS_ENDPOINT',
  timestreamEndpoint: 'TIMESTREAM_ENDPOINT',
  jwtSecret: 'UNMOGROWP_JWT_SECRET',
  jwtSecretId: 'UNMOGROWP_JWT_SECRET_ID',
  secretsManagerEndpoint: 'SECRETS_MANAGER_ENDPOINT',
  jwksUrl: 'UNMOGROWP_JWKS_URL',
  jwks: 'UNMOGROWP_JWKS',
  jwtIssuer: 'UNMOGROWP_JWT_ISSUER',
  jwtAudience: 'UNMOGROWP_JWT_AUDIENCE',
  apiKeyCacheTtlSeconds: 'UNMOGROWP_API_KEY_CACHE_TTL_SECONDS',
  reportCounterDays: 'UNMOGROWP_REPORT_COUNTER_DAYS',
} as const;

/** Raised when the environment cannot make a valid configuration. */
export class ConfigurationError extends Error {
  constructor(
    message: string,
    readonly variable: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function jsonObject(env: Env, name: string): Record<string, unknown> {
  const raw = env[name];
  if (!raw) return {};
  try {
    const value: unknown = JSON.parse(raw);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (cause) {
    throw new ConfigurationError(`${name} must be a JSON object. Received ${raw}`, name, { cause });
  }
  throw new ConfigurationError(`${name} must be a JSON object. Received ${raw}`, name);
}

function tenantLimitsOf(env: Env): RuntimeConfig['tenantLimits'] {
  const out: Record<string, { rateLimitPerSecond: number; monthlyRequestQuota: number }> = {};
  for (const [tenantId, value] of Object.entries(jsonObject(env, ENV.tenantLimits))) {
    const v = value as { rateLimitPerSecond?: unknown; monthlyRequestQuota?: unknown } | null;
    const rate = v?.rateLimitPerSecond;
    const monthly = v?.monthlyRequestQuota ?? 0;
    if (typeof rate !== 'number' || !(rate > 0) || typeof monthly !== 'number' || monthly < 0) {
      throw new ConfigurationError(
        `${ENV.tenantLimits}.${tenantId} needs rateLimitPerSecond > 0 and monthlyRequestQuota >= 0. Received ${JSON.stringify(value)}`,
        ENV.tenantLimits,
      );
    }
    out[tenantId] = { rateLimitPerSecond: rate, monthlyRequestQuota: monthly };
  }
  return out;
}

function stringMap(env: Env, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(jsonObject(env, name))) {
    if (typeof v !== 'string') {
      throw new ConfigurationError(`${name}.${k} must be a string. Received ${JSON.stringify(v)}`, name);
    }
    out[k] = v;
  }
  return out;
}

function positiveNumber(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(`${name} must be a non-negative number. Received ${raw}`, name);
  }
  return value;
}

const optional = (value: string | undefined) => (value ? value : undefined);

/** `UNMOGROWP_JWKS`: a JSON object with a `keys` array, or unset. */
function jwksOf(env: Env): JSONWebKeySet | undefined {
  const raw = optional(env[RUNTIME_ENV.jwks]);
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    throw new ConfigurationError(`${RUNTIME_ENV.jwks} is not JSON`, RUNTIME_ENV.jwks, { cause });
  }
  if (!Array.isArray((parsed as { keys?: unknown } | null)?.keys)) {
    throw new ConfigurationError(`${RUNTIME_ENV.jwks} must be a JWKS: {"keys": [...]}`, RUNTIME_ENV.jwks);
  }
  return parsed as JSONWebKeySet;
}

/**
 * Reads the runtime configuration from an environment.
 * @example
 * const config = loadRuntimeConfig(process.env);
 */
export function loadRuntimeConfig(env: Env = process.env): RuntimeConfig {
  const timestreamDatabase = optional(env[ENV.timestreamDatabase]);
  const timestreamTable = optional(env[ENV.timestreamTable]);
  const attributionDeliveryStream = optional(env[ENV.attributionDeliveryStream]);
  const jwtSecret = optional(env[RUNTIME_ENV.jwtSecret]);
  const jwtSecretId = optional(env[RUNTIME_ENV.jwtSecretId]);
  const jwksUrl = optional(env[RUNTIME_ENV.jwksUrl]);
  const jwks = jwksOf(env);
  const issuer = optional(env[RUNTIME_ENV.jwtIssuer]);
  const audience = optional(env[RUNTIME_ENV.jwtAudience]);
  return {
    stage: env[ENV.stage] ?? 'local',
    region: env[ENV.region] ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    homeRegion: env[ENV.homeRegion] ?? env[ENV.region] ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    regions: (env[ENV.regions] ?? env[ENV.region] ?? env.AWS_DEFAULT_REGION ?? 'us-east-1')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
    identityGraphTable: env[ENV.identityGraphTable] ?? 'IdentityGraph',
    tenantRegistryTable: env[ENV.tenantRegistryTable] ?? 'TenantRegistry',
    ingestStream: env[ENV.ingestStream] ?? 'IngestStream',
    lakeBucket: env[ENV.lakeBucket] ?? 'unmogrowp-lake',
    athenaWorkgroup: env[ENV.athenaWorkgroup] ?? 'primary',
    glueDatabase: env[ENV.glueDatabase] ?? 'unmogrowp',
    ...(attributionDeliveryStream ? { attributionDeliveryStream } : {}),
    ...(timestreamDatabase && timestreamTable
      ? { timestream: { database: timestreamDatabase, table: timestreamTable } }
      : {}),
    tenantStreams: stringMap(env, ENV.tenantStreams),
    tenantTables: stringMap(env, ENV.tenantTables),
    tenantWorkgroups: stringMap(env, ENV.tenantWorkgroups),
    ...(optional(env[ENV.lakeReaderRoleArn]) ? { lakeReaderRoleArn: env[ENV.lakeReaderRoleArn] } : {}),
    defaultSettings: jsonObject(env, ENV.defaultSettings),
    tenantLimits: tenantLimitsOf(env),
    dataCenterCidrs: (env[ENV.dataCenterCidrs] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    endpoints: {
      dynamodb: optional(env[ENV.dynamodbEndpoint]),
      kinesis: optional(env[ENV.kinesisEndpoint]),
      s3: optional(env[ENV.s3Endpoint]),
      athena: optional(env[RUNTIME_ENV.athenaEndpoint]),
      sts: optional(env[RUNTIME_ENV.stsEndpoint]),
      sqs: optional(env[RUNTIME_ENV.sqsEndpoint]),
      timestream: optional(env[RUNTIME_ENV.timestreamEndpoint]),
      secretsManager: optional(env[RUNTIME_ENV.secretsManagerEndpoint]),
    },
    auth: {
      jwtSecret,
      ...(jwtSecretId ? { jwtSecretId } : {}),
      jwksUrl,
      ...(jwks ? { jwks } : {}),
      issuer,
      audience,
    },
    apiKeyCacheTtlSeconds: positiveNumber(env, RUNTIME_ENV.apiKeyCacheTtlSeconds, 60),
    reportCounterDays: positiveNumber(env, RUNTIME_ENV.reportCounterDays, 400),
    legacySignatureReads: env[ENV.legacySignatureReads] === '1',
  };
}
