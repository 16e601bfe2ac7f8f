/**
 * The postback stage's shared definitions (SPEC §7): environment variable names, the delivery queue's
 * settings and the metric names, read by the CDK construct, the runtime, local mode and the cost model.
 */

export const POSTBACK_ENV = {
  /** SQS URL of the delivery queue (the consumer enqueues, the sender receives); unset locally. */
  queueUrl: 'UNMOGROWP_POSTBACK_QUEUE_URL',
  /** SQS URL of the delivery dead-letter queue. */
  deadLetterQueueUrl: 'UNMOGROWP_POSTBACK_DLQ_URL',
  /** `1` lets local mode deliver to loopback receivers (tests); ignored in the cloud. */
  allowLoopback: 'UNMOGROWP_ALLOW_LOOPBACK_POSTBACKS',
} as const;

export const POSTBACK_QUEUE = {
  logicalName: 'PostbackDeliveries',
  /** Longer than the 24-hour retry budget plus the longest back-off step. */
  retentionDays: 4,
  /** A job that crashes the sender comes back after this. */
  visibilityTimeoutSeconds: 120,
  /**
   * Receives before SQS itself dead-letters a message: only a job that keeps crashing the sender gets
   * there (retries by back-off end in the sender, which dead-letters after 24 h, about 30 attempts).
   */
  maxReceiveCount: 60,
  /** Jobs per sender invocation. */
  batchSize: 10,
  /** Days the DLQ keeps a delivery (the SQS maximum). */
  deadLetterRetentionDays: 14,
} as const;

/** Metrics of the sender (EMF, namespace `UnMoGrowP`), dimension `Destination` on the latency. */
export const POSTBACK_METRICS = {
  sent: 'PostbacksSent',
  failed: 'PostbacksFailed',
  dead: 'PostbacksDead',
  suppressed: 'PostbacksSuppressed',
  latency: 'PostbackLatency',
} as const;

/**
 * Where postback items live in the tenant registry table: the per-app settings item, and one delivery
 * record per job (the idempotency record and the delivery log, deleted by the table's TTL). The CDK
 * scopes the sender's writes to the delivery records by this prefix.
 */
/** Partition key prefix of the delivery records: the only items the consumer and sender write. */
export const POSTBACK_DELIVERY_KEY_PREFIX = 'PBDELIVERY#';
/** Partition key prefix of the per-app postback settings. */
export const POSTBACK_CONFIG_KEY_PREFIX = 'POSTBACKS#';
/** Days a delivery record is kept (the log's horizon). */
export const DELIVERY_RECORD_TTL_DAYS = 30;

/**
 * `queued`: made, not attempted; `failed`: the last attempt failed, another is scheduled; `sent`: a 2xx;
 * `dead`: out of retries (or refused for good); `suppressed`: the identity was erased, never sent.
 */
export const DELIVERY_STATUSES = ['queued', 'failed', 'sent', 'dead', 'suppressed'] as const;
