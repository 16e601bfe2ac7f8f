import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DATA_LAKE, LAKE_ERASURES, type ReportQueryDefinition } from '../../src/definitions/index.js';
import { ATHENA_RESULTS_PREFIX } from '../storage/lake-storage.js';
import type { LakeCatalog } from './lake-catalog.js';

/** Actions a principal needs to run queries in the workgroup and read their results. */
export const ATHENA_QUERY_ACTIONS = [
  'athena:StartQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:StopQueryExecution',
  'athena:GetWorkGroup',
] as const;

const GIB = 1024 ** 3;

/** A tenant's own workgroup. */
export interface TenantWorkGroup {
  readonly tenantId: string;
  readonly workGroupName: string;
  /**
   * Queries of this tenant scanning more than this are cancelled.
   * @default the props' `bytesScannedCutoffGiB`
   */
  readonly bytesScannedCutoffGiB?: number;
}

export interface LakeAnalyticsProps {
  /** Workgroup of tenants without their own (onboarded live), holding the saved report queries. */
  readonly workGroupName: string;
  readonly catalog: LakeCatalog;
  /** The lake bucket; results go under `athena-results/`. */
  readonly bucket: s3.IBucket;
  readonly encryptionKey: kms.IKey;
  /** Queries scanning more than this are cancelled. */
  readonly bytesScannedCutoffGiB: number;
  /** Named queries saved in the workgroup. */
  readonly queries: readonly ReportQueryDefinition[];
  /**
   * One more enforced workgroup per tenant: results under `athena-results/tenant_id=<tenant>/`, the
   * tenant's own scan cutoff and CloudWatch metrics, so one tenant's queries never share results or cost
   * with another's.
   * @default no tenant workgroups
   */
  readonly tenantWorkGroups?: readonly TenantWorkGroup[];
}

/**
 * Athena workgroups whose settings clients cannot override (engine v3, KMS-encrypted results in the lake
 * bucket, a bytes-scanned cutoff, CloudWatch metrics): a shared one with the standard report queries
 * saved in it, and one per configured tenant. The report SQL always binds `tenant_id` as a parameter;
 * the tenant's workgroup keeps its results apart and caps what its queries may scan.
 */
export class LakeAnalytics extends Construct {
  readonly workGroup: athena.CfnWorkGroup;
  /** Each configured tenant's workgroup, by tenant id. */
  readonly tenantWorkGroups: ReadonlyMap<string, athena.CfnWorkGroup>;
  readonly namedQueries: readonly athena.CfnNamedQuery[];
  private readonly props: LakeAnalyticsProps;

  constructor(scope: Construct, id: string, props: LakeAnalyticsProps) {
    super(scope, id);
    this.props = props;
    this.workGroup = this.enforcedWorkGroup('WorkGroup', {
      name: props.workGroupName,
      description: 'UnMoGrowP reports over the data lake',
      resultsPrefix: ATHENA_RESULTS_PREFIX,
      bytesScannedCutoffGiB: props.bytesScannedCutoffGiB,
    });
    const tenantWorkGroups = new Map<string, athena.CfnWorkGroup>();
    for (const tenant of props.tenantWorkGroups ?? []) {
      const cutoff = tenant.bytesScannedCutoffGiB ?? props.bytesScannedCutoffGiB;
      if (!Number.isInteger(cutoff) || cutoff < 1) {
        throw new Error(
          `bytesScannedCutoffGiB of tenant ${tenant.tenantId} must be a positive whole number. Received ${cutoff}`,
        );
      }
      tenantWorkGroups.set(
        tenant.tenantId,
        this.enforcedWorkGroup(`WorkGroup-${tenant.tenantId}`, {
          name: tenant.workGroupName,
          description: `UnMoGrowP reports of tenant ${tenant.tenantId}`,
          resultsPrefix: `${ATHENA_RESULTS_PREFIX}tenant_id=${tenant.tenantId}/`,
          bytesScannedCutoffGiB: cutoff,
        }),
      );
    }
    this.tenantWorkGroups = tenantWorkGroups;

    this.namedQueries = props.queries.map((query) => {
      const namedQuery = new athena.CfnNamedQuery(this, `Query-${query.name}`, {
        name: query.name,
        description: `${query.description}. Parameters: ${query.parameters.join(', ')}`,
        database: props.catalog.databaseName,
        workGroup: props.workGroupName,
        queryString: query.sql,
      });
      namedQuery.addResourceDependency(this.workGroup);
      return namedQuery;
    });
  }

  private enforcedWorkGroup(
    id: string,
    options: { name: string; description: string; resultsPrefix: string; bytesScannedCutoffGiB: number },
  ): athena.CfnWorkGroup {
    return new athena.CfnWorkGroup(this, id, {
      name: options.name,
      description: options.description,
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: options.bytesScannedCutoffGiB * GIB,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.props.bucket.bucketName}/${options.resultsPrefix}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.props.encryptionKey.keyArn },
        },
      },
    });
  }

  /** The lake bucket the workgroup reads and writes results to. */
  get bucket(): s3.IBucket {
    return this.props.bucket;
  }

  /** ARN pattern of the query result objects. */
  get resultsArn(): string {
    return this.props.bucket.arnForObjects(`${ATHENA_RESULTS_PREFIX}*`);
  }

  get workGroupArn(): string {
    return this.arnOf(this.props.workGroupName);
  }

  /** ARNs of the shared workgroup and of every tenant's, nothing else. */
  get workGroupArns(): string[] {
    return [
      this.workGroupArn,
      ...(this.props.tenantWorkGroups ?? []).map((tenant) => this.arnOf(tenant.workGroupName)),
    ];
  }

  private arnOf(workGroupName: string): string {
    return Stack.of(this).formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: workGroupName,
    });
  }

  /**
   * Lets a principal run queries in these workgroups (and no other) over the lake: Athena, the catalog,
   * the data and results.
   */
  grantQuery(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: [...ATHENA_QUERY_ACTIONS],
      resourceArns: this.workGroupArns,
    });
    this.props.catalog.grantRead(grantee);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetBucketLocation', 's3:ListBucket'],
      resourceArns: [this.props.bucket.bucketArn],
    });
    // The lake tables and tombstones, and its own results: not delivery errors or quarantined records.
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: this.readableObjectArns,
    });
    this.props.bucket.grantPut(grantee, `${ATHENA_RESULTS_PREFIX}*`);
    this.props.encryptionKey.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
  }

  /** Object ARNs a querying principal reads: each lake table's prefix, the erasures and query results. */
  get readableObjectArns(): string[] {
    const prefixes = [
      ...Object.values(DATA_LAKE.tables).map((table) => `${table}/`),
      LAKE_ERASURES.prefix,
      ATHENA_RESULTS_PREFIX,
    ];
    return prefixes.map((prefix) => this.props.bucket.arnForObjects(`${prefix}*`));
  }
}
