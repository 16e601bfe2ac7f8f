import { Arn, ArnFormat, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { IDENTITY_GRAPH_TABLE, TENANT_REGISTRY_TABLE } from '../../src/definitions/index.js';
import { AlarmTopic } from '../observability/alarm-topic.js';
import type { PlatformPlan } from '../platform-plan.js';
import { RealtimeCounters } from '../realtime/realtime-counters.js';
import { GlobalTable } from '../storage/global-table.js';
import { IngestStream } from '../storage/ingest-stream.js';
import { LakeStorage } from '../storage/lake-storage.js';
import { PlatformKey } from '../storage/platform-key.js';

export interface StatefulStackProps extends StackProps {
  readonly plan: PlatformPlan;
}

/**
 * One region's data: its KMS key, ingest streams, lake buckets, alarm topic and (when enabled) Timestream
 * counters. The home region's copy also declares the global tables with a replica in every other region.
 * Compute lives in other stacks, so a compute change never replaces data.
 */
export class StatefulStack extends Stack {
  readonly key: kms.Key;
  readonly alarmTopic: AlarmTopic;
  readonly lake: LakeStorage;
  /** Ingest stream of the pool (`undefined`) and of each silo tenant. */
  readonly streams: ReadonlyMap<string | undefined, kinesis.Stream>;
  readonly realtime?: RealtimeCounters;
  readonly globalTables: readonly GlobalTable[];

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { ...props, terminationProtection: props.plan.isProd });
    const { plan } = props;
    const { config, names } = plan;
    const removalPolicy = plan.removalPolicy;

    this.key = new PlatformKey(this, 'PlatformKey', { alias: names.keyAlias, removalPolicy }).key;
    this.alarmTopic = new AlarmTopic(this, 'Alarms', {
      topicName: names.name('alarms'),
      encryptionKey: this.key,
      email: config.alarmEmail,
    });
    this.lake = new LakeStorage(this, 'Lake', {
      bucketName: plan.lakeBucketName(this.region),
      accessLogsBucketName: plan.accessLogsBucketName(this.region),
      encryptionKey: this.key,
      infrequentAccessAfterDays: config.lake.infrequentAccessAfterDays,
      glacierAfterDays: config.lake.glacierAfterDays,
      removalPolicy,
    });

    const streams = new Map<string | undefined, kinesis.Stream>();
    for (const streamPlan of plan.streams) {
      const ingest = new IngestStream(
        this,
        `IngestStream${streamPlan.tenantId ? `-${streamPlan.tenantId}` : ''}`,
        {
          streamName: streamPlan.streamName,
          encryptionKey: this.key,
          capacity: config.streamCapacity,
          removalPolicy,
        },
      );
      streams.set(streamPlan.tenantId, ingest.stream);
    }
    this.streams = streams;

    if (config.sinks.timestream.enabled) {
      this.realtime = new RealtimeCounters(this, 'Realtime', {
        databaseName: names.name('counters'),
        tableName: 'attribution_outcomes',
        encryptionKey: this.key,
        memoryRetentionHours: config.sinks.timestream.memoryRetentionHours,
        magneticRetentionDays: config.sinks.timestream.magneticRetentionDays,
        removalPolicy,
      });
    }

    this.globalTables = this.region === config.homeRegion ? this.declareGlobalTables(plan) : [];
  }

  private declareGlobalTables(plan: PlatformPlan): GlobalTable[] {
    // Replica regions' keys are addressed by alias: their stacks deploy first (see buildPlatform).
    const replicaKeyArns = Object.fromEntries(
      plan.replicaRegions.map((region) => [
        region,
        Arn.format(
          {
            service: 'kms',
            region,
            resource: 'alias',
            resourceName: plan.names.keyAlias.replace(/^alias\//, ''),
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          },
          this,
        ),
      ]),
    );
    const common = {
      encryptionKey: this.key,
      replicaKeyArns,
      capacity: plan.config.tableCapacity,
      removalPolicy: plan.removalPolicy,
    };
    return [
      ...plan.identityTables.map(
        (table) =>
          new GlobalTable(this, `IdentityGraph${table.tenantId ? `-${table.tenantId}` : ''}`, {
            ...common,
            definition: IDENTITY_GRAPH_TABLE,
            tableName: table.tableName,
          }),
      ),
      new GlobalTable(this, 'TenantRegistry', {
        ...common,
        definition: TENANT_REGISTRY_TABLE,
        tableName: plan.tenantRegistryTableName,
      }),
    ];
  }
}
