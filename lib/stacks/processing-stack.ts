import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import {
  ENV,
  IDENTITY_GRAPH_TABLE,
  LAKE_QUARANTINE_PREFIX,
  TENANT_REGISTRY_TABLE,
} from '../../src/definitions/index.js';
import { POSTBACK_DELIVERY_KEY_PREFIX } from '../../src/definitions/postbacks.js';
import { PlatformFunction } from '../compute/platform-function.js';
import type { LakeDelivery } from '../lake/lake-delivery.js';
import { acknowledgeWildcardResource } from '../nag/index.js';
import { SERVICE_NAMES } from '../naming.js';
import { ConsumerEventSourceAlarms } from '../observability/consumer-event-source-alarms.js';
import type { PlatformPlan, StreamPlan } from '../platform-plan.js';
import { PostbackDelivery } from '../postbacks/postback-delivery.js';
import { AttributionConsumer } from '../processing/attribution-consumer.js';
import type { RealtimeCounters } from '../realtime/realtime-counters.js';
import { GlobalTable, type ReplicaTable } from '../storage/global-table.js';
import { IngestStream } from '../storage/ingest-stream.js';
import { LakeStorage } from '../storage/lake-storage.js';
import {
  CONSUMER_FORWARD_ACTIONS,
  CONSUMER_IDENTITY_GRAPH_ACCESS,
  CONSUMER_REGISTRY_ACCESS,
  SENDER_IDENTITY_GRAPH_ACCESS,
  SENDER_REGISTRY_ACCESS,
} from './function-access.js';

export interface ProcessingStackProps extends StackProps {
  readonly plan: PlatformPlan;
  readonly projectRoot: string;
  readonly encryptionKey: kms.IKey;
  /**
   * Names of the region's ingest streams: the pool's (`undefined`) and each silo tenant's, imported by
   * name (no cross-stack export).
   */
  readonly streamNames: ReadonlyMap<string | undefined, string>;
  readonly attributionDelivery: LakeDelivery;
  readonly realtime?: RealtimeCounters;
  /** Environment every function of the region gets. */
  readonly environment: Readonly<Record<string, string>>;
  /** Where the consumers' event source alarms and the postback alarms notify (the region's alarm topic). */
  readonly alarmAction: cloudwatch.IAlarmAction;
}

/** What every consumer of the region is wired to, imported or built once per stack. */
interface ConsumerWiring {
  readonly props: ProcessingStackProps;
  readonly streams: ReadonlyMap<string | undefined, kinesis.IStream>;
  readonly registry: ReplicaTable;
  readonly lakeBucket: s3.IBucket;
  readonly sender: PlatformFunction;
}

/** The attribution consumers of one region: one on the pool stream and one on each silo tenant's stream. */
export class ProcessingStack extends Stack {
  readonly consumers: readonly AttributionConsumer[];
  /** The postback queue and sender (SPEC §7), fed by every consumer of the region. */
  readonly postbacks: PostbackDelivery;

  constructor(scope: Construct, id: string, props: ProcessingStackProps) {
    super(scope, id, props);
    const streams = IngestStream.importByName(this, props.streamNames, props.encryptionKey);
    const { plan } = props;
    const registry = GlobalTable.fromName(this, 'TenantRegistry', {
      definition: TENANT_REGISTRY_TABLE,
      tableName: plan.tenantRegistryTableName,
      encryptionKey: props.encryptionKey,
    });
    const lakeBucket = LakeStorage.importBucket(this, 'LakeBucket', {
      bucketName: plan.lakeBucketName(this.region),
      encryptionKey: props.encryptionKey,
    });
    const sender = this.createPostbackSender(props);
    this.postbacks = this.createPostbacks(props, sender, registry);
    const wiring: ConsumerWiring = { props, streams, registry, lakeBucket, sender };
    this.consumers = plan.streams.map((streamPlan) => this.createConsumer(streamPlan, wiring));
  }

  private createPostbackSender(props: ProcessingStackProps): PlatformFunction {
    const { plan } = props;
    return new PlatformFunction(this, 'PostbackSender', {
      handler: 'postbackSender',
      functionName: plan.postbacks.senderFunctionName,
      serviceName: SERVICE_NAMES.postbackSender,
      projectRoot: props.projectRoot,
      logRetention: plan.logRetention,
      logRemovalPolicy: plan.removalPolicy,
      memorySize: 512,
      timeout: Duration.minutes(1),
      environment: props.environment,
      traceSdkCalls: plan.config.traceSdkCalls,
    });
  }

  private createPostbacks(
    props: ProcessingStackProps,
    sender: PlatformFunction,
    registry: ReplicaTable,
  ): PostbackDelivery {
    const { plan } = props;
    const postbacks = new PostbackDelivery(this, 'Postbacks', {
      sender,
      senderServiceName: SERVICE_NAMES.postbackSender,
      encryptionKey: props.encryptionKey,
      queueName: plan.postbacks.queueName,
      deadLetterQueueName: plan.postbacks.deadLetterQueueName,
      alarmAction: props.alarmAction,
      alarmNamePrefix: plan.monitoredResources.alarmNamePrefix,
    });
    // The sender reads destinations and secrets, updates only delivery records (each attempt), and reads
    // the identity graphs (an erased identity's jobs are never sent). Checked by iam-coverage.test.ts.
    registry.grantAccess(sender.function, SENDER_REGISTRY_ACCESS);
    registry.grantUpdateItemsWithLeadingKeys(sender.function, POSTBACK_DELIVERY_KEY_PREFIX);
    return postbacks;
  }

  /** One stream's consumer: its function and access, the event source mapping, and its alarms. */
  private createConsumer(streamPlan: StreamPlan, wiring: ConsumerWiring): AttributionConsumer {
    const { props } = wiring;
    const { plan } = props;
    const { processing } = plan.config;
    const suffix = streamPlan.tenantId ? `-${streamPlan.tenantId}` : '';
    const stream = wiring.streams.get(streamPlan.tenantId);
    if (stream === undefined) throw new Error(`no ingest stream for ${streamPlan.tenantId ?? 'the pool'}`);
    const fn = this.createConsumerFunction(streamPlan, suffix, props);
    this.grantConsumerAccess(fn, streamPlan, suffix, wiring);

    const consumer = new AttributionConsumer(this, `Attribution${suffix}`, {
      function: fn,
      stream,
      encryptionKey: props.encryptionKey,
      onFailureQueueName: streamPlan.onFailureQueueName,
      batchSize: processing.batchSize,
      parallelizationFactor: processing.parallelizationFactor,
      retryAttempts: processing.retryAttempts,
      maxRecordAge: Duration.hours(processing.maxRecordAgeHours),
      maxBatchingWindow: Duration.seconds(processing.maxBatchingWindowSeconds),
    });
    new ConsumerEventSourceAlarms(this, `EventSourceAlarms${suffix}`, {
      functionName: streamPlan.consumerFunctionName,
      eventSourceMappingId: consumer.eventSourceMappingId,
      alarmNamePrefix: plan.monitoredResources.alarmNamePrefix,
      alarmAction: props.alarmAction,
    });
    return consumer;
  }

  private createConsumerFunction(
    streamPlan: StreamPlan,
    suffix: string,
    props: ProcessingStackProps,
  ): PlatformFunction {
    const { plan } = props;
    const { config } = plan;
    return new PlatformFunction(this, `Consumer${suffix}`, {
      handler: 'consumer',
      functionName: streamPlan.consumerFunctionName,
      serviceName: SERVICE_NAMES.consumer,
      projectRoot: props.projectRoot,
      logRetention: plan.logRetention,
      logRemovalPolicy: plan.removalPolicy,
      memorySize: 1024,
      timeout: Duration.minutes(1),
      traceSdkCalls: config.traceSdkCalls,
      environment: {
        ...props.environment,
        [ENV.identityGraphTable]: streamPlan.identityTableName,
        [ENV.ingestStream]: streamPlan.streamName,
        ...(config.processing.legacySignatureReads ? { [ENV.legacySignatureReads]: '1' } : {}),
      },
    });
  }

  /**
   * A consumer's access: its identity graph (the sender reads it too), the registry, postback jobs, the
   * lake, real-time counters and the other regions' streams.
   */
  private grantConsumerAccess(
    fn: PlatformFunction,
    streamPlan: StreamPlan,
    suffix: string,
    wiring: ConsumerWiring,
  ): void {
    const { props, registry, lakeBucket, sender } = wiring;
    const identityGraph = GlobalTable.fromName(this, `IdentityGraph${suffix}`, {
      definition: IDENTITY_GRAPH_TABLE,
      tableName: streamPlan.identityTableName,
      encryptionKey: props.encryptionKey,
    });
    // Exact action lists (./function-access.ts), checked by test/lib/iam-coverage.test.ts.
    identityGraph.grantAccess(fn.function, CONSUMER_IDENTITY_GRAPH_ACCESS);
    identityGraph.grantAccess(sender.function, SENDER_IDENTITY_GRAPH_ACCESS);
    registry.grantAccess(fn.function, CONSUMER_REGISTRY_ACCESS);
    // Postback jobs: the delivery records (idempotency) and the queue.
    registry.grantWriteItemsWithLeadingKeys(fn.function, POSTBACK_DELIVERY_KEY_PREFIX);
    this.postbacks.grantEnqueue(fn.function);
    this.postbacks.configure(fn.function);
    // Lake rows go through Firehose; the bucket itself takes only the quarantined (undecodable) records.
    props.attributionDelivery.grantPutRecords(fn.function);
    LakeStorage.grantPutUnder(lakeBucket, props.encryptionKey, fn.function, LAKE_QUARANTINE_PREFIX);
    acknowledgeWildcardResource(
      fn.role,
      lakeBucket.arnForObjects(`${LAKE_QUARANTINE_PREFIX}*`),
      'The consumer keeps each undecodable record as a new object named by date and sequence number, ' +
        'only under its quarantine prefix.',
    );
    props.realtime?.grantWrite(fn.function);
    this.grantForwardToOtherRegions(fn.role, props.plan, streamPlan.streamName);
  }

  /**
   * The single-writer model (src/app/home-region.ts): a consumer forwards the records of tenants homed in
   * another region to that region's stream of the same name, encrypted with that region's platform key
   * (named by its alias, which is the same in every region).
   */
  private grantForwardToOtherRegions(role: iam.IRole, plan: PlatformPlan, streamName: string): void {
    const others = plan.config.regions.filter((region) => region !== this.region);
    if (others.length === 0) return;
    const arn = (service: string, region: string, resource: string) =>
      `arn:${this.partition}:${service}:${region}:${this.account}:${resource}`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...CONSUMER_FORWARD_ACTIONS],
        resources: others.map((region) => arn('kinesis', region, `stream/${streamName}`)),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey'],
        resources: others.map((region) => arn('kms', region, 'key/*')),
        conditions: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': plan.names.keyAlias },
          StringEquals: { 'kms:ViaService': others.map((region) => `kinesis.${region}.amazonaws.com`) },
        },
      }),
    );
    for (const region of others) {
      acknowledgeWildcardResource(
        role,
        arn('kms', region, 'key/*'),
        "Forwarding encrypts with the other region's platform key, whose id that region's stack assigns; the " +
          'statement is limited to that key by its alias (kms:ResourceAliases) and to Kinesis (kms:ViaService).',
      );
    }
  }
}
