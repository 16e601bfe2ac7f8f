import { signRequest } from '../../auth/signing.js';
import { nextRetry, type RetrySchedule } from '../../domain/postbacks/backoff.js';
import type {
  AttemptResult,
  DeadLetterSink,
  DeliveryLog,
  DeliveryMetrics,
  DeliveryRef,
  ErasureCheck,
  OutboundRequest,
  PostbackConfigStore,
  PostbackTransport,
} from './ports.js';

/**
 * Sends one delivery job: the same code behind the SQS sender Lambda and local mode's in-process queue.
 * At-least-once: a job is sent until a 2xx, with back-off, for 24 hours, then dead-lettered. A job
 * already sent (a duplicate message) or whose device was erased is never sent.
 */

export const WEBHOOK_TIMESTAMP_HEADER = 'x-ugp-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'x-ugp-signature';
export const DELIVERY_ID_HEADER = 'x-ugp-delivery-id';
export const POSTBACK_USER_AGENT = 'UnMoGrowP-Postbacks/1.0';

export interface SenderDependencies {
  readonly log: DeliveryLog;
  readonly configs: PostbackConfigStore;
  readonly transport: PostbackTransport;
  readonly erasure: ErasureCheck;
  readonly deadLetters: DeadLetterSink;
  readonly metrics?: DeliveryMetrics;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default DEFAULT_RETRY_SCHEDULE (30 s doubling to 1 h, for 24 h) */
  readonly schedule?: RetrySchedule;
}

export type SendOutcome =
  | { readonly outcome: 'sent' | 'dead' | 'suppressed' | 'skipped' }
  | { readonly outcome: 'retry'; readonly delayMs: number };

/** Receiver answers that are never retried: the request itself is wrong. */
const PERMANENT = (code: number) => code >= 400 && code < 500 && code !== 408 && code !== 425 && code !== 429;

export type PostbackSender = (ref: DeliveryRef) => Promise<SendOutcome>;

export function createPostbackSender(deps: SenderDependencies): PostbackSender {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  return async (ref) => {
    const record = await deps.log.find(ref.tenantId, ref.appId, ref.jobId);
    if (!record || record.status === 'sent' || record.status === 'dead' || record.status === 'suppressed')
      return { outcome: 'skipped' };
    const { job } = record;
    const attempt = record.attempts + 1;
    const metric = (result: AttemptResult) =>
      deps.metrics?.delivered({
        tenantId: job.tenantId,
        appId: job.appId,
        destinationId: job.destinationId,
        status: result.status,
        ...(result.latencyMs === undefined ? {} : { latencyMs: result.latencyMs }),
      });

    if (await deps.erasure.isErased(job)) {
      const result: AttemptResult = { status: 'suppressed', atMs: now(), error: 'the identity was erased' };
      await deps.log.recordAttempt(job, record.attempts, result);
      metric(result);
      return { outcome: 'suppressed' };
    }

    const headers: Record<string, string> = {
      'user-agent': POSTBACK_USER_AGENT,
      [DELIVERY_ID_HEADER]: job.jobId,
    };
    if (job.request.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
    if (job.destinationType === 'webhook') {
      const secret = (await deps.configs.get(job.tenantId, job.appId))?.webhookSecret;
      if (secret && job.request.body !== undefined) {
        const timestamp = String(Math.floor(now() / 1000));
        headers[WEBHOOK_TIMESTAMP_HEADER] = timestamp;
        headers[WEBHOOK_SIGNATURE_HEADER] = signRequest(secret, timestamp, job.request.body);
      }
    }
    const request: OutboundRequest = {
      method: job.request.method,
      url: job.request.url,
      headers,
      ...(job.request.body === undefined ? {} : { body: job.request.body }),
    };
    const sent = await deps.transport.send(request);
    const atMs = now();
    const base = {
      atMs,
      latencyMs: sent.latencyMs,
      ...(sent.kind === 'response'
        ? { responseCode: sent.statusCode, responseExcerpt: sent.excerpt }
        : { error: sent.error }),
    };
    if (sent.kind === 'response' && sent.statusCode >= 200 && sent.statusCode < 300) {
      const result: AttemptResult = { ...base, status: 'sent' };
      await deps.log.recordAttempt(job, attempt, result);
      metric(result);
      return { outcome: 'sent' };
    }
    const permanent = sent.kind === 'refused' || (sent.kind === 'response' && PERMANENT(sent.statusCode));
    const retry = permanent
      ? ({ retry: false } as const)
      : nextRetry({
          attempt,
          createdAtMs: job.createdAtMs,
          nowMs: atMs,
          random,
          ...(deps.schedule ? { schedule: deps.schedule } : {}),
        });
    if (retry.retry) {
      const result: AttemptResult = { ...base, status: 'failed', nextAttemptAtMs: atMs + retry.delayMs };
      await deps.log.recordAttempt(job, attempt, result);
      metric(result);
      return { outcome: 'retry', delayMs: retry.delayMs };
    }
    const result: AttemptResult = { ...base, status: 'dead' };
    await deps.log.recordAttempt(job, attempt, result);
    await deps.deadLetters.deadLetter(ref, permanent ? describeFailure(sent) : 'out of retries (24 h)');
    metric(result);
    return { outcome: 'dead' };
  };
}

function describeFailure(sent: Awaited<ReturnType<PostbackTransport['send']>>): string {
  return sent.kind === 'response' ? `receiver answered ${sent.statusCode}` : sent.error;
}
