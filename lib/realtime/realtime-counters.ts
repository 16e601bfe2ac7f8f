import type { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as timestream from 'aws-cdk-lib/aws-timestream';
import { Construct } from 'constructs';

export interface RealtimeCountersProps {
  readonly databaseName: string;
  readonly tableName: string;
  readonly encryptionKey: kms.IKey;
  readonly memoryRetentionHours: number;
  readonly magneticRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** A Timestream database and table for real-time attribution counters (created only when the sink is on). */
export class RealtimeCounters extends Construct {
  readonly database: timestream.CfnDatabase;
  readonly table: timestream.CfnTable;
  readonly databaseName: string;
  readonly tableName: string;

  constructor(scope: Construct, id: string, props: RealtimeCountersProps) {
    super(scope, id);
    this.databaseName = props.databaseName;
    this.tableName = props.tableName;
    this.database = new timestream.CfnDatabase(this, 'Database', {
      databaseName: props.databaseName,
      kmsKeyId: props.encryptionKey.keyArn,
    });
    this.database.applyRemovalPolicy(props.removalPolicy);
    this.table = new timestream.CfnTable(this, 'Table', {
      databaseName: props.databaseName,
      tableName: props.tableName,
      retentionProperties: {
        MemoryStoreRetentionPeriodInHours: String(props.memoryRetentionHours),
        MagneticStoreRetentionPeriodInDays: String(props.magneticRetentionDays),
      },
    });
    this.table.addResourceDependency(this.database);
    this.table.applyRemovalPolicy(props.removalPolicy);
  }

  /** Lets a principal write records to the counters table. */
  grantWrite(grantee: iam.IGrantable): void {
    const stack = this.database.stack;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['timestream:WriteRecords', 'timestream:DescribeTable'],
        resources: [
          stack.formatArn({
            service: 'timestream',
            resource: 'database',
            resourceName: `${this.databaseName}/table/${this.tableName}`,
          }),
        ],
      }),
    );
    // The SDK discovers its cell endpoint first; DescribeEndpoints has no resource-level permissions.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['timestream:DescribeEndpoints'], resources: ['*'] }),
    );
  }
}
