import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** The aws-cdk-lib feature flag that makes S3 server access logs use the bucket policy. */
const S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/** Prefix of Athena query results inside the lake bucket. */
export const ATHENA_RESULTS_PREFIX = 'athena-results/';
/** Prefix of records Firehose could not deliver or convert. */
export const DELIVERY_ERRORS_PREFIX = 'delivery-errors/';

/**
 * S3 actions of a Firehose delivery role (AWS's documented set): write and multipart-upload objects,
 * read them back for its retries, list; never delete.
 */
export const FIREHOSE_DELIVERY_S3_ACTIONS = {
  bucket: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
  objects: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
} as const;

/** Actions a writer of new objects under one prefix needs: the put, and a data key of the lake's KMS key. */
export const PREFIX_PUT_ACTIONS = { s3: ['s3:PutObject'], kms: ['kms:GenerateDataKey'] } as const;

export interface LakeStorageProps {
  /** Physical name of the lake bucket (deterministic, so stacks of the region import it by name). */
  readonly bucketName: string;
  /** Physical name of the access-log bucket. */
  readonly accessLogsBucketName: string;
  readonly encryptionKey: kms.IKey;
  /** Days before objects move to Standard-IA. */
  readonly infrequentAccessAfterDays: number;
  /** Days before objects move to Glacier Instant Retrieval. */
  readonly glacierAfterDays: number;
  /**
   * RETAIN keeps the buckets; DESTROY empties and deletes them with the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days access logs are kept.
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
}

/**
 * The data lake bucket (KMS-encrypted, versioned, TLS only, no public access, tiered lifecycle) and the
 * bucket that receives its server access logs.
 */
export class LakeStorage extends Construct {
  /** The lake bucket of the current region, imported by name with its key (for grants). */
  static importBucket(
    scope: Construct,
    id: string,
    props: { bucketName: string; encryptionKey: kms.IKey },
  ): s3.IBucket {
    return s3.Bucket.fromBucketAttributes(scope, id, props);
  }

  /**
   * Lets a principal put new objects under one prefix of the lake bucket, and nothing else: no reads, no
   * deletes, no other prefix (the consumer's quarantine of undecodable records).
   */
  static grantPutUnder(
    bucket: s3.IBucket,
    encryptionKey: kms.IKey,
    grantee: iam.IGrantable,
    prefix: string,
  ): iam.Grant {
    if (!prefix.endsWith('/') || prefix.startsWith('/') || prefix.includes('*')) {
      throw new Error(`prefix must be a folder such as "delivery-errors/consumer/". Received ${prefix}`);
    }
    const put = iam.Grant.addToPrincipal({
      grantee,
      actions: [...PREFIX_PUT_ACTIONS.s3],
      resourceArns: [bucket.arnForObjects(`${prefix}*`)],
    });
    // SSE-KMS with a bucket key: the put asks KMS for a data key on the caller's behalf.
    return put.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: [...PREFIX_PUT_ACTIONS.kms],
        resourceArns: [encryptionKey.keyArn],
      }),
    );
  }

  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: LakeStorageProps) {
    super(scope, id);
    // Log delivery through the bucket policy whatever the app's flags say: the access-log bucket has
    // ACLs disabled (BucketOwnerEnforced), which the legacy LogDeliveryWrite ACL would contradict.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const destroy = removalPolicy === RemovalPolicy.DESTROY;

    // Server access log delivery does not support SSE-KMS targets, hence S3-managed keys here. ACLs are
    // off: the logging service writes through the bucket policy (feature flag
    // `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` in cdk.json), not a log-delivery ACL grant.
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      bucketName: props.accessLogsBucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.accessLogRetentionDays ?? 365),
          noncurrentVersionExpiration: Duration.days(7),
        },
      ],
      removalPolicy,
      autoDeleteObjects: destroy,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'lake/',
      lifecycleRules: [
        {
          id: 'tier-lake-data',
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(props.infrequentAccessAfterDays),
            },
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(props.glacierAfterDays),
            },
          ],
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        { id: 'expire-query-results', prefix: ATHENA_RESULTS_PREFIX, expiration: Duration.days(30) },
        { id: 'expire-delivery-errors', prefix: DELIVERY_ERRORS_PREFIX, expiration: Duration.days(90) },
      ],
      removalPolicy,
      autoDeleteObjects: destroy,
    });
  }
}
