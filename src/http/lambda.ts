import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type AwsClients, createAwsClients } from '../adapters/clients.js';
import { loadRuntimeConfig, type RuntimeConfig } from '../config/runtime.js';
import { METRICS_NAMESPACE } from '../definitions/environment.js';
import type { HandlerName } from '../definitions/tables.js';
import { createHttpApp } from './app.js';
import { fromApiGatewayEvent, toApiGatewayResult } from './request.js';
import type { RequestLogger } from './router.js';
import { createApiServices } from './wiring.js';

/** Powertools utilities of one function, built once per container. */
export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

export function createObservability(serviceName: string): Observability {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
    tracer: new Tracer({ serviceName }),
  };
}

/** Adapts the Powertools logger to the small logger interface the routes and the consumer use. */
export function logPort(logger: Logger): RequestLogger {
  const attrs = (extra?: Record<string, unknown>) => (extra ?? {}) as LogAttributes;
  return {
    info: (message, extra) => logger.info(message, attrs(extra)),
    warn: (message, extra) => logger.warn(message, attrs(extra)),
    error: (message, extra) => logger.error(message, attrs(extra)),
    appendKeys: (keys) => logger.appendKeys(keys as LogAttributes),
  };
}

/** Traces every SDK call when tracing is on (in Lambda with active tracing). */
export function traceClients(tracer: Tracer, clients: AwsClients): AwsClients {
  if (!tracer.isTracingEnabled()) return clients;
  for (const client of Object.values(clients)) tracer.captureAWSv3Client(client);
  return clients;
}

export interface ApiLambdaOptions {
  /** @default read from the environment */
  readonly config?: RuntimeConfig;
  /** @default built from the config */
  readonly clients?: AwsClients;
  readonly observability?: Observability;
}

/**
 * The Lambda handler of one API function (API Gateway REST proxy events): Middy with the Powertools
 * logger (tenant and app ids appended per request), EMF metrics and the tracer.
 * @example
 * export const handler = createApiLambda('ingest');
 */
export function createApiLambda(name: Exclude<HandlerName, 'consumer'>, options: ApiLambdaOptions = {}) {
  const config = options.config ?? loadRuntimeConfig();
  const o = options.observability ?? createObservability(`unmogrowp-${name}`);
  const clients = traceClients(o.tracer, options.clients ?? createAwsClients(config));
  const app = createHttpApp(createApiServices(config, clients, { logger: logPort(o.logger) }), [name]);
  const handle = async (event: APIGatewayProxyEvent, _context: Context): Promise<APIGatewayProxyResult> => {
    const response = await app(fromApiGatewayEvent(event));
    o.metrics.addMetric(`Http${Math.floor(response.statusCode / 100)}xx`, MetricUnit.Count, 1);
    return toApiGatewayResult(response);
  };
  return middy(handle)
    .use(captureLambdaHandler(o.tracer))
    .use(injectLambdaContext(o.logger, { resetKeys: true }))
    .use(logMetrics(o.metrics));
}
