import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { type AwsClients, createConsumerClients, createKinesisClient } from '../src/adapters/clients.js';
import { DynamoTenantHomes } from '../src/adapters/dynamodb/tenant-homes.js';
import { TenantRegistry } from '../src/adapters/dynamodb/tenant-registry.js';
import { FirehoseAttributionSink } from '../src/adapters/firehose/attribution-delivery.js';
import { KinesisForwarder } from '../src/adapters/kinesis/forwarder.js';
import { createAttributionConsumer } from '../src/adapters/pipeline/attribution-consumer.js';
import { createHomeRegionConsumer } from '../src/adapters/pipeline/home-region-consumer.js';
import type { LakeSink } from '../src/adapters/pipeline/lake-sink.js';
import { S3LakeWriter } from '../src/adapters/s3/lake-writer.js';
import { createSettingsProvider } from '../src/adapters/settings-provider.js';
import { TimestreamWriter } from '../src/adapters/timestream/writer.js';
import type { RecordForwarder } from '../src/app/home-region.js';
import { loadPostbackConfig, postbackDispatcher } from '../src/composition/postbacks.js';
import { ConfigurationError, loadRuntimeConfig, type RuntimeConfig } from '../src/config/runtime.js';
import { ENV } from '../src/definitions/environment.js';
import { AttributionEngine } from '../src/domain/engine.js';
import { createObservability, logPort, type Observability, traceClients } from '../src/http/lambda.js';
import { graphResolver } from '../src/http/wiring.js';

export interface ConsumerLambdaOptions {
  readonly config?: RuntimeConfig;
  /** @default the consumer's clients, built from the config */
  readonly clients?: ConsumerClients;
  readonly observability?: Observability;
  /** @default Kinesis PutRecords to the home region's stream */
  readonly forwarder?: RecordForwarder;
}

/** The clients the consumer uses (a full `AwsClients` also fits). */
export type ConsumerClients = Pick<AwsClients, 'documents' | 's3' | 'timestream' | 'firehose'>;

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

/**
 * The attribution consumer's Lambda handler (Kinesis event source with `reportBatchItemFailures`).
 * One engine per identity graph table; the pool's batches all go to the shared table.
 */
export function createConsumerLambda(options: ConsumerLambdaOptions = {}) {
  const config = options.config ?? loadRuntimeConfig();
  const o = options.observability ?? createObservability('consumer');
  const clients = traceClients(o.tracer, options.clients ?? createConsumerClients(config));
  const registry = new TenantRegistry({
    documents: clients.documents,
    tableName: config.tenantRegistryTable,
    cacheTtlSeconds: config.apiKeyCacheTtlSeconds,
  });
  const settingsFor = createSettingsProvider(registry, config.defaultSettings);
  const graphFor = graphResolver(config, clients);
  // The bucket writer also keeps poisoned records under the quarantine prefix, in every mode.
  const bucketWriter = new S3LakeWriter({ client: clients.s3, bucket: config.lakeBucket });
  const lake = selectLakeSink(config, clients, bucketWriter);
  // A stream belongs to one graph table: silo tenants have both their own stream and their own table.
  const engine = {
    processBatch: (
      records: Parameters<AttributionEngine['processBatch']>[0],
      sourceIds?: Parameters<AttributionEngine['processBatch']>[1],
    ) => {
      const first = records[0];
      const tenantId = first
        ? first.kind === 'event'
          ? first.event.tenantId
          : first.touchpoint.tenantId
        : '';
      return new AttributionEngine(graphFor(tenantId), {
        settingsFor,
        dataCenterCidrs: config.dataCenterCidrs,
      }).processBatch(records, sourceIds);
    },
  };
  // Decisions and credited events become postback jobs after the commit (SPEC §7), when a queue is set.
  const postbacks = postbackDispatcher(loadPostbackConfig(config), clients);
  const consume = createAttributionConsumer({
    engine,
    ...(postbacks ? { postbacks } : {}),
    lake,
    quarantine: (key, body) => bucketWriter.quarantine(key, body),
    metrics: { count: (name, value) => o.metrics.addMetric(name, MetricUnit.Count, value) },
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
    metrics: { count: (name, value) => o.metrics.addMetric(name, MetricUnit.Count, value) },
    logger: logPort(o.logger),
  });
  const handle = (event: KinesisStreamEvent, _context: Context): Promise<KinesisStreamBatchResponse> =>
    homeRegionConsumer(event);
  return middy(handle)
    .use(captureLambdaHandler(o.tracer))
    .use(injectLambdaContext(o.logger, { resetKeys: true }))
    .use(logMetrics(o.metrics));
}

export const handler = createConsumerLambda();
