/** Lambda handler entry points, relative to the project root; each exports `handler`. */
export const HANDLERS = {
  /** Tracking links, S2S touchpoints and SDK event batches: validates and puts on the stream. */
  ingest: 'lambdas/ingest.ts',
  /** Attribution look-ups and reports. */
  query: 'lambdas/query.ts',
  /** Tenant and app onboarding, app settings, privacy erasure. */
  admin: 'lambdas/admin.ts',
  /** The Kinesis attribution consumer. */
  consumer: 'lambdas/consumer.ts',
} as const;

export type HandlerName = keyof typeof HANDLERS;

/** The functions API Gateway invokes (each serves its own routes of `ROUTES`). */
export type ApiHandlerName = Exclude<HandlerName, 'consumer'>;

/**
 * Queue and topic workers, outside `HANDLERS` (neither an API function nor the stream consumer; local
 * mode runs their code in process): the SQS postback sender (SPEC §7), and the Slack notifier of the
 * alarm topic (only with `monitoring.slackWebhookSecretName`).
 */
export const QUEUE_HANDLERS = {
  /** Sends postback and webhook deliveries from the delivery queue. */
  postbackSender: 'lambdas/postback-sender.ts',
  /** Posts each alarm state change of the region's alarm topic to Slack. */
  slackAlarms: 'lambdas/slack-alarms.ts',
} as const;

export type QueueHandlerName = keyof typeof QUEUE_HANDLERS;
