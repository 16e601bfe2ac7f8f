import { z } from 'zod';
import {
  APP_ID_PATTERN,
  DEPLOYED_TENANT_ID_MAX_LENGTH,
  TENANT_ID_PATTERN,
} from '../../src/definitions/ids.js';
import { AppSettingsWireSchema } from '../../src/domain/settings.js';

const AWS_REGION_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653,
] as const;

const region = z
  .string()
  .regex(AWS_REGION_PATTERN, { message: 'expected an AWS region code such as us-east-1' });

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const UsagePlanSchema = z
  .object({
    /** Steady-state requests per second across the tenant's keys. */
    rateLimit: z.number().positive().max(10_000).default(100),
    /** Not used since app keys left API Gateway (the handlers enforce `rateLimit`); still accepted. */
    burstLimit: int(1, 5_000).default(200),
    /** Requests a month; 0 means no quota. */
    monthlyQuota: int(0, 1_000_000_000).default(0),
  })
  .strict();

const AppSchema = z
  .object({
    /** An app's bundle id (Android application id or iOS bundle id). */
    appId: z.string().regex(APP_ID_PATTERN, { message: 'expected a bundle id such as com.demo.game' }),
    /** Its store page. */
    storeUrl: z.url().optional(),
  })
  .strict();

const TenantSchema = z
  .object({
    // Tenants named here get resources named after them: the API's pattern, kept short.
    /** The tenant's id: 2-20 lowercase letters, digits or dashes (silo resources are named after it). */
    tenantId: z
      .string()
      .regex(TENANT_ID_PATTERN, {
        message: `expected 2-${DEPLOYED_TENANT_ID_MAX_LENGTH} lowercase letters, digits or dashes, not starting with a dash`,
      })
      .max(DEPLOYED_TENANT_ID_MAX_LENGTH, {
        message: `expected 2-${DEPLOYED_TENANT_ID_MAX_LENGTH} lowercase letters, digits or dashes, not starting with a dash`,
      }),
    /** `pool` tenants share the stream, consumer and table; `silo` tenants get their own stream and consumer. */
    tier: z.enum(['pool', 'silo']).default('pool'),
    /** Silo only: also give the tenant its own identity graph table. */
    ownTable: z.boolean().default(false),
    /**
     * Apps listed for the record; the stacks do not read them: apps and their keys are onboarded through
     * the API (`npx unmogrowp tenants add`, docs/onboarding.md), without a deploy.
     */
    apps: z.array(AppSchema).default([]),
    /** Tenant-wide ingest limits over all its apps, enforced by the ingest handlers in every region. */
    usagePlan: UsagePlanSchema.prefault({}),
    /** Athena stops any query of this tenant's workgroup scanning more, in GiB; default `lake`'s cutoff. */
    athenaBytesScannedCutoffGiB: int(1, 10_000).optional(),
  })
  .strict()
  .refine((tenant) => !(tenant.ownTable && tenant.tier === 'pool'), {
    message: 'ownTable requires tier "silo"',
    path: ['ownTable'],
  });

/**
 * Capacity of the DynamoDB tables: `onDemand`, or `provisioned` with autoscaling between the minimum
 * and maximum read and write capacity.
 */
const TableCapacitySchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('onDemand') }).strict(),
  z
    .object({
      mode: z.literal('provisioned'),
      /** Read capacity units autoscaling never goes below. */
      minReadCapacity: int(1, 40_000).default(5),
      /** Read capacity units autoscaling never goes above. */
      maxReadCapacity: int(1, 40_000).default(100),
      /** Write capacity units autoscaling never goes below. */
      minWriteCapacity: int(1, 40_000).default(5),
      /** Write capacity units autoscaling never goes above. */
      maxWriteCapacity: int(1, 40_000).default(100),
      /** Target utilisation, percent, that autoscaling keeps. */
      targetUtilizationPercent: int(20, 90).default(70),
    })
    .strict()
    .refine((c) => c.minReadCapacity <= c.maxReadCapacity, {
      message: 'minReadCapacity must not exceed maxReadCapacity',
      path: ['minReadCapacity'],
    })
    .refine((c) => c.minWriteCapacity <= c.maxWriteCapacity, {
      message: 'minWriteCapacity must not exceed maxWriteCapacity',
      path: ['minWriteCapacity'],
    }),
]);

/** Capacity of the ingest streams: `onDemand` (scales itself), or `provisioned` with a fixed shard count. */
const StreamCapacitySchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('onDemand') }).strict(),
  z
    .object({
      mode: z.literal('provisioned'),
      /** Shards of each ingest stream (1 MiB/s or 1,000 records/s of writes each). */
      shardCount: int(1, 500).default(2),
    })
    .strict(),
]);

/** The attribution consumers' event source mappings. */
const ProcessingSchema = z
  .object({
    /** Records per consumer invocation. */
    batchSize: int(1, 10_000).default(100),
    /** Concurrent batches per shard. */
    parallelizationFactor: int(1, 10).default(2),
    /** Retries of a failed batch (bisected) before it goes to the on-failure queue. */
    retryAttempts: int(0, 10).default(3),
    /** Records older than this are sent to the on-failure queue instead of being retried. */
    maxRecordAgeHours: int(1, 168).default(24),
    /** Seconds the event source waits to fill a batch. */
    maxBatchingWindowSeconds: int(0, 300).default(1),
    /**
     * Also read signature touchpoints stored in the layout before per-IP partitions: turn on when
     * upgrading a deployment from before 2026-12, and off again 8 days later (those copies expire).
     */
    legacySignatureReads: z.boolean().default(false),
  })
  .strict();

/** Provisioned concurrency of the latency-sensitive API functions (prod only). */
const ConcurrencySchema = z
  .object({
    /** Provisioned concurrency floor of each latency-sensitive API function in prod. */
    minProvisioned: int(1, 1_000).default(2),
    /** Provisioned concurrency ceiling autoscaling may reach. */
    maxProvisioned: int(1, 1_000).default(20),
    /** Provisioned concurrency utilisation autoscaling keeps, 0.1-0.9. */
    targetUtilization: z.number().min(0.1).max(0.9).default(0.7),
  })
  .strict()
  .refine((c) => c.minProvisioned <= c.maxProvisioned, {
    message: 'minProvisioned must not exceed maxProvisioned',
    path: ['minProvisioned'],
  });

/** Where alarms go besides `alarmEmail`. */
const MonitoringSchema = z
  .object({
    /**
     * Name of a Secrets Manager secret, present in every region of `regions`, whose value is a Slack
     * incoming-webhook URL (the plain string `https://hooks.slack.com/services/…`). When set, a small
     * function in each region subscribes to the region's alarm topic and posts every alarm state change
     * (firing and recovering) to that channel, besides the e-mail to `alarmEmail`. The platform reads the
     * secret (and only that one); it never creates it. A name, not an ARN.
     * @default none: alarms are e-mailed to `alarmEmail` only
     */
    slackWebhookSecretName: z
      .string()
      .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, {
        message: 'expected a Secrets Manager secret name (1-512 of A-Z a-z 0-9 / _ + = . @ -), not an ARN',
      })
      .optional()
      .describe(
        'Secrets Manager secret (same name in every region) holding a Slack incoming-webhook URL; every alarm state change is posted there too. Left out: alarms are e-mailed only.',
      ),
  })
  .strict();

/** Optional destinations of the consumer besides the identity graph and the lake. */
const SinksSchema = z
  .object({
    /**
     * Real-time counters in Timestream for LiveAnalytics. Timestream for LiveAnalytics is closed to new
     * AWS accounts (AWS accepts no new customers for it since 2025-06-20): enable it only in an account
     * that already uses it. The real-time counters do not need it: the consumer publishes them as
     * CloudWatch EMF metrics, and the dashboards and reports read those and the DynamoDB counters.
     */
    timestream: z
      .object({
        /** Create a Timestream database and table per region and write the counters to it. */
        enabled: z.boolean().default(false),
        /** Hours rows stay in Timestream's memory store. */
        memoryRetentionHours: int(1, 8_766).default(24),
        /** Days rows stay in Timestream's magnetic store. */
        magneticRetentionDays: int(1, 73_000).default(365),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The S3 data lake: Firehose buffering, storage classes and the Athena scan cutoff. */
const LakeSchema = z
  .object({
    /** Seconds Firehose buffers before writing a file (60-900). */
    bufferIntervalSeconds: int(60, 900).default(300),
    /** Days before lake objects move to S3 Standard-IA. */
    infrequentAccessAfterDays: int(30, 3_650).default(30),
    /** Days before lake objects move to Glacier Instant Retrieval. */
    glacierAfterDays: int(31, 3_650).default(180),
    /** Athena stops any query of this workgroup scanning more, in GiB. */
    athenaBytesScannedCutoffGiB: int(1, 10_000).default(10),
  })
  .strict()
  .refine((l) => l.glacierAfterDays > l.infrequentAccessAfterDays, {
    message: 'glacierAfterDays must be greater than infrequentAccessAfterDays',
    path: ['glacierAfterDays'],
  });

/** Limits in front of the ingest routes: WAF rate rules and the API stage's throttle. */
const IngestSchema = z
  .object({
    /**
     * Requests per 5 minutes per client IP to the public tracking links (click, impression) before WAF
     * blocks it. Server-to-server routes are not limited per IP (ad networks send from a few IPs).
     */
    wafRateLimitPer5Minutes: int(100, 2_000_000_000).default(2_000),
    /**
     * Requests per 5 minutes per app key to the server-to-server routes before WAF blocks it: a ceiling
     * against a leaked key, above the per-app `rate_limit_per_second` the platform enforces itself.
     */
    wafRateLimitPerKeyPer5Minutes: int(100, 2_000_000_000).default(1_500_000),
    /** Stage-wide throttle, requests per second. */
    throttleRateLimit: z.number().positive().max(100_000).default(1_000),
    /** Stage-wide burst above the throttle rate. */
    throttleBurstLimit: int(1, 100_000).default(2_000),
  })
  .strict();

/**
 * One hostname for the API in every region: a regional custom domain per region, and with `hostedZone`
 * Route 53 latency records with health checks.
 */
const CustomDomainSchema = z
  .object({
    /** The API's hostname, e.g. `api.example.com`. */
    domainName: z
      .string()
      .regex(/^(?=.{4,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/, { message: 'expected a DNS name' }),
    /** ACM certificate ARN per configured region (regional endpoints need a certificate in each). */
    certificateArns: z.record(
      region,
      z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, {
        message: 'expected an ACM certificate ARN',
      }),
    ),
    /**
     * Public Route 53 hosted zone of `domainName`. Given, every region gets a latency record of
     * `domainName` with a health check of its own endpoint, so clients use one URL and a failed region
     * drops out of DNS answers. Left out, the regional domains are created and DNS is yours to point.
     */
    hostedZone: z
      .object({
        /** The zone's id. */
        hostedZoneId: z
          .string()
          .regex(/^Z[A-Z0-9]{1,31}$/, { message: 'expected a hosted zone id such as Z0123456789ABC' }),
        /** The zone's name, `domainName` or a parent of it. */
        zoneName: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { message: 'expected a DNS name' }),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine(
    (domain) =>
      domain.hostedZone === undefined ||
      domain.domainName === domain.hostedZone.zoneName ||
      domain.domainName.endsWith(`.${domain.hostedZone.zoneName}`),
    { message: 'domainName must be inside hostedZone.zoneName', path: ['hostedZone', 'zoneName'] },
  );

/** Cognito user pool the home region's stateful stack creates; every region's API trusts it. */
const CognitoAuthSchema = z
  .object({
    kind: z.literal('cognito'),
    /** Second factor (TOTP) at sign-in: `required` for everyone, or `optional` (each user opts in). */
    mfa: z.enum(['required', 'optional']).default('required'),
    /**
     * Cognito Plus feature plan with threat protection enforced (compromised credentials, adaptive
     * authentication). Billed per monthly active user; `false` keeps the Essentials plan.
     */
    threatProtection: z.boolean().default(true),
    /** Minimum password length (upper and lower case, digits and symbols are always required). */
    passwordMinLength: int(8, 99).default(12),
  })
  .strict();

/** Any OIDC issuer that publishes a JWKS (Auth0, Okta, Entra ID, an existing Cognito pool…). */
const JwksAuthSchema = z
  .object({
    kind: z.literal('jwks'),
    /** JWKS URL of the issuer of admin/report bearer tokens. */
    jwksUrl: z.url({ protocol: /^https$/, message: 'expected an https JWKS URL' }),
    /** `iss` the tokens must carry. */
    issuer: z.string().min(1),
    /** `aud` the tokens must carry, when set. */
    audience: z.string().min(1).optional(),
  })
  .strict();

/** HS256 service tokens signed with a secret Secrets Manager generates (machine-to-machine use). */
const JwtSecretAuthSchema = z
  .object({
    kind: z.literal('jwt-secret'),
    /** `iss` the tokens must carry. */
    issuer: z.string().min(1).default('unmogrowp'),
    audience: z.string().min(1).optional(),
  })
  .strict();

/**
 * How bearer tokens are issued and verified. A config written before `kind` existed
 * (`{ jwksUrl, issuer, audience }`) still reads as `kind: 'jwks'`.
 */
const AuthSchema = z.preprocess(
  (value) =>
    value !== null && typeof value === 'object' && !('kind' in value) && 'jwksUrl' in value
      ? { kind: 'jwks', ...value }
      : value,
  z.discriminatedUnion('kind', [CognitoAuthSchema, JwksAuthSchema, JwtSecretAuthSchema]),
);

export const PlatformConfigSchema = z
  .object({
    /**
     * `dev`: stacks tear down cleanly; `prod`: termination protection, stateful resources retained, provisioned
     * concurrency (docs/deployment.md).
     */
    stage: z.enum(['dev', 'prod']),
    /** AWS account to deploy to; left out, the stacks are account-agnostic (resolved at deploy). */
    account: z
      .string()
      .regex(/^\d{12}$/, { message: 'expected a 12-digit AWS account id' })
      .optional(),
    /** The region that declares the global tables (one of `regions`) and holds the global dashboard. */
    homeRegion: region,
    /** Every region the platform runs in; each serves the whole API. */
    regions: z.array(region).min(1),
    /** The tenants whose resources the stacks create: `pool` tenants share them, `silo` tenants get their own. */
    tenants: z.array(TenantSchema).min(1),
    /**
     * Platform-wide attribution settings, in the very schema of the app settings API (snake_case,
     * e.g. `{ "click_lookback_hours": 168 }`); what is left out takes the default in docs/reference/settings.md.
     */
    attributionDefaults: AppSettingsWireSchema.default({}),
    sinks: SinksSchema.prefault({}),
    /** Subscribed to every region's alarm topic (confirm each subscription e-mail once). */
    alarmEmail: z.email(),
    /** Where alarms go besides `alarmEmail`. */
    monitoring: MonitoringSchema.prefault({}),
    customDomain: CustomDomainSchema.optional(),
    /** Who issues the bearer tokens of admin, report and privacy calls (docs/cloud-first-run.md). */
    auth: AuthSchema.prefault({ kind: 'cognito' }),
    /** Data-centre CIDR ranges for the `data_center_ip` fraud rule. */
    dataCenterCidrs: z
      .array(z.cidrv4({ message: 'expected an IPv4 CIDR such as 203.0.113.0/24' }).or(z.cidrv6()))
      .default([]),
    ingest: IngestSchema.prefault({}),
    processing: ProcessingSchema.prefault({}),
    concurrency: ConcurrencySchema.prefault({}),
    tableCapacity: TableCapacitySchema.default({ mode: 'onDemand' }),
    streamCapacity: StreamCapacitySchema.default({ mode: 'onDemand' }),
    lake: LakeSchema.prefault({}),
    /**
     * AWS quotas this account has had raised, checked at synth instead of AWS's defaults
     * (`AWS_DEFAULT_QUOTAS` in lib/quotas.ts).
     */
    quotas: z
      .object({
        /** Kinesis on-demand streams per region (AWS default 50). */
        onDemandStreamsPerRegion: int(1, 10_000).optional(),
        /**
         * Lambda concurrent executions per region (AWS default 1,000): the 100 % of the account-concurrency
         * alarm and chart.
         */
        lambdaConcurrency: int(1, 1_000_000).optional(),
      })
      .strict()
      .default({}),
    /**
     * Bundle the Powertools tracer into the API, consumer and postback-sender functions, so every AWS SDK
     * call shows as an X-Ray subsegment (about 120 KiB more per bundle and a slower cold start). Lambda's
     * own active tracing is on either way.
     */
    traceSdkCalls: z.boolean().default(false),
    /** Days the functions' CloudWatch Logs are kept (one of CloudWatch's retention values). */
    logRetentionDays: z
      .number()
      .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
        message: `expected one of ${LOG_RETENTION_DAYS.join(', ')}`,
      })
      .default(30),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (!config.regions.includes(config.homeRegion)) {
      ctx.addIssue({
        code: 'custom',
        path: ['homeRegion'],
        message: `homeRegion ${config.homeRegion} must be one of regions [${config.regions.join(', ')}]`,
      });
    }
    config.regions.forEach((name, index) => {
      if (config.regions.indexOf(name) !== index) {
        ctx.addIssue({ code: 'custom', path: ['regions', index], message: `duplicate region ${name}` });
      }
    });
    const tenantIds = config.tenants.map((tenant) => tenant.tenantId);
    tenantIds.forEach((id, index) => {
      if (tenantIds.indexOf(id) !== index) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', index, 'tenantId'],
          message: `duplicate tenant ${id}`,
        });
      }
    });
    for (const name of config.regions) {
      if (config.customDomain && !config.customDomain.certificateArns[name]) {
        ctx.addIssue({
          code: 'custom',
          path: ['customDomain', 'certificateArns', name],
          message: `missing the ACM certificate ARN for region ${name}`,
        });
      }
    }
  });

/** The platform config as written in a config file (defaults not applied). */
export type PlatformConfigInput = z.input<typeof PlatformConfigSchema>;
/** The validated platform config with every default resolved. */
export type PlatformConfig = z.output<typeof PlatformConfigSchema>;
export type TenantConfig = PlatformConfig['tenants'][number];
export type Stage = PlatformConfig['stage'];
export type AuthConfig = PlatformConfig['auth'];
