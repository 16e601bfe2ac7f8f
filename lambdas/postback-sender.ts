import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createConsumerClients } from '../src/adapters/clients.js';
import { emfDeliveryMetrics } from '../src/adapters/postbacks/emf-metrics.js';
import { createSqsSenderHandler } from '../src/adapters/postbacks/sqs-queue.js';
import { loadPostbackConfig, postbackSender } from '../src/composition/postbacks.js';
import { loadRuntimeConfig } from '../src/config/runtime.js';
import { POSTBACK_ENV } from '../src/definitions/postbacks.js';
import { createObservability, logPort, type Observability } from '../src/http/lambda.js';
import { graphResolver } from '../src/http/wiring.js';

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
      metrics: emfDeliveryMetrics(o.metrics),
    },
  );
  const handle = createSqsSenderHandler({ send, client: sqs, queueUrl, logger: logPort(o.logger) });
  return middy((event: SQSEvent, _context: Context): Promise<SQSBatchResponse> => handle(event))
    .use(captureLambdaHandler(o.tracer))
    .use(injectLambdaContext(o.logger, { resetKeys: true }))
    .use(logMetrics(o.metrics));
}

export const handler = createPostbackSenderLambda();
