import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DnsHostResolver } from '../adapters/postbacks/dns-resolver.js';
import { DynamoPostbackStore } from '../adapters/postbacks/dynamodb-store.js';
import { type DeviceFinder, GraphErasureCheck } from '../adapters/postbacks/erasure-check.js';
import { type LocalDeliveryQueue, sharedLocalDeliveryQueue } from '../adapters/postbacks/local-queue.js';
import { SafeHttpTransport } from '../adapters/postbacks/safe-http-transport.js';
import { SqsDeliveryQueue } from '../adapters/postbacks/sqs-queue.js';
import { createPostbackDispatcher, type PostbackDispatcher } from '../app/postbacks/dispatcher.js';
import type { DestinationPolicy } from '../app/postbacks/policy.js';
import type {
  DeadLetterSink,
  DeliveryMetrics,
  DeliveryQueue,
  PostbackApiServices,
} from '../app/postbacks/ports.js';
import { resumePendingDeliveries } from '../app/postbacks/resume.js';
import { createPostbackSender, type PostbackSender } from '../app/postbacks/sender.js';
import type { RuntimeConfig } from '../config/runtime.js';
import { POSTBACK_ENV } from '../definitions/postbacks.js';

/**
 * Wires the postback stage: the same ports for the admin routes, the consumer's dispatcher and the
 * sender, with SQS in the cloud and the in-process queue locally.
 */

export interface PostbackRuntimeConfig {
  readonly tableName: string;
  /** Unset: the in-process local queue (local mode) or, in the cloud, postbacks are off. */
  readonly queueUrl?: string;
  readonly deadLetterQueueUrl?: string;
  /** The local stack (endpoint overrides present). */
  readonly local: boolean;
  readonly policy: DestinationPolicy;
}

/**
 * The postback settings: the runtime config's table and stage, and the postback variables of the
 * environment, read once at the entry point.
 */
export function loadPostbackConfig(
  runtime: Pick<RuntimeConfig, 'tenantRegistryTable' | 'endpoints'>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): PostbackRuntimeConfig {
  const local = runtime.endpoints.dynamodb !== undefined;
  return {
    tableName: runtime.tenantRegistryTable,
    ...(env[POSTBACK_ENV.queueUrl] ? { queueUrl: env[POSTBACK_ENV.queueUrl] } : {}),
    ...(env[POSTBACK_ENV.deadLetterQueueUrl]
      ? { deadLetterQueueUrl: env[POSTBACK_ENV.deadLetterQueueUrl] }
      : {}),
    local,
    // Loopback receivers only on the local stack and only when asked; https everywhere but locally.
    policy: { allowLoopback: local && env[POSTBACK_ENV.allowLoopback] === '1', requireHttps: !local },
  };
}

export interface PostbackClients {
  readonly documents: DynamoDBDocumentClient;
  readonly sqs?: SQSClient;
}

function queueOf(
  config: PostbackRuntimeConfig,
  clients: PostbackClients,
): (DeliveryQueue & DeadLetterSink) | undefined {
  if (config.queueUrl)
    return new SqsDeliveryQueue({
      client: clients.sqs ?? new SQSClient({}),
      queueUrl: config.queueUrl,
      deadLetterQueueUrl: config.deadLetterQueueUrl ?? config.queueUrl,
    });
  return config.local ? sharedLocalDeliveryQueue() : undefined;
}

/** The admin routes' postback services, or undefined where no queue is configured. */
export function postbackApiServices(
  config: PostbackRuntimeConfig,
  clients: PostbackClients,
): PostbackApiServices | undefined {
  const queue = queueOf(config, clients);
  if (!queue) return undefined;
  const store = new DynamoPostbackStore({
    documents: clients.documents,
    tableName: config.tableName,
    cacheTtlSeconds: 0,
  });
  return { configs: store, log: store, queue, resolver: new DnsHostResolver(), policy: config.policy };
}

/** The consumer's post-commit stage, or undefined where no queue is configured. */
export function postbackDispatcher(
  config: PostbackRuntimeConfig,
  clients: PostbackClients,
): PostbackDispatcher | undefined {
  const queue = queueOf(config, clients);
  if (!queue) return undefined;
  const store = new DynamoPostbackStore({ documents: clients.documents, tableName: config.tableName });
  return createPostbackDispatcher({ configs: store, log: store, queue, now: Date.now });
}

/** The sender (SQS Lambda or the local loop). */
export function postbackSender(
  config: PostbackRuntimeConfig,
  clients: PostbackClients,
  graphFor: (tenantId: string) => DeviceFinder,
  options: { metrics?: DeliveryMetrics; deadLetters?: DeadLetterSink } = {},
): PostbackSender {
  const store = new DynamoPostbackStore({ documents: clients.documents, tableName: config.tableName });
  const deadLetters = options.deadLetters ?? queueOf(config, clients);
  if (!deadLetters) throw new Error(`${POSTBACK_ENV.queueUrl} is not set: the sender has no queue`);
  return createPostbackSender({
    log: store,
    configs: store,
    transport: new SafeHttpTransport(config.policy),
    erasure: new GraphErasureCheck(graphFor),
    deadLetters,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
}

/**
 * Local mode's start on the emulator stack: puts back on the in-process queue the deliveries it held
 * when the process last stopped (found in the delivery records); resolves to how many.
 */
export function resumeLocalDeliveries(
  config: PostbackRuntimeConfig,
  clients: PostbackClients,
  queue: LocalDeliveryQueue,
): Promise<number> {
  const store = new DynamoPostbackStore({ documents: clients.documents, tableName: config.tableName });
  return resumePendingDeliveries({ pending: store, queue, now: Date.now });
}
