import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import {
  AUDIT_LOG_KEY_PREFIX,
  ENV,
  type HandlerName,
  IDENTITY_GRAPH_TABLE,
  LAKE_COSTS,
  LAKE_ERASURES,
  LAKE_FX_RATES,
  ROUTES,
  TENANT_REGISTRY_TABLE,
  USAGE_COUNTER_KEY_PREFIX,
} from '../../src/definitions/index.js';
import type { BearerAuth } from '../auth/bearer-auth.js';
import { JwtTokenAuthorizer } from '../auth/jwt-token-authorizer.js';
import { ServiceTokenSecret } from '../auth/service-token-secret.js';
import { PlatformFunction } from '../compute/platform-function.js';
import { LatencyRoutedDomain } from '../ingest/latency-routed-domain.js';
import { PlatformApi } from '../ingest/platform-api.js';
import type { LakeAnalytics } from '../lake/lake-analytics.js';
import { LakeReaderRole } from '../lake/lake-reader-role.js';
import { acknowledgeWildcardResource } from '../nag/index.js';
import { SERVICE_NAMES } from '../naming.js';
import type { PlatformPlan } from '../platform-plan.js';
import { GlobalTable } from '../storage/global-table.js';
import { IngestStream } from '../storage/ingest-stream.js';
import { LakeStorage } from '../storage/lake-storage.js';
import {
  ADMIN_IDENTITY_GRAPH_ACCESS,
  ADMIN_REGISTRY_ACCESS,
  INGEST_MULTI_REGION_REGISTRY_ACCESS,
  INGEST_REGISTRY_ACCESS,
  INGEST_STREAM_ACTIONS,
  QUERY_IDENTITY_GRAPH_ACCESS,
  QUERY_REGISTRY_ACCESS,
} from './function-access.js';
import { bearerAuthEnvironment } from './function-environment.js';

type ApiHandler = Extract<HandlerName, 'ingest' | 'query' | 'admin'>;

export interface ApiStackProps extends StackProps {
  readonly plan: PlatformPlan;
  readonly projectRoot: string;
  readonly encryptionKey: kms.IKey;
  /**
   * Names of the region's ingest streams: the pool's (`undefined`) and each silo tenant's, imported by
   * name (no cross-stack export).
   */
  readonly streamNames: ReadonlyMap<string | undefined, string>;
  readonly analytics: LakeAnalytics;
  /** Environment every function of the region gets. */
  readonly environment: Readonly<Record<string, string>>;
  /** How bearer tokens are verified in this region (API Gateway authorizer and handlers). */
  readonly bearerAuth: BearerAuth;
}

/** Handlers with a latency-sensitive route get provisioned concurrency in prod. */
export const LATENCY_SENSITIVE_HANDLERS: ReadonlySet<string> = new Set<HandlerName>(
  ROUTES.filter((route) => route.latencySensitive).map((route) => route.handler),
);

/** Handlers serving at least one bearer route: they verify tokens themselves too. */
export const BEARER_HANDLERS: ReadonlySet<string> = new Set<HandlerName>(
  ROUTES.filter((route) => route.auth === 'bearer').map((route) => route.handler),
);

/**
 * One region's HTTP API v1: the API Gateway REST API with WAF and request validation, the
 * authorizer of its bearer routes (the home region's Cognito user pool, or a Lambda token authorizer),
 * and the ingest, query and admin functions behind it.
 */
export class ApiStack extends Stack {
  readonly api: PlatformApi;
  readonly functions: Readonly<Record<ApiHandler, PlatformFunction>>;
  /** The authorizer of the bearer routes. */
  readonly bearerAuthorizer: apigateway.IAuthorizer;
  /** This region's latency record of the shared hostname (`customDomain.hostedZone` configured). */
  readonly latencyRecord?: LatencyRoutedDomain;
  /**
   * The Lambda TOKEN authorizer: for a JWKS issuer or service tokens in every region, and for the Cognito
   * pool's tokens outside the pool's (home) region.
   */
  readonly tokenAuthorizer?: JwtTokenAuthorizer;
  /** The role the query function reads the lake with, one tenant per session (`LakeReaderRole`). */
  readonly lakeReaderRole: iam.IRole;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, { ...props, crossRegionReferences: props.plan.needsCrossRegionReferences });
    const streams = IngestStream.importByName(this, props.streamNames, props.encryptionKey);
    const { plan } = props;
    const { config } = plan;
    const functionNames = plan.apiFunctionNames;
    const make = (handler: ApiHandler) =>
      new PlatformFunction(this, `${handler[0]?.toUpperCase()}${handler.slice(1)}Function`, {
        handler,
        functionName: functionNames[handler],
        serviceName: SERVICE_NAMES[handler],
        projectRoot: props.projectRoot,
        logRetention: plan.logRetention,
        logRemovalPolicy: plan.removalPolicy,
        environment: props.environment,
        traceSdkCalls: config.traceSdkCalls,
      });
    this.functions = { ingest: make('ingest'), query: make('query'), admin: make('admin') };
    const { ingest, query, admin } = this.functions;

    const registry = GlobalTable.fromName(this, 'TenantRegistry', {
      definition: TENANT_REGISTRY_TABLE,
      tableName: plan.tenantRegistryTableName,
      encryptionKey: props.encryptionKey,
    });
    const identityTables = plan.identityTables.map((table) =>
      GlobalTable.fromName(this, `IdentityGraph${table.tenantId ? `-${table.tenantId}` : ''}`, {
        definition: IDENTITY_GRAPH_TABLE,
        tableName: table.tableName,
        encryptionKey: props.encryptionKey,
      }),
    );
    // Exact action lists per function (./function-access.ts), checked by test/lib/iam-coverage.test.ts.
    for (const stream of streams.values()) {
      stream.grant(ingest.function, ...INGEST_STREAM_ACTIONS);
      stream.encryptionKey?.grantEncrypt(ingest.function);
    }
    registry.grantAccess(ingest.function, INGEST_REGISTRY_ACCESS);
    if (config.regions.length > 1) registry.grantAccess(ingest.function, INGEST_MULTI_REGION_REGISTRY_ACCESS);
    // The per-app rate and quota counters (src/adapters/dynamodb/usage-counters.ts) are the only items
    // the ingest function writes in the registry.
    registry.grantUpdateItemsWithLeadingKeys(ingest.function, USAGE_COUNTER_KEY_PREFIX);
    registry.grantAccess(query.function, QUERY_REGISTRY_ACCESS);
    // A replay run's audit log entry (src/http/audit.ts): the only items the query function writes there.
    registry.grantPutItemsWithLeadingKeys(query.function, AUDIT_LOG_KEY_PREFIX);
    registry.grantAccess(admin.function, ADMIN_REGISTRY_ACCESS);
    for (const table of identityTables) {
      table.grantAccess(query.function, QUERY_IDENTITY_GRAPH_ACCESS);
      table.grantAccess(admin.function, ADMIN_IDENTITY_GRAPH_ACCESS);
    }
    // Lake reads scoped per tenant: the query function runs each tenant's Athena queries in a session of
    // the lake reader role tagged with that tenant; its own role may only start those sessions.
    const lakeReader = new LakeReaderRole(this, 'LakeReader', {
      analytics: props.analytics,
      readers: [query.role],
    });
    lakeReader.grantAssume(query.function);
    query.addEnvironment(ENV.lakeReaderRoleArn, lakeReader.role.roleArn);
    this.lakeReaderRole = lakeReader.role;
    for (const objects of props.analytics.tenantObjectArns) {
      acknowledgeWildcardResource(
        lakeReader.role,
        objects,
        "Athena reads the session's tenant's objects under its app/date partitions and writes results " +
          'under per-query keys; the prefix names the tenant (session tag).',
      );
    }

    const authEnvironment = bearerAuthEnvironment(props.bearerAuth);
    const bearerFunctions = [ingest, query, admin].filter((fn) => BEARER_HANDLERS.has(fn.handler));
    for (const fn of bearerFunctions) {
      for (const [name, value] of Object.entries(authEnvironment)) fn.addEnvironment(name, value);
    }
    // A Cognito authorizer only in the pool's own region: elsewhere (cross-region pool authorizers are not
    // documented by AWS) a Lambda token authorizer verifies the pool's tokens with its cached JWKS.
    if (props.bearerAuth.kind === 'cognito' && this.region === config.homeRegion) {
      this.bearerAuthorizer = new apigateway.CognitoUserPoolsAuthorizer(this, 'BearerAuthorizer', {
        authorizerName: plan.userPoolName,
        cognitoUserPools: [props.bearerAuth.userPool],
        identitySource: apigateway.IdentitySource.header('Authorization'),
        resultsCacheTtl: Duration.minutes(5),
      });
    } else {
      this.tokenAuthorizer = new JwtTokenAuthorizer(this, 'BearerAuthorizer', {
        functionName: plan.authorizerFunctionName,
        projectRoot: props.projectRoot,
        logRetention: plan.logRetention,
        logRemovalPolicy: plan.removalPolicy,
        environment: { ...props.environment, ...authEnvironment },
      });
      this.bearerAuthorizer = this.tokenAuthorizer.authorizer;
    }
    if (props.bearerAuth.kind === 'jwt-secret') {
      const readers = [...bearerFunctions, ...(this.tokenAuthorizer ? [this.tokenAuthorizer.function] : [])];
      for (const fn of readers) {
        ServiceTokenSecret.grantReadByName(
          this,
          props.bearerAuth.secretName,
          props.encryptionKey,
          fn.function,
        );
      }
    }

    // Privacy erasure writes its tombstone into the lake, and may touch nothing else of the bucket.
    LakeStorage.grantPutUnder(
      props.analytics.bucket,
      props.encryptionKey,
      admin.function,
      LAKE_ERASURES.prefix,
    );
    acknowledgeWildcardResource(
      admin.role,
      props.analytics.bucket.arnForObjects(`${LAKE_ERASURES.prefix}*`),
      'The privacy route writes one tombstone object per erasure request, named by tenant, app and ' +
        'request id, only under the erasures/ prefix.',
    );

    // The spend routes (SPEC §8) write cost rows and FX rates, each under its own prefix.
    for (const prefix of [LAKE_COSTS.prefix, LAKE_FX_RATES.prefix]) {
      LakeStorage.grantPutUnder(props.analytics.bucket, props.encryptionKey, admin.function, prefix);
      acknowledgeWildcardResource(
        admin.role,
        props.analytics.bucket.arnForObjects(`${prefix}*`),
        `The spend routes write one object per cost row or FX rate, keyed by tenant, app, day and row key, only under the ${prefix} prefix.`,
      );
    }

    const targets: Record<ApiHandler, lambda.IFunction> = {
      ingest: this.target(ingest, plan),
      query: this.target(query, plan),
      admin: this.target(admin, plan),
    };
    this.api = new PlatformApi(this, 'Api', {
      apiName: plan.monitoredResources.apiName,
      stageName: config.stage,
      routes: ROUTES,
      handlers: targets,
      bearerAuthorizer: this.bearerAuthorizer,
      throttleRateLimit: config.ingest.throttleRateLimit,
      throttleBurstLimit: config.ingest.throttleBurstLimit,
      wafRateLimitPer5Minutes: config.ingest.wafRateLimitPer5Minutes,
      wafRateLimitPerKeyPer5Minutes: config.ingest.wafRateLimitPerKeyPer5Minutes,
      accessLogRetention: plan.logRetention,
      accessLogRemovalPolicy: plan.removalPolicy,
      customDomain: config.customDomain
        ? {
            domainName: config.customDomain.domainName,
            certificateArn: config.customDomain.certificateArns[this.region] ?? '',
          }
        : undefined,
    });

    new CfnOutput(this, 'ApiUrl', {
      description: `The HTTP API v1 of ${this.region}: SDKs, ad networks and the CLI call it (UNMOGROWP_ENDPOINT).`,
      value: this.api.api.url,
    });

    const customDomain = config.customDomain;
    if (customDomain?.hostedZone && this.api.domain) {
      this.latencyRecord = new LatencyRoutedDomain(this, 'LatencyRoutedDomain', {
        domain: this.api.domain,
        hostedZoneId: customDomain.hostedZone.hostedZoneId,
        zoneName: customDomain.hostedZone.zoneName,
        recordName: customDomain.domainName,
        region: this.region,
        healthCheckFqdn: `${this.api.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}`,
        healthCheckPath: `/${config.stage}${this.api.healthPath}`,
      });
    }
  }

  /**
   * In prod, latency-sensitive handlers are invoked through an alias with provisioned concurrency that
   * tracks utilisation between the configured floor and ceiling; elsewhere, the function itself.
   */
  private target(fn: PlatformFunction, plan: PlatformPlan): lambda.IFunction {
    if (!plan.isProd || !LATENCY_SENSITIVE_HANDLERS.has(fn.handler)) return fn.function;
    const { minProvisioned, maxProvisioned, targetUtilization } = plan.config.concurrency;
    const alias = new lambda.Alias(fn, 'Live', {
      aliasName: 'live',
      version: fn.function.currentVersion,
      provisionedConcurrentExecutions: minProvisioned,
    });
    alias
      .addAutoScaling({ minCapacity: minProvisioned, maxCapacity: maxProvisioned })
      .scaleOnUtilization({ utilizationTarget: targetUtilization });
    return alias;
  }
}
