import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { type AwsClients, createAwsClients } from '../src/adapters/clients.js';
import { TenantRegistry } from '../src/adapters/dynamodb/tenant-registry.js';
import { createAttributionConsumer } from '../src/adapters/pipeline/attribution-consumer.js';
import { S3LakeWriter } from '../src/adapters/s3/lake-writer.js';
import { createSettingsProvider } from '../src/adapters/settings-provider.js';
import { TimestreamWriter } from '../src/adapters/timestream/writer.js';
import { loadRuntimeConfig, type RuntimeConfig } from '../src/config/runtime.js';
import { AttributionEngine } from '../src/domain/engine.js';
import { createObservability, logPort, type Observability, traceClients } from '../src/http/lambda.js';
import { graphResolver } from '../src/http/wiring.js';

export interface ConsumerLambdaOptions {
  readonly config?: RuntimeConfig;
  readonly clients?: AwsClients;
  readonly observability?: Observability;
}

/**
 * The attribution consumer's Lambda handler (Kinesis event source with `reportBatchItemFailures`).
 * One engine per identity graph table; the pool's batches all go to the shared table.
 */
export function createConsumerLambda(options: ConsumerLambdaOptions = {}) {
  const config = options.config ?? loadRuntimeConfig();
  const o = options.observability ?? createObservability('unmogrowp-consumer');
  const clients = traceClients(o.tracer, options.clients ?? createAwsClients(config));
  const registry = new TenantRegistry({
    documents: clients.documents,
    tableName: config.tenantRegistryTable,
    cacheTtlSeconds: config.apiKeyCacheTtlSeconds,
  });
  const settingsFor = createSettingsProvider(registry, config.defaultSettings);
  const graphFor = graphResolver(config, clients);
  const lake = new S3LakeWriter({ client: clients.s3, bucket: config.lakeBucket });
  // A stream belongs to one graph table: silo tenants have both their own stream and their own table.
  const engine = {
    processBatch: (records: Parameters<AttributionEngine['processBatch']>[0]) => {
      const first = records[0];
      const tenantId = first
        ? first.kind === 'event'
          ? first.event.tenantId
          : first.touchpoint.tenantId
        : '';
      return new AttributionEngine(graphFor(tenantId), {
        settingsFor,
        dataCenterCidrs: config.dataCenterCidrs,
      }).processBatch(records);
    },
  };
  const consume = createAttributionConsumer({
    engine,
    lake,
    quarantine: (key, body) => lake.quarantine(key, body),
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
  const handle = (event: KinesisStreamEvent, _context: Context): Promise<KinesisStreamBatchResponse> =>
    consume(event);
  return middy(handle)
    .use(captureLambdaHandler(o.tracer))
    .use(injectLambdaContext(o.logger, { resetKeys: true }))
    .use(logMetrics(o.metrics));
}

export const handler = createConsumerLambda();
