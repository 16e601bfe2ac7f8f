import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createConsumerClients } from '../src/adapters/clients.js';
import { createSqsSenderHandler } from '../src/adapters/postbacks/sqs-queue.js';
import type { DeliveryMetrics } from '../src/app/postbacks/ports.js';
import { loadPostbackConfig, postbackSender } from '../src/composition/postbacks.js';
import { loadRuntimeConfig } from '../src/config/runtime.js';
import { POSTBACK_ENV, POSTBACK_METRICS } from '../src/definitions/postbacks.js';
import { createObservability, logPort, type Observability } from '../src/http/lambda.js';
import { graphResolver } from '../src/http/wiring.js';

/** EMF metrics of each delivery: counts by status, and latency by destination. */
export function emfDeliveryMetrics(o: Observability): DeliveryMetrics {
  const names = {
    sent: POSTBACK_METRICS.sent,
    failed: POSTBACK_METRICS.failed,
    dead: POSTBACK_METRICS.dead,
    suppressed: POSTBACK_METRICS.suppressed,
  } as const;
  return {
    delivered({ destinationId, status, latencyMs }) {
      if (status === 'queued') return;
      o.metrics.addMetric(names[status], MetricUnit.Count, 1);
      if (latencyMs !== undefined) {
        const single = o.metrics.singleMetric();
        single.addDimension('Destination', destinationId);
        single.addMetric(POSTBACK_METRICS.latency, MetricUnit.Milliseconds, latencyMs);
      }
    },
  };
}

/**
 * The postback sender (SQS event source with `ReportBatchItemFailures`): sends each job, sets a retried
 * job's visibility to its back-off delay, dead-letters after 24 hours.
 */
export function createPostbackSenderLambda(o: Observability = createObservability('postbackSender')) {
  const config = loadRuntimeConfig();
  const postbacks = loadPostbackConfig(config);
  const queueUrl = postbacks.queueUrl;
  if (!queueUrl) throw new Error(`${POSTBACK_ENV.queueUrl} is not set`);
  const clients = createConsumerClients(config);
  const sqs = new SQSClient({ region: config.region });
  const send = postbackSender(
    postbacks,
    { documents: clients.documents, sqs },
    graphResolver(config, clients),
    {
      metrics: emfDeliveryMetrics(o),
    },
  );
  const handle = createSqsSenderHandler({ send, client: sqs, queueUrl, logger: logPort(o.logger) });
  return middy((event: SQSEvent, _context: Context): Promise<SQSBatchResponse> => handle(event))
    .use(captureLambdaHandler(o.tracer))
    .use(injectLambdaContext(o.logger, { resetKeys: true }))
    .use(logMetrics(o.metrics));
}

export const handler = createPostbackSenderLambda();
