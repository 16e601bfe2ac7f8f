import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';
import type { Logger } from '../app/ports/logger.js';
import type { MetricsSink } from '../app/ports/metrics.js';
import { METRICS_NAMESPACE, SERVICE_NAMES, type ServiceKey } from '../definitions/observability.js';

/**
 * The Powertools tracer's modules, unless the bundle was built without them: the Lambda bundling
 * (`src/tools/bundling.ts`) replaces `process.env.UNMOGROWP_TRACE_SDK_CALLS` with a constant (`'false'`
 * unless the function's `traceSdkCalls` is on) and esbuild drops the branch not taken, with the X-Ray
 * SDK it imports (about 110 KiB a bundle). Unbundled (local mode, tests) the tracer loads as before.
 */
const powertoolsTracer =
  process.env.UNMOGROWP_TRACE_SDK_CALLS === 'false'
    ? undefined
    : await Promise.all([
        import('@aws-lambda-powertools/tracer'),
        import('@aws-lambda-powertools/tracer/middleware'),
      ]);

/** Powertools utilities of one function, built once per container. */
export interface Observability {
  readonly logger: PowertoolsLogger;
  readonly metrics: Metrics;
  /** The tracer, in builds that trace SDK calls (Lambda's own active tracing is on either way). */
  readonly tracer: Tracer | undefined;
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
    logger: new PowertoolsLogger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
    tracer: powertoolsTracer ? new powertoolsTracer[0].Tracer({ serviceName }) : undefined,
  };
}

/** The Powertools logger behind the application's logger port. */
export function logPort(logger: PowertoolsLogger): Logger {
  const attrs = (extra?: Record<string, unknown>) => (extra ?? {}) as LogAttributes;
  return {
    info: (message, extra) => logger.info(message, attrs(extra)),
    warn: (message, extra) => logger.warn(message, attrs(extra)),
    error: (message, extra) => logger.error(message, attrs(extra)),
    appendKeys: (keys) => logger.appendKeys(keys as LogAttributes),
  };
}

/** Powertools EMF metrics behind the application's metrics port (counts). */
export function metricsPort(metrics: Metrics): MetricsSink {
  return { count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value) };
}

/** Traces every SDK call when tracing is on (in Lambda with active tracing, in builds with the tracer). */
export function traceClients<C extends object>(tracer: Tracer | undefined, clients: C): C {
  if (!tracer?.isTracingEnabled()) return clients;
  for (const client of Object.values(clients))
    if (client) tracer.captureAWSv3Client(client as Parameters<Tracer['captureAWSv3Client']>[0]);
  return clients;
}

/**
 * The handler middleware of the tracer (cold start and service annotations, errors); a middleware doing
 * nothing without it (middy refuses one with no phase).
 */
export function traceHandler(tracer: Tracer | undefined): MiddlewareObj {
  return tracer && powertoolsTracer
    ? powertoolsTracer[1].captureLambdaHandler(tracer)
    : { before: () => undefined };
}
