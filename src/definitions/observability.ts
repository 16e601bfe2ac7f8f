/**
 * The identities of everything the platform emits for operators: the Powertools service of each function
 * and every custom (EMF) metric with its namespace, name and dimension set. The CDK environment, the
 * runtime (`createObservability`), the dashboards and alarms, and the metric contract test all read these,
 * so a dashboard asks for exactly what a function emits.
 */

import type { HandlerName, QueueHandlerName } from './handlers.js';

/** CloudWatch namespace of the metrics the functions emit (EMF). */
export const METRICS_NAMESPACE = 'UnMoGrowP';

/**
 * Powertools service name of each function: its logs' `service`, its traces' service and the `service`
 * dimension of its metrics. The consumer's is the dimension of the attribution outcome metrics.
 */
export const SERVICE_NAMES = {
  ingest: 'ingest',
  query: 'query',
  admin: 'admin',
  consumer: 'attribution-consumer',
  authorizer: 'authorizer',
  postbackSender: 'postback-sender',
  slackAlarms: 'slack-alarms',
} as const satisfies Record<HandlerName | QueueHandlerName | 'authorizer', string>;

/** Environment of the alarm topic's Slack notifier (`lambdas/slack-alarms.ts`). */
export const SLACK_ALARMS_ENV = {
  /** Name of the Secrets Manager secret holding the Slack incoming-webhook URL. */
  webhookSecretName: 'UNMOGROWP_SLACK_WEBHOOK_SECRET',
} as const;

/** A function that names its own service (see {@link SERVICE_NAMES}). */
export type ServiceKey = keyof typeof SERVICE_NAMES;
export type ServiceName = (typeof SERVICE_NAMES)[ServiceKey];

/** The dimension Powertools adds to every metric: the service name. */
export const SERVICE_DIMENSION = 'service';

/** Metric names emitted by the attribution consumer, one per outcome. */
export const ATTRIBUTION_METRICS = {
  attributed: 'AttributedInstalls',
  organic: 'OrganicInstalls',
  rejected: 'RejectedInstalls',
  reinstall: 'Reinstalls',
  reattribution: 'Reattributions',
  reengagement: 'Reengagements',
  inAppEvents: 'InAppEvents',
  duplicates: 'DuplicateEvents',
} as const;

/** Metric names of the consumer's own health beside the attribution outcomes. */
export const CONSUMER_METRICS = {
  /** Undecodable records copied to the quarantine prefix (never retried). */
  poisoned: 'PoisonedRecords',
  /** Records reported in `batchItemFailures` (retried by the event source mapping). */
  failed: 'FailedRecords',
  lakeObjects: 'LakeObjectsWritten',
  lakeRecords: 'LakeRecordsWritten',
  /** Records whose unit was already committed: a retry after a crash or a failed lake write. */
  redelivered: 'RedeliveredRecords',
  /** Records of tenants homed in another region, forwarded to that region's stream (the write model). */
  forwarded: 'ForwardedRecords',
  /** Records whose forward to their home region failed (retried from the first one). */
  forwardFailed: 'ForwardFailedRecords',
  /** Records of a tenant moving here, held back until its grace period ends. */
  awaitingHome: 'RecordsAwaitingHome',
  /** Postback delivery jobs the batch put on the queue (SPEC §7). */
  postbackJobs: 'PostbackJobsEnqueued',
} as const;

/**
 * Metric names of every API function, one data point per request: `Requests` is 1, `Http4xx` and
 * `Http5xx` are 1 or 0, so their sums over `Requests` are the error ratios.
 */
export const HTTP_METRICS = {
  requests: 'Requests',
  clientErrors: 'Http4xx',
  serverErrors: 'Http5xx',
} as const;

/** The API functions' audit log metric: entries that could not be written (the change succeeded). */
export const AUDIT_METRICS = {
  writeFailures: 'AuditWriteFailures',
} as const;

/** One custom metric as CloudWatch stores it. */
export interface CustomMetricIdentity {
  readonly namespace: string;
  readonly metricName: string;
  /** The complete dimension set, name → value. */
  readonly dimensions: Readonly<Record<string, string>>;
}

/** The identity of a metric one of our functions emits. */
export function customMetric(service: ServiceKey, metricName: string): CustomMetricIdentity {
  return {
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensions: { [SERVICE_DIMENSION]: SERVICE_NAMES[service] },
  };
}

/** The API functions, whose request metrics are charted per function (reports apart from ingest). */
export const API_SERVICES = ['ingest', 'query', 'admin'] as const satisfies readonly ServiceKey[];

/**
 * Metrics emitted but deliberately not charted nor alarmed, each with its reason. The metric contract
 * test fails on any other emitted metric that no dashboard or alarm reads.
 */
export const UNCHARTED_METRICS: readonly (CustomMetricIdentity & { readonly reason: string })[] = [
  {
    ...customMetric('consumer', CONSUMER_METRICS.lakeObjects),
    reason:
      'Objects the local-mode bucket writer puts; in the cloud Firehose writes the lake and its ' +
      'DeliveryToS3 metrics are charted instead.',
  },
];

/** The key a metric identity is compared by: namespace, name and the sorted dimension set. */
export function metricKey(identity: CustomMetricIdentity): string {
  const dims = Object.entries(identity.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${identity.namespace}/${identity.metricName}{${dims}}`;
}
