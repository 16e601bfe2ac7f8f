import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ReportQueryDefinition } from '../../src/definitions/index.js';
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

export interface LakeAnalyticsProps {
  readonly workGroupName: string;
  readonly catalog: LakeCatalog;
  /** The lake bucket; results go under `athena-results/`. */
  readonly bucket: s3.IBucket;
  readonly encryptionKey: kms.IKey;
  /** Queries scanning more than this are cancelled. */
  readonly bytesScannedCutoffGiB: number;
  /** Named queries saved in the workgroup. */
  readonly queries: readonly ReportQueryDefinition[];
}

/**
 * An Athena workgroup whose settings clients cannot override (engine v3, KMS-encrypted results in the lake
 * bucket, a bytes-scanned cutoff, CloudWatch metrics) with the standard report queries saved in it.
 */
export class LakeAnalytics extends Construct {
  readonly workGroup: athena.CfnWorkGroup;
  readonly namedQueries: readonly athena.CfnNamedQuery[];
  private readonly props: LakeAnalyticsProps;

  constructor(scope: Construct, id: string, props: LakeAnalyticsProps) {
    super(scope, id);
    this.props = props;
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: 'UnMoGrowP reports over the data lake',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffGiB * GIB,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.bucket.bucketName}/${ATHENA_RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn },
        },
      },
    });

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

  /** The lake bucket the workgroup reads and writes results to. */
  get bucket(): s3.IBucket {
    return this.props.bucket;
  }

  /** ARN pattern of the query result objects. */
  get resultsArn(): string {
    return this.props.bucket.arnForObjects(`${ATHENA_RESULTS_PREFIX}*`);
  }

  get workGroupArn(): string {
    return Stack.of(this).formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: this.props.workGroupName,
    });
  }

  /** Lets a principal run queries in this workgroup over the lake: Athena, the catalog, the data and results. */
  grantQuery(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: [...ATHENA_QUERY_ACTIONS],
      resourceArns: [this.workGroupArn],
    });
    this.props.catalog.grantRead(grantee);
    this.props.bucket.grantRead(grantee);
    this.props.bucket.grantPut(grantee, `${ATHENA_RESULTS_PREFIX}*`);
    this.props.encryptionKey.grantEncryptDecrypt(grantee);
  }
}
