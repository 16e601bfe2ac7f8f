import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  DATA_LAKE,
  LAKE_COSTS,
  LAKE_ERASURES,
  LAKE_FX_RATES,
  LAKE_READER_SESSION,
  type ReportQueryDefinition,
} from '../../src/definitions/index.js';
import { ATHENA_RESULTS_PREFIX } from '../storage/lake-storage.js';
import type { LakeCatalog } from './lake-catalog.js';

/**
 * What the report runner does in a workgroup (src/adapters/athena/report-query.ts): start a query, poll
 * it, page through its results. Checked by test/lib/iam-coverage.test.ts.
 */
export const ATHENA_QUERY_ACTIONS = [
  'athena:StartQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
] as const;

const GIB = 1024 ** 3;

/** Where the shared workgroup (tenants onboarded live) writes its results; tenants' own are beside it. */
export const SHARED_RESULTS_PREFIX = `${ATHENA_RESULTS_PREFIX}shared/`;

/** The IAM policy variable of a lake reader session's tenant (its session tag). */
export const TENANT_POLICY_VARIABLE = `\${aws:PrincipalTag/${LAKE_READER_SESSION.tenantTag}}`;

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
  /**
   * The name of a tenant's own workgroup, from its id: `grantTenantScopedQuery` allows a session the
   * workgroup of its own tenant only (this function applied to the tenant policy variable), and every
   * entry of `tenantWorkGroups` must be named by it.
   * @default tenant-scoped sessions may use the shared workgroup only
   */
  readonly tenantWorkGroupName?: (tenantId: string) => string;
}

/**
 * What Athena does to the results prefix with the caller's credentials: writes each result object, and
 * aborts the multipart upload of a large result it gives up on (not aws-cdk-lib's `grantPut` group).
 */
export const ATHENA_RESULTS_WRITE_ACTIONS = ['s3:PutObject', 's3:AbortMultipartUpload'] as const;

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
      resultsPrefix: SHARED_RESULTS_PREFIX,
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
      const expected = props.tenantWorkGroupName?.(tenant.tenantId);
      if (expected !== undefined && expected !== tenant.workGroupName) {
        throw new Error(
          `workGroupName of tenant ${tenant.tenantId} must be ${expected} (tenantWorkGroupName), so that ` +
            `its tenant-scoped sessions may use it. Received ${tenant.workGroupName}`,
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

  get workGroupArn(): string {
    return this.arnOf(this.props.workGroupName);
  }

  private arnOf(workGroupName: string): string {
    return Stack.of(this).formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: workGroupName,
    });
  }

  /**
   * The key prefixes a session of one tenant reads and writes, with `tenant` standing for its id (the
   * policy variable in IAM): the tenant's partitions of every lake table it queries (the
   * `<table>/tenant_id=<tenant>/` layout of `DATA_LAKE`, `LAKE_ERASURES`, `LAKE_COSTS`, `LAKE_FX_RATES`),
   * and the results of its own workgroup and of the shared one.
   */
  static tenantPrefixes(tenant: string): { readonly reads: string[]; readonly results: string[] } {
    const tables = [
      ...Object.values(DATA_LAKE.tables).map((table) => `${table}/`),
      LAKE_ERASURES.prefix,
      LAKE_COSTS.prefix,
      LAKE_FX_RATES.prefix,
    ];
    return {
      reads: tables.map((prefix) => `${prefix}tenant_id=${tenant}/`),
      results: [`${ATHENA_RESULTS_PREFIX}tenant_id=${tenant}/`, SHARED_RESULTS_PREFIX],
    };
  }

  /**
   * Lets a role whose sessions carry the tenant session tag (`LAKE_READER_SESSION.tenantTag`) run the
   * report queries of that tenant, and nothing of another's: Athena reads S3 and the catalog with the
   * caller's credentials, so the S3 statements name the tenant's partitions through
   * `${aws:PrincipalTag/tenant}`. The catalog is read whole (table definitions, not data), the key for
   * decrypting objects and encrypting results.
   */
  grantTenantScopedQuery(grantee: iam.IGrantable): void {
    const tenantWorkGroup = this.props.tenantWorkGroupName?.(TENANT_POLICY_VARIABLE);
    iam.Grant.addToPrincipal({
      grantee,
      actions: [...ATHENA_QUERY_ACTIONS],
      resourceArns: [this.workGroupArn, ...(tenantWorkGroup ? [this.arnOf(tenantWorkGroup)] : [])],
    });
    this.props.catalog.grantRead(grantee);
    const { reads, results } = LakeAnalytics.tenantPrefixes(TENANT_POLICY_VARIABLE);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetBucketLocation'],
      resourceArns: [this.props.bucket.bucketArn],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.props.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [...reads, ...results].map((prefix) => `${prefix}*`) } },
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: this.tenantObjectArns,
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: [...ATHENA_RESULTS_WRITE_ACTIONS],
      resourceArns: results.map((prefix) => this.props.bucket.arnForObjects(`${prefix}*`)),
    });
    this.props.encryptionKey.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
  }

  /** Object ARNs a tenant's session reads (with the tenant policy variable): its partitions and results. */
  get tenantObjectArns(): string[] {
    const { reads, results } = LakeAnalytics.tenantPrefixes(TENANT_POLICY_VARIABLE);
    return [...reads, ...results].map((prefix) => this.props.bucket.arnForObjects(`${prefix}*`));
  }
}
