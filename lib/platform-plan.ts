import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { IDENTITY_GRAPH_TABLE, TENANT_REGISTRY_TABLE } from '../src/definitions/index.js';
import type { PlatformConfig, TenantConfig } from './config/schema.js';
import { ResourceNames } from './naming.js';
import type { MonitoredResources } from './observability/monitored-resources.js';

/**
 * One ingest stream and the consumer behind it. `tenantId` is set for a silo tenant's own copy and
 * undefined for the pool shared by every other tenant.
 */
export interface StreamPlan {
  readonly tenantId: string | undefined;
  readonly streamName: string;
  readonly consumerFunctionName: string;
  readonly onFailureQueueName: string;
  readonly rawDeliveryStreamName: string;
  /** The identity graph table this stream's consumer writes. */
  readonly identityTableName: string;
}

/** One identity graph table: the pool's, or a silo tenant's own. */
export interface TablePlan {
  readonly tenantId: string | undefined;
  readonly tableName: string;
}

/**
 * Everything the stacks derive from the config, computed once: which streams, consumers and tables
 * exist and what they are called. Stacks and dashboards read names from here, never rebuild them.
 */
export class PlatformPlan {
  readonly names: ResourceNames;
  readonly streams: readonly StreamPlan[];
  readonly identityTables: readonly TablePlan[];
  readonly tenantRegistryTableName: string;
  readonly attributionDeliveryStreamName: string;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;

  constructor(readonly config: PlatformConfig) {
    const names = new ResourceNames(config.stage);
    this.names = names;
    const poolTable = names.name('identity-graph');
    const siloTenants = config.tenants.filter((tenant) => tenant.tier === 'silo');
    const tableOf = (tenant: TenantConfig | undefined) =>
      tenant?.ownTable ? names.scoped(tenant.tenantId, 'identity-graph') : poolTable;
    this.streams = [undefined, ...siloTenants].map((tenant) => ({
      tenantId: tenant?.tenantId,
      streamName: names.scoped(tenant?.tenantId, 'ingest'),
      consumerFunctionName: names.scoped(tenant?.tenantId, 'consumer'),
      onFailureQueueName: names.scoped(tenant?.tenantId, 'consumer-failures'),
      rawDeliveryStreamName: names.scoped(tenant?.tenantId, 'raw-lake'),
      identityTableName: tableOf(tenant),
    }));
    this.identityTables = [
      { tenantId: undefined, tableName: poolTable },
      ...siloTenants
        .filter((tenant) => tenant.ownTable)
        .map((tenant) => ({ tenantId: tenant.tenantId, tableName: tableOf(tenant) })),
    ];
    this.tenantRegistryTableName = names.name('tenant-registry');
    this.attributionDeliveryStreamName = names.name('attributions-lake');
    // Production data survives a stack deletion or a replacement, yet a failed first deploy rolls back
    // cleanly (RetainExceptOnCreate), so a retry does not stop on "already exists". Dev tears down.
    this.removalPolicy =
      config.stage === 'prod' ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;
    this.logRetention = config.logRetentionDays as logs.RetentionDays;
  }

  get isProd(): boolean {
    return this.config.stage === 'prod';
  }

  /** The lake bucket of a region (bucket names are global, hence account and region in it). */
  lakeBucketName(region: string): string {
    return this.names.name('lake', this.config.account ?? Aws.ACCOUNT_ID, region);
  }

  /** The access-log bucket of a region. */
  accessLogsBucketName(region: string): string {
    return this.names.name('access-logs', this.config.account ?? Aws.ACCOUNT_ID, region);
  }

  /** Regions other than the home region. */
  get replicaRegions(): readonly string[] {
    return this.config.regions.filter((region) => region !== this.config.homeRegion);
  }

  /** Silo tenant id → its own stream name. */
  get tenantStreams(): Record<string, string> {
    return Object.fromEntries(
      this.streams.flatMap((s) => (s.tenantId === undefined ? [] : [[s.tenantId, s.streamName]])),
    );
  }

  /** Tenant id → its own identity graph table name. */
  get tenantTables(): Record<string, string> {
    return Object.fromEntries(
      this.identityTables.flatMap((t) => (t.tenantId === undefined ? [] : [[t.tenantId, t.tableName]])),
    );
  }

  /** Athena workgroup of each tenant declared in the config, by tenant id. */
  get tenantWorkgroups(): Record<string, string> {
    return Object.fromEntries(
      this.config.tenants.map((tenant) => [tenant.tenantId, this.names.scoped(tenant.tenantId, 'reports')]),
    );
  }

  /** The Athena workgroup of tenants onboarded live (not in the config). */
  get sharedWorkgroup(): string {
    return this.names.name('reports');
  }

  /** Cognito user pool of the people calling bearer routes (`auth.kind` `cognito`, home region). */
  get userPoolName(): string {
    return this.names.name('users');
  }

  /** Secrets Manager secret of the service-token signing key (`auth.kind` `jwt-secret`). */
  get serviceTokenSecretName(): string {
    return this.names.name('service-token');
  }

  /** The API Gateway token authorizer function (`auth.kind` `jwks` or `jwt-secret`). */
  /** The postback stage's queue, dead-letter queue and sender function (one set per region). */
  get postbacks(): {
    readonly queueName: string;
    readonly deadLetterQueueName: string;
    readonly senderFunctionName: string;
  } {
    return {
      queueName: this.names.name('postbacks'),
      deadLetterQueueName: this.names.name('postbacks-dlq'),
      senderFunctionName: this.names.name('postback-sender'),
    };
  }

  /** The alarm topic's Slack notifier (`monitoring.slackWebhookSecretName`), one per region. */
  get slackAlarmsFunctionName(): string {
    return this.names.name('slack-alarms');
  }

  get authorizerFunctionName(): string {
    return this.names.name('authorizer');
  }

  /**
   * Stacks that reference the home region's user pool from another region need CDK's cross-region
   * references (SSM parameters written by a custom resource at deploy time).
   */
  get needsCrossRegionReferences(): boolean {
    return this.config.auth.kind === 'cognito' && this.replicaRegions.length > 0;
  }

  /** API functions, by handler. */
  get apiFunctionNames(): { readonly ingest: string; readonly query: string; readonly admin: string } {
    return {
      ingest: this.names.name('ingest'),
      query: this.names.name('query'),
      admin: this.names.name('admin'),
    };
  }

  /** Names the dashboards and alarms of a region watch (the same in every region). */
  get monitoredResources(): MonitoredResources {
    const api = this.apiFunctionNames;
    return {
      apiName: this.names.name('api'),
      // The token authorizer fronts every bearer route: its errors are the API's errors.
      apiFunctionNames: [
        ...Object.values(api),
        ...(this.config.auth.kind === 'cognito' ? [] : [this.authorizerFunctionName]),
      ],
      // Memory as the stacks build them (PlatformFunction's default; 1024 MiB for consumers): the cost widget.
      apiFunctions: (['ingest', 'query', 'admin'] as const).map((service) => ({
        service,
        functionName: api[service],
        memoryMb: 512,
      })),
      consumers: this.streams.map((s) => ({
        functionName: s.consumerFunctionName,
        onFailureQueueName: s.onFailureQueueName,
        memoryMb: 1024,
      })),
      streamNames: this.streams.map((s) => s.streamName),
      tableNames: [...this.identityTables.map((t) => t.tableName), this.tenantRegistryTableName],
      tables: [
        ...this.identityTables.map((t) => ({
          tableName: t.tableName,
          indexNames: IDENTITY_GRAPH_TABLE.globalSecondaryIndexes.map((i) => i.indexName),
        })),
        {
          tableName: this.tenantRegistryTableName,
          indexNames: TENANT_REGISTRY_TABLE.globalSecondaryIndexes.map((i) => i.indexName),
        },
      ],
      deliveryStreamNames: [
        ...this.streams.map((s) => s.rawDeliveryStreamName),
        this.attributionDeliveryStreamName,
      ],
      regions: this.config.regions,
      alarmNamePrefix: this.names.name(),
    };
  }
}
