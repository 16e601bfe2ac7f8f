import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { common, createDocumentClient, createDynamoDbClient, observed } from '../adapters/clients.js';
import { emfDeliveryMetrics } from '../adapters/postbacks/emf-metrics.js';
import { createSqsSenderHandler } from '../adapters/postbacks/sqs-queue.js';
import { ConfigurationError, loadRuntimeConfig, type RuntimeConfig } from '../config/runtime.js';
import { POSTBACK_ENV } from '../definitions/postbacks.js';
import { graphResolver } from './identity-graphs.js';
import {
  createObservability,
  logPort,
  type Observability,
  traceClients,
  traceHandler,
} from './observability.js';
import { loadPostbackConfig, postbackSender } from './postbacks.js';

export interface PostbackSenderLambdaOptions {
  /** @default read from the environment */
  readonly config?: RuntimeConfig;
  /** @default Powertools utilities named by `SERVICE_NAMES` */
  readonly observability?: Observability;
}

/**
 * The postback sender's Lambda handler (SQS event source with `ReportBatchItemFailures`): sends each
 * job, sets a retried job's visibility to its back-off delay, dead-letters after 24 hours. DynamoDB (the
 * delivery log, destinations and the identity graphs an erasure is checked in) and SQS only.
 */
export function postbackSenderFunction(options: PostbackSenderLambdaOptions = {}) {
  const config = options.config ?? loadRuntimeConfig();
  const o = options.observability ?? createObservability('postbackSender');
  const postbacks = loadPostbackConfig(config);
  const queueUrl = postbacks.queueUrl;
  if (!queueUrl) throw new ConfigurationError(`${POSTBACK_ENV.queueUrl} is not set`, POSTBACK_ENV.queueUrl);
  const dynamodb = createDynamoDbClient(config.region, config.endpoints.dynamodb);
  const clients = traceClients(o.tracer, {
    dynamodb,
    documents: createDocumentClient(dynamodb),
    sqs: observed(new SQSClient(common(config.region, config.endpoints.sqs))),
  });
  const send = postbackSender(postbacks, clients, graphResolver(config, clients), {
    metrics: emfDeliveryMetrics(o.metrics),
  });
  const handle = createSqsSenderHandler({ send, client: clients.sqs, queueUrl, logger: logPort(o.logger) });
  return middy((event: SQSEvent, _context: Context): Promise<SQSBatchResponse> => handle(event))
    .use(traceHandler(o.tracer))
    .use(injectLambdaContext(o.logger, { resetKeys: true }))
    .use(logMetrics(o.metrics));
}
