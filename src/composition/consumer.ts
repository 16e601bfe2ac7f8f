import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { type AwsClients, createConsumerClients, createKinesisClient } from '../adapters/clients.js';
import { DynamoTenantHomes } from '../adapters/dynamodb/tenant-homes.js';
import { FirehoseAttributionSink } from '../adapters/firehose/attribution-delivery.js';
import { KinesisForwarder } from '../adapters/kinesis/forwarder.js';
import { createHomeRegionConsumer } from '../adapters/kinesis/home-region-consumer.js';
import { kinesisBatchHandler } from '../adapters/kinesis/stream-batch.js';
import { S3LakeWriter } from '../adapters/s3/lake-writer.js';
import { TimestreamWriter } from '../adapters/timestream/writer.js';
import { createAttributionConsumer } from '../app/attribution-consumer.js';
import type { RecordForwarder } from '../app/home-region.js';
import { tenantOf } from '../app/pipeline-record.js';
import type { LakeSink } from '../app/ports/lake-sink.js';
import type { Logger } from '../app/ports/logger.js';
import type { MetricsSink } from '../app/ports/metrics.js';
import type { RealtimeCounterSink } from '../app/ports/realtime-sink.js';
import type { TenantDirectory } from '../app/ports/tenant-directory.js';
import type { PostbackDispatcher } from '../app/postbacks/dispatcher.js';
import { createSettingsProvider, createSettingsResolver } from '../app/settings.js';
import { ConfigurationError, loadRuntimeConfig, type RuntimeConfig } from '../config/runtime.js';
import { ENV } from '../definitions/environment.js';
import { AttributionEngine } from '../domain/engine.js';
import type { AttributionStore } from '../domain/store.js';
import { graphResolver } from './identity-graphs.js';
import {
  createObservability,
  logPort,
  metricsPort,
  type Observability,
  traceClients,
  traceHandler,
} from './observability.js';
import { loadPostbackConfig, postbackDispatcher } from './postbacks.js';
import { tenantRegistry } from './registry.js';

/** The clients the consumer uses (a full `AwsClients` also fits). */
export type ConsumerClients = Pick<AwsClients, 'documents' | 's3' | 'timestream' | 'firehose'>;

export interface ConsumerLambdaOptions {
  /** @default read from the environment */
  readonly config?: RuntimeConfig;
  /** @default the consumer's clients, built from the config */
  readonly clients?: ConsumerClients;
  /** @default Powertools utilities named by `SERVICE_NAMES` */
  readonly observability?: Observability;
  /** @default Kinesis PutRecords to the home region's stream */
  readonly forwarder?: RecordForwarder;
}

/**
 * The lake sink of the consumer. In the cloud (an attribution delivery stream configured) only
 * attribution rows go to that Firehose: raw records reach the lake through the ingest stream's own
 * delivery stream, so writing them here would duplicate them. Local mode and tests have no Firehose:
 * raw and attribution rows go to the lake bucket as NDJSON, which local mode's DuckDB queries read.
 */
export function selectLakeSink(
  config: Pick<RuntimeConfig, 'attributionDeliveryStream'>,
  clients: Pick<AwsClients, 'firehose'>,
  bucketWriter: S3LakeWriter,
): LakeSink {
  if (!config.attributionDeliveryStream) return bucketWriter;
  if (!clients.firehose) {
    throw new ConfigurationError(
      `${ENV.attributionDeliveryStream} is ${config.attributionDeliveryStream} but the clients have no Firehose client; build them with createAwsClients(config)`,
      ENV.attributionDeliveryStream,
    );
  }
  return new FirehoseAttributionSink({
    client: clients.firehose,
    deliveryStreamName: config.attributionDeliveryStream,
  });
}

/** What the attribution consumer runs over: the adapters each stack builds its own of. */
export interface AttributionConsumerPorts {
  /** The engine's store: the identity graph of a tenant (silo tenants have their own table). */
  readonly storeFor: (tenantId: string) => AttributionStore;
  /** Where each app's own settings are read (the effective settings add the platform defaults). */
  readonly registry: Pick<TenantDirectory, 'getApp'>;
  readonly lake: LakeSink;
  /** Keeps an undecodable record (under the lake's quarantine prefix). */
  readonly quarantine: (key: string, body: string) => Promise<void>;
  /** @default not counted */
  readonly metrics?: MetricsSink;
  /** @default no real-time counters */
  readonly realtime?: RealtimeCounterSink;
  /** @default no logging */
  readonly logger?: Logger;
  /** Turns committed decisions and credited events into postback jobs (SPEC §7). @default none */
  readonly postbacks?: PostbackDispatcher;
}

/**
 * The attribution use case behind a Kinesis batch, over a stack's ports: one engine per batch with the
 * effective settings (`createSettingsResolver`) and the data-center ranges, wired here once for the
 * Lambda function (`createConsumerLambda`) and the embedded consumer (`createEmbeddedConsumer`).
 * @example
 * const consume = attributionBatchHandler(config, { storeFor, registry, lake, quarantine });
 */
export function attributionBatchHandler(
  config: Pick<RuntimeConfig, 'defaultSettings' | 'dataCenterCidrs'>,
  ports: AttributionConsumerPorts,
): (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse> {
  const settingsFor = createSettingsProvider(ports.registry, createSettingsResolver(config.defaultSettings));
  type Engine = AttributionEngine['processBatch'];
  // A stream belongs to one graph table: silo tenants have both their own stream and their own table.
  const processBatch = (records: Parameters<Engine>[0], sourceIds?: Parameters<Engine>[1]) => {
    const first = records[0];
    return new AttributionEngine(ports.storeFor(first ? tenantOf(first) : ''), {
      settingsFor,
      dataCenterCidrs: config.dataCenterCidrs,
    }).processBatch(records, sourceIds);
  };
  return kinesisBatchHandler(
    createAttributionConsumer({
      engine: { processBatch },
      lake: ports.lake,
      quarantine: ports.quarantine,
      ...(ports.metrics ? { metrics: ports.metrics } : {}),
      ...(ports.realtime ? { realtime: ports.realtime } : {}),
      ...(ports.logger ? { logger: ports.logger } : {}),
      ...(ports.postbacks ? { postbacks: ports.postbacks } : {}),
    }),
  );
}

/**
 * The attribution consumer's Lambda handler (Kinesis event source with `reportBatchItemFailures`).
 * One engine per identity graph table; the pool's batches all go to the shared table.
 */
export function createConsumerLambda(options: ConsumerLambdaOptions = {}) {
  const config = options.config ?? loadRuntimeConfig();
  const o = options.observability ?? createObservability('consumer');
  const clients = traceClients(o.tracer, options.clients ?? createConsumerClients(config));
  const graphFor = graphResolver(config, clients);
  // The bucket writer also keeps poisoned records under the quarantine prefix, in every mode.
  const bucketWriter = new S3LakeWriter({ client: clients.s3, bucket: config.lakeBucket });
  // Decisions and credited events become postback jobs after the commit (SPEC §7), when a queue is set.
  const postbacks = postbackDispatcher(loadPostbackConfig(config), clients);
  const consume = attributionBatchHandler(config, {
    storeFor: graphFor,
    ...(postbacks ? { postbacks } : {}),
    registry: tenantRegistry(config, clients),
    lake: selectLakeSink(config, clients, bucketWriter),
    quarantine: (key, body) => bucketWriter.quarantine(key, body),
    metrics: metricsPort(o.metrics),
    ...(clients.timestream && config.timestream
      ? {
          realtime: new TimestreamWriter(
            clients.timestream,
            config.timestream.database,
            config.timestream.table,
          ),
        }
      : {}),
    logger: logPort(o.logger),
  });
  // Only a tenant's home region writes its graph and counters; other regions forward its records there.
  const homeRegionConsumer = createHomeRegionConsumer({
    region: config.region,
    homes: new DynamoTenantHomes({
      documents: clients.documents,
      tableName: config.tenantRegistryTable,
      defaultRegion: config.homeRegion,
      cacheTtlSeconds: config.apiKeyCacheTtlSeconds,
    }),
    forwarder:
      options.forwarder ??
      new KinesisForwarder({
        clientFor: (region) => createKinesisClient(region),
        streamFor: (tenantId) => config.tenantStreams[tenantId] ?? config.ingestStream,
      }),
    consume,
    metrics: metricsPort(o.metrics),
    logger: logPort(o.logger),
  });
  const handle = (event: KinesisStreamEvent, _context: Context): Promise<KinesisStreamBatchResponse> =>
    homeRegionConsumer(event);
  return middy(handle)
    .use(traceHandler(o.tracer))
    .use(injectLambdaContext(o.logger, { resetKeys: true }))
    .use(logMetrics(o.metrics));
}
