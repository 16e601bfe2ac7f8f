import type { DelayingDeliveryQueue, PendingDeliveries } from './ports.js';

/**
 * Puts back on an in-process queue the deliveries it held when its process stopped (local mode's
 * restart): at-least-once holds across a restart. A job whose retry was scheduled waits for what is left
 * of its back-off; the others go at once. A job sent twice because its attempt's result was not yet
 * written when the process stopped carries the same `x-ugp-delivery-id` both times.
 * @returns how many deliveries were resumed
 */
export async function resumePendingDeliveries(deps: {
  readonly pending: PendingDeliveries;
  readonly queue: DelayingDeliveryQueue;
  readonly now: () => number;
}): Promise<number> {
  const records = await deps.pending.pending();
  const nowMs = deps.now();
  for (const { job, status, last } of records) {
    const ref = { tenantId: job.tenantId, appId: job.appId, jobId: job.jobId };
    const dueAtMs = status === 'failed' ? (last?.nextAttemptAtMs ?? nowMs) : nowMs;
    await deps.queue.enqueueAfter(ref, Math.max(0, dueAtMs - nowMs));
  }
  return records.length;
}
