import { DELIVERY_STATUSES } from '../../definitions/postbacks.js';
import type { AddressPolicy } from '../../domain/postbacks/address.js';
import type { Destination } from '../../domain/postbacks/destinations.js';
import type { DeliveryJob } from '../../domain/postbacks/jobs.js';

/** Where postbacks may go. Built once at the composition root from the stage and environment. */
export interface DestinationPolicy extends AddressPolicy {
  /** Refuses plain `http:` URLs (the cloud). @default false */
  readonly requireHttps?: boolean;
}

/** Ports of the postback stage: implemented by `src/adapters/postbacks/`. */

/** An app's postback settings: its destinations and the webhook signing secret. */
export interface PostbackConfig {
  readonly destinations: readonly Destination[];
  /** Signs webhook bodies; absent until `POST …/webhook-secret`. */
  readonly webhookSecret?: string;
  readonly updatedAt?: string;
}

export interface PostbackConfigStore {
  get(tenantId: string, appId: string): Promise<PostbackConfig | undefined>;
  putDestinations(
    tenantId: string,
    appId: string,
    destinations: readonly Destination[],
  ): Promise<PostbackConfig>;
  setWebhookSecret(tenantId: string, appId: string, secret: string): Promise<void>;
}

/** The statuses of a delivery (see `DELIVERY_STATUSES`). */
export { DELIVERY_STATUSES };
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The outcome of one attempt, kept on the delivery record (never the whole response body). */
export interface AttemptResult {
  readonly status: DeliveryStatus;
  readonly atMs: number;
  readonly responseCode?: number;
  readonly latencyMs?: number;
  readonly error?: string;
  /** At most `RESPONSE_EXCERPT_BYTES` of the response body. */
  readonly responseExcerpt?: string;
  readonly nextAttemptAtMs?: number;
}

export interface DeliveryRecord {
  readonly job: DeliveryJob;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  /** Set once the job is on the queue: a redelivered record with it set enqueues nothing. */
  readonly enqueued: boolean;
  readonly updatedAtMs: number;
  readonly last?: AttemptResult;
}

/** The idempotency records of delivery jobs, which are also the delivery log. */
export interface DeliveryLog {
  /** Creates the record unless one with its job id exists (a conditional put); returns the existing one. */
  create(
    record: DeliveryRecord,
  ): Promise<{ readonly created: true } | { readonly created: false; readonly existing: DeliveryRecord }>;
  markEnqueued(job: DeliveryJob): Promise<void>;
  find(tenantId: string, appId: string, jobId: string): Promise<DeliveryRecord | undefined>;
  /** Stores an attempt's result; `attempt` is the attempt's number (1 = first). */
  recordAttempt(job: DeliveryJob, attempt: number, result: AttemptResult): Promise<void>;
  /** Puts a dead delivery back to `queued` for a retry by hand, with a fresh retry budget. */
  requeue(job: DeliveryJob, nowMs: number): Promise<void>;
  /** The app's deliveries, newest first. */
  list(
    tenantId: string,
    appId: string,
    filter: { readonly status?: DeliveryStatus; readonly limit: number },
  ): Promise<DeliveryRecord[]>;
}

/**
 * The deliveries a queue holds and has not finished (enqueued, `queued` or `failed`), of every app: what
 * an in-process queue lost when its process stopped, and resumes on the next start.
 */
export interface PendingDeliveries {
  pending(): Promise<DeliveryRecord[]>;
}

/** What a queue message names: the delivery record holds the job. */
export interface DeliveryRef {
  readonly tenantId: string;
  readonly appId: string;
  readonly jobId: string;
}

export interface DeliveryQueue {
  enqueue(refs: readonly DeliveryRef[]): Promise<void>;
}

/** A queue that can also hold a job back until a delay has passed (a retry's back-off). */
export interface DelayingDeliveryQueue extends DeliveryQueue {
  enqueueAfter(ref: DeliveryRef, delayMs: number): Promise<void>;
}

/** Where deliveries out of retries go (the SQS dead-letter queue; locally a list). */
export interface DeadLetterSink {
  deadLetter(ref: DeliveryRef, reason: string): Promise<void>;
}

export interface OutboundRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export type TransportResult =
  | {
      readonly kind: 'response';
      readonly statusCode: number;
      readonly latencyMs: number;
      readonly excerpt: string;
    }
  | {
      /** The destination was refused (SSRF): never retried. */
      readonly kind: 'refused';
      readonly latencyMs: number;
      readonly error: string;
    }
  | {
      /** Connection error or time-out: retried. */
      readonly kind: 'error';
      readonly latencyMs: number;
      readonly error: string;
    };

/** Sends one HTTP request, refusing forbidden addresses after DNS resolution. */
export interface PostbackTransport {
  send(request: OutboundRequest): Promise<TransportResult>;
}

/** Resolves a host name to its addresses (A and AAAA). Throws `DestinationRefusedError` when it has none. */
export interface HostResolver {
  resolve(hostname: string): Promise<readonly string[]>;
}

/** Tells whether a job's device was erased since the job was made (then it is never sent). */
export interface ErasureCheck {
  isErased(job: DeliveryJob): Promise<boolean>;
}

/** Counts and times deliveries (EMF metrics in Lambda, the dashboard locally). */
export interface DeliveryMetrics {
  delivered(input: {
    readonly tenantId: string;
    readonly appId: string;
    readonly destinationId: string;
    readonly status: DeliveryStatus;
    readonly latencyMs?: number;
  }): void;
}

/** What the postback admin routes need (`src/http/routes/postbacks.ts`). */
export interface PostbackApiServices {
  readonly configs: PostbackConfigStore;
  readonly log: DeliveryLog;
  readonly queue: DeliveryQueue;
  readonly resolver: HostResolver;
  readonly policy: DestinationPolicy;
}
