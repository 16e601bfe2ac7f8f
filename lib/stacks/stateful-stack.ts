import { Arn, ArnFormat, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { IDENTITY_GRAPH_TABLE, TENANT_REGISTRY_TABLE } from '../../src/definitions/index.js';
import { PlatformUserPool } from '../auth/platform-user-pool.js';
import { ServiceTokenSecret } from '../auth/service-token-secret.js';
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
 * counters. The home region's copy also declares the global tables with a replica in every other region,
 * and the platform's user pool (`auth.kind` `cognito`) or service-token secret (`jwt-secret`).
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
  /** Home region only, `auth.kind` `cognito`: the user pool every region's API trusts. */
  readonly userPool?: PlatformUserPool;
  /** Home region only, `auth.kind` `jwt-secret`: the signing secret, replicated to every region. */
  readonly serviceTokenSecret?: ServiceTokenSecret;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, {
      ...props,
      terminationProtection: props.plan.isProd,
      crossRegionReferences: props.plan.needsCrossRegionReferences,
    });
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

    const isHome = this.region === config.homeRegion;
    this.globalTables = isHome ? this.declareGlobalTables(plan) : [];
    // People and service credentials are global to the platform: one copy, in the home region.
    if (isHome && config.auth.kind === 'cognito') {
      this.userPool = new PlatformUserPool(this, 'Users', {
        userPoolName: plan.userPoolName,
        mfa: config.auth.mfa,
        threatProtection: config.auth.threatProtection,
        passwordMinLength: config.auth.passwordMinLength,
        removalPolicy,
      });
    }
    if (isHome && config.auth.kind === 'jwt-secret') {
      this.serviceTokenSecret = new ServiceTokenSecret(this, 'ServiceToken', {
        secretName: plan.serviceTokenSecretName,
        encryptionKey: this.key,
        replicaKeyArns: this.replicaKeyArns(plan),
        removalPolicy,
      });
    }
  }

  /** Replica regions' platform keys, addressed by alias: their stacks deploy first (see buildPlatform). */
  private replicaKeyArns(plan: PlatformPlan): Record<string, string> {
    return Object.fromEntries(
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
  }

  private declareGlobalTables(plan: PlatformPlan): GlobalTable[] {
    const common = {
      encryptionKey: this.key,
      replicaKeyArns: this.replicaKeyArns(plan),
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
