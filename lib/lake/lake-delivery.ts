import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DATA_LAKE, LAKE_ARRIVAL_FIELDS, LAKE_RECORD_FIELDS } from '../../src/definitions/index.js';
import {
  acknowledgeWildcardActions,
  acknowledgeWildcardResource,
  GRANT_ACTION_WILDCARD_REASON,
  KMS_GRANT_ACTION_WILDCARDS,
  S3_GRANT_ACTION_WILDCARDS,
} from '../nag/index.js';
import { DELIVERY_ERRORS_PREFIX, FIREHOSE_DELIVERY_S3_ACTIONS } from '../storage/lake-storage.js';
import type { LakeCatalog, LakeTableName } from './lake-catalog.js';

/**
 * Actions a producer needs to put records on a direct-put delivery stream: batches only (the consumer's
 * src/adapters/firehose/attribution-delivery.ts sends PutRecordBatch, never PutRecord).
 */
export const FIREHOSE_PUT_ACTIONS = ['firehose:PutRecordBatch'] as const;

/** Minimum Firehose buffer when converting to Parquet. */
const PARQUET_BUFFER_MIB = 128;

export interface LakeDeliveryProps {
  /** Physical delivery stream name. */
  readonly deliveryStreamName: string;
  /**
   * Where records come from: a Kinesis stream, or direct puts from producers.
   */
  readonly source: { readonly stream: kinesis.IStream } | { readonly directPut: true };
  /**
   * Lake table(s) the records land in: one table, or routed by the records' `record_type` field through
   * `recordTypeTables` (e.g. `{ event: 'events', touchpoint: 'touchpoints' }`).
   */
  readonly destination:
    | { readonly table: LakeTableName }
    | { readonly recordTypeTables: Readonly<Record<string, LakeTableName>> };
  /** The table whose Glue schema drives the Parquet conversion. */
  readonly schemaTable: LakeTableName;
  readonly catalog: LakeCatalog;
  readonly bucket: s3.IBucket;
  /** Encrypts objects in the lake and (for direct put) the delivery stream itself. */
  readonly encryptionKey: kms.IKey;
  /** Seconds Firehose buffers before writing a file. */
  readonly bufferInterval: Duration;
  readonly logRetention: logs.RetentionDays;
}

/**
 * jq that extracts the partition keys from a record. `dt` is the ARRIVAL day (`LAKE_ARRIVAL_FIELDS`),
 * so a buffer holds one or two days however old its events are, and backfills cannot push the
 * delivery stream past its active-partition quota (500 by default).
 */
export function partitionQuery(destination: LakeDeliveryProps['destination']): string {
  const f = LAKE_RECORD_FIELDS;
  const tables = 'table' in destination ? [destination.table] : Object.values(destination.recordTypeTables);
  const arrivalFields = new Set(tables.map((table) => LAKE_ARRIVAL_FIELDS[table]));
  const [arrival] = arrivalFields;
  if (arrivalFields.size !== 1 || arrival === undefined) {
    throw new Error(
      `tables of one delivery stream must share an arrival field. Received ${tables.join(', ')}`,
    );
  }
  const partitions = `${f.tenantId}: .${f.tenantId}, ${f.appId}: .${f.appId}, dt: .${arrival}[0:10]`;
  if ('table' in destination) return `{${partitions}}`;
  const cases = Object.entries(destination.recordTypeTables)
    .map(
      ([recordType, table], index) =>
        `${index === 0 ? 'if' : 'elif'} .${f.recordType} == "${recordType}" then "${table}"`,
    )
    .join(' ');
  return `{table: (${cases} else "unrouted" end), ${partitions}}`;
}

/** The S3 prefix of a delivered object: its table (fixed or routed), then the partition keys. */
function partitionPrefix(destination: LakeDeliveryProps['destination']): string {
  const tablePrefix = 'table' in destination ? destination.table : '!{partitionKeyFromQuery:table}';
  const keys = DATA_LAKE.partitionKeys.map((key) => `${key}=!{partitionKeyFromQuery:${key}}`);
  return `${tablePrefix}/${keys.join('/')}/`;
}

/**
 * A Firehose delivery stream into the lake: Parquet conversion through the Glue table schema and
 * dynamic partitioning into `<table>/tenant_id=…/app_id=…/dt=…/`. Records it cannot parse or convert go
 * to `delivery-errors/`.
 */
export class LakeDelivery extends Construct {
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly deliveryStreamName: string;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: LakeDeliveryProps) {
    super(scope, id);
    this.deliveryStreamName = props.deliveryStreamName;
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logStream = logGroup.addStream('S3Delivery');
    logGroup.grantWrite(this.role);
    this.grantDeliveryAccess(props);
    this.deliveryStream = this.createDeliveryStream(props, {
      enabled: true,
      logGroupName: logGroup.logGroupName,
      logStreamName: logStream.logStreamName,
    });
  }

  /** Reads of the source and the catalog, writes into the lake; never deletes. */
  private grantDeliveryAccess(props: LakeDeliveryProps): void {
    // Firehose writes, retries and lists; it may not delete or overwrite lake history by deleting.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...FIREHOSE_DELIVERY_S3_ACTIONS.bucket],
        resources: [props.bucket.bucketArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...FIREHOSE_DELIVERY_S3_ACTIONS.objects],
        resources: [props.bucket.arnForObjects('*')],
      }),
    );
    props.encryptionKey.grant(this.role, 'kms:GenerateDataKey', 'kms:Decrypt');
    props.catalog.grantRead(this.role);
    if ('stream' in props.source) props.source.stream.grantRead(this.role);
    acknowledgeWildcardActions(
      this.role,
      [...S3_GRANT_ACTION_WILDCARDS, ...KMS_GRANT_ACTION_WILDCARDS],
      GRANT_ACTION_WILDCARD_REASON,
    );
    acknowledgeWildcardResource(
      this.role,
      props.bucket.arnForObjects('*'),
      'Firehose writes objects under partition prefixes that are only known at delivery time.',
    );
  }

  private createDeliveryStream(
    props: LakeDeliveryProps,
    logging: firehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty,
  ): firehose.CfnDeliveryStream {
    const deliveryStream = new firehose.CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamName: props.deliveryStreamName,
      deliveryStreamType: 'stream' in props.source ? 'KinesisStreamAsSource' : 'DirectPut',
      kinesisStreamSourceConfiguration:
        'stream' in props.source
          ? { kinesisStreamArn: props.source.stream.streamArn, roleArn: this.role.roleArn }
          : undefined,
      // A Kinesis-sourced delivery stream inherits the source stream's encryption; direct put gets the key.
      deliveryStreamEncryptionConfigurationInput:
        'stream' in props.source
          ? undefined
          : { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: props.encryptionKey.keyArn },
      extendedS3DestinationConfiguration: this.s3Destination(props, logging),
    });
    if ('stream' in props.source) {
      Validations.of(deliveryStream).acknowledge({
        id: 'AwsSolutions-KDF1',
        reason:
          'A Kinesis-sourced delivery stream takes no server-side encryption setting: records are encrypted at ' +
          'rest by the source stream (KMS) and in S3 by the lake key.',
      });
    }
    // Firehose validates its role on creation: the policy must exist first.
    deliveryStream.node.addDependency(this.role);
    deliveryStream.node.addDependency(props.catalog);
    return deliveryStream;
  }

  /** Buffered, partitioned, Parquet-converted, KMS-encrypted writes into the lake bucket. */
  private s3Destination(
    props: LakeDeliveryProps,
    logging: firehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty,
  ): firehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty {
    const stack = Stack.of(this);
    return {
      bucketArn: props.bucket.bucketArn,
      roleArn: this.role.roleArn,
      prefix: partitionPrefix(props.destination),
      errorOutputPrefix: `${DELIVERY_ERRORS_PREFIX}${props.deliveryStreamName}/!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/`,
      bufferingHints: {
        intervalInSeconds: props.bufferInterval.toSeconds(),
        sizeInMBs: PARQUET_BUFFER_MIB,
      },
      compressionFormat: 'UNCOMPRESSED',
      encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: props.encryptionKey.keyArn } },
      cloudWatchLoggingOptions: logging,
      dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
      processingConfiguration: {
        enabled: true,
        processors: [
          {
            type: 'MetadataExtraction',
            parameters: [
              {
                parameterName: 'MetadataExtractionQuery',
                parameterValue: partitionQuery(props.destination),
              },
              { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
            ],
          },
        ],
      },
      dataFormatConversionConfiguration: {
        enabled: true,
        inputFormatConfiguration: { deserializer: { openXJsonSerDe: {} } },
        outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
        schemaConfiguration: {
          catalogId: stack.account,
          databaseName: props.catalog.databaseName,
          tableName: props.schemaTable,
          region: stack.region,
          roleArn: this.role.roleArn,
          versionId: 'LATEST',
        },
      },
    };
  }

  /** Lets a producer put records on this (direct-put) delivery stream. */
  grantPutRecords(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...FIREHOSE_PUT_ACTIONS],
      resourceArns: [this.deliveryStream.attrArn],
    });
  }

  /** Seconds the oldest record waits before it reaches S3 (freshness), maximum per 5 minutes. */
  metricDataFreshness(): cloudwatch.Metric {
    return this.metric('DeliveryToS3.DataFreshness', 'Maximum');
  }

  /**
   * Active partitions (distinct prefixes in the buffer), maximum per 5 minutes; the quota is 500 per
   * delivery stream unless raised.
   */
  metricPartitionCount(): cloudwatch.Metric {
    return this.metric('PartitionCount', 'Maximum');
  }

  /**
   * 1 while records are refused because the delivery stream has more active partitions than its quota
   * (they go to `delivery-errors/` after the retry duration), maximum per 5 minutes: alarm on > 0.
   */
  metricPartitionCountExceeded(): cloudwatch.Metric {
    return this.metric('PartitionCountExceeded', 'Maximum');
  }

  /** Records that failed Parquet conversion, per 5 minutes. */
  metricFailedConversions(): cloudwatch.Metric {
    return this.metric('FailedConversion.Records', 'Sum');
  }

  private metric(metricName: string, statistic: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Firehose',
      metricName,
      dimensionsMap: { DeliveryStreamName: this.deliveryStreamName },
      statistic,
      period: Duration.minutes(5),
    });
  }
}
