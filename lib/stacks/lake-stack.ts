import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { NAMED_QUERY_LIST, RECORD_TYPE_TABLES } from '../../src/definitions/index.js';
import { LakeAnalytics } from '../lake/lake-analytics.js';
import { LakeCatalog } from '../lake/lake-catalog.js';
import { LakeDelivery } from '../lake/lake-delivery.js';
import type { PlatformPlan } from '../platform-plan.js';
import { IngestStream } from '../storage/ingest-stream.js';
import { LakeStorage } from '../storage/lake-storage.js';

export interface LakeStackProps extends StackProps {
  readonly plan: PlatformPlan;
  readonly encryptionKey: kms.IKey;
  /**
   * Names of the region's ingest streams: the pool's (`undefined`) and each silo tenant's, imported by
   * name (no cross-stack export).
   */
  readonly streamNames: ReadonlyMap<string | undefined, string>;
}

/**
 * One region's lake plumbing: the Glue catalog, a delivery stream from every ingest stream into the raw
 * tables, a direct-put delivery stream for the consumers' attribution records, and the Athena workgroups
 * (a shared one and one per configured tenant).
 */
export class LakeStack extends Stack {
  readonly catalog: LakeCatalog;
  readonly rawDeliveries: readonly LakeDelivery[];
  readonly attributionDelivery: LakeDelivery;
  readonly analytics: LakeAnalytics;

  constructor(scope: Construct, id: string, props: LakeStackProps) {
    super(scope, id, props);
    const streams = IngestStream.importByName(this, props.streamNames, props.encryptionKey);
    const { plan, encryptionKey } = props;
    const { config, names } = plan;
    const bucket = LakeStorage.importBucket(this, 'LakeBucket', {
      bucketName: plan.lakeBucketName(this.region),
      encryptionKey,
    });
    this.catalog = new LakeCatalog(this, 'Catalog', { databaseName: names.glueDatabase, bucket });
    const common = {
      catalog: this.catalog,
      bucket,
      encryptionKey,
      bufferInterval: Duration.seconds(config.lake.bufferIntervalSeconds),
      logRetention: plan.logRetention,
    };

    this.rawDeliveries = plan.streams.map((streamPlan) => {
      const stream = streams.get(streamPlan.tenantId);
      if (stream === undefined) throw new Error(`no ingest stream for ${streamPlan.tenantId ?? 'the pool'}`);
      return new LakeDelivery(this, `RawDelivery${streamPlan.tenantId ? `-${streamPlan.tenantId}` : ''}`, {
        ...common,
        deliveryStreamName: streamPlan.rawDeliveryStreamName,
        source: { stream },
        destination: { recordTypeTables: RECORD_TYPE_TABLES },
        schemaTable: 'events',
      });
    });
    this.attributionDelivery = new LakeDelivery(this, 'AttributionDelivery', {
      ...common,
      deliveryStreamName: plan.attributionDeliveryStreamName,
      source: { directPut: true },
      destination: { table: 'attributions' },
      schemaTable: 'attributions',
    });

    this.analytics = new LakeAnalytics(this, 'Analytics', {
      workGroupName: plan.sharedWorkgroup,
      tenantWorkGroups: config.tenants.map((tenant) => ({
        tenantId: tenant.tenantId,
        workGroupName: plan.tenantWorkgroups[tenant.tenantId] ?? plan.sharedWorkgroup,
        bytesScannedCutoffGiB: tenant.athenaBytesScannedCutoffGiB,
      })),
      tenantWorkGroupName: (tenantId) => plan.tenantWorkgroupName(tenantId),
      catalog: this.catalog,
      bucket,
      encryptionKey,
      bytesScannedCutoffGiB: config.lake.athenaBytesScannedCutoffGiB,
      queries: NAMED_QUERY_LIST,
    });
  }
}
