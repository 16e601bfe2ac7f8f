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
import {
  HTTP_METRICS,
  METRICS_NAMESPACE,
  SERVICE_NAMES,
  type ServiceKey,
} from '../definitions/observability.js';
import type { HandlerName } from '../definitions/tables.js';
import { createFunctionApp, FUNCTION_ROUTES, type RouteFactory } from './app.js';
import { fromApiGatewayEvent, toApiGatewayResult } from './request.js';
import type { RequestLogger } from './router.js';
import {
  ALL_API_ADAPTERS,
  type ApiClients,
  createApiServicesWith,
  type OptionalApiAdapters,
} from './wiring.js';

/** Powertools utilities of one function, built once per container. */
export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

/**
 * The Powertools logger, metrics and tracer of one function, named by {@link SERVICE_NAMES}: the one
 * place the runtime names a service. The CDK sets `POWERTOOLS_SERVICE_NAME` from the same table, and the
 * dashboards query the `service` dimension from it, so the three cannot drift apart.
 * @example
 * const o = createObservability('consumer'); // service "attribution-consumer"
 */
export function createObservability(service: ServiceKey): Observability {
  const serviceName = SERVICE_NAMES[service];
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
export function traceClients<C extends object>(tracer: Tracer, clients: C): C {
  if (!tracer.isTracingEnabled()) return clients;
  for (const client of Object.values(clients))
    if (client) tracer.captureAWSv3Client(client as Parameters<Tracer['captureAWSv3Client']>[0]);
  return clients;
}

export interface ApiLambdaOptions {
  /** @default read from the environment */
  readonly config?: RuntimeConfig;
  /** @default built from the config (every client) */
  readonly clients?: AwsClients;
  readonly observability?: Observability;
}

/** What one API function is built from: its own clients and optional adapters (see `lambdas/`). */
export interface ApiFunctionParts {
  /** The function's routes (`FUNCTION_ROUTES[name]`), passed in so its bundle holds no other routes. */
  readonly routes: RouteFactory;
  readonly config: RuntimeConfig;
  readonly clients: ApiClients;
  /** @default none */
  readonly adapters?: OptionalApiAdapters;
  readonly observability?: Observability;
}

/**
 * The Lambda handler of one API function (API Gateway REST proxy events): Middy with the Powertools
 * logger (tenant and app ids appended per request), EMF metrics and the tracer. Only the given
 * clients and adapters are referenced, which keeps the function's bundle to what it uses.
 * @example
 * const config = loadRuntimeConfig();
 * export const handler = createApiFunction('ingest', { routes: INGEST_FUNCTION_ROUTES, config, clients });
 */
export function createApiFunction(name: Exclude<HandlerName, 'consumer'>, parts: ApiFunctionParts) {
  const o = parts.observability ?? createObservability(name);
  const clients = traceClients(o.tracer, parts.clients);
  const services = createApiServicesWith(parts.adapters ?? {}, parts.config, clients, {
    logger: logPort(o.logger),
  });
  const app = createFunctionApp(services, name, parts.routes);
  const handle = async (event: APIGatewayProxyEvent, _context: Context): Promise<APIGatewayProxyResult> => {
    const response = await app(fromApiGatewayEvent(event));
    const status = response.statusCode;
    // 0 or 1 per request: the sums over Requests are the error ratios the alarms watch.
    o.metrics.addMetric(HTTP_METRICS.requests, MetricUnit.Count, 1);
    o.metrics.addMetric(HTTP_METRICS.clientErrors, MetricUnit.Count, status >= 400 && status < 500 ? 1 : 0);
    o.metrics.addMetric(HTTP_METRICS.serverErrors, MetricUnit.Count, status >= 500 ? 1 : 0);
    // One line per request with the tenant appended by the router: the per-tenant Contributor Insights
    // rules count these (tenant ids never become metric dimensions).
    o.logger.info('request served', { statusCode: status, method: event.httpMethod, route: event.resource });
    return toApiGatewayResult(response);
  };
  return middy(handle)
    .use(captureLambdaHandler(o.tracer))
    .use(injectLambdaContext(o.logger, { resetKeys: true }))
    .use(logMetrics(o.metrics));
}

/**
 * One API function with every client and every optional adapter: what local mode and the tests run.
 * @example
 * const admin = createApiLambda('admin', { config, clients });
 */
export function createApiLambda(name: Exclude<HandlerName, 'consumer'>, options: ApiLambdaOptions = {}) {
  const config = options.config ?? loadRuntimeConfig();
  return createApiFunction(name, {
    routes: FUNCTION_ROUTES[name],
    config,
    clients: options.clients ?? createAwsClients(config),
    adapters: ALL_API_ADAPTERS,
    ...(options.observability ? { observability: options.observability } : {}),
  });
}
