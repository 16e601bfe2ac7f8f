import { describe, expect, it } from 'vitest';
import { MemoryPostbackStore } from '../../src/adapters/postbacks/memory-store.js';
import type { DeliveryRef } from '../../src/app/postbacks/ports.js';
import { resumePendingDeliveries } from '../../src/app/postbacks/resume.js';
import { deliveryJob, queuedRecord } from './store-contract.js';

/**
 * Local mode's restart (SPEC §7, at-least-once): the deliveries the in-process queue held when the
 * process stopped go back on it, each when its back-off is over.
 */

const NOW_MS = Date.parse('2026-11-20T12:00:00Z');

async function pendingStore() {
  const store = new MemoryPostbackStore(() => NOW_MS);
  const enqueue = async (n: number) => {
    const job = deliveryJob(n);
    await store.create(queuedRecord(job));
    await store.markEnqueued(job);
    return job;
  };
  const queued = await enqueue(1);
  const retrying = await enqueue(2);
  await store.recordAttempt(retrying, 1, {
    status: 'failed',
    atMs: NOW_MS - 10_000,
    responseCode: 503,
    nextAttemptAtMs: NOW_MS + 20_000,
  });
  const overdue = await enqueue(3);
  await store.recordAttempt(overdue, 4, {
    status: 'failed',
    atMs: NOW_MS - 90_000,
    nextAttemptAtMs: NOW_MS - 60_000,
  });
  const sent = await enqueue(4);
  await store.recordAttempt(sent, 1, { status: 'sent', atMs: NOW_MS - 1_000 });
  return { store, queued, retrying, overdue };
}

describe('resuming pending deliveries after a restart', () => {
  it('sends a job accepted but not yet sent at once, and a failed one when its back-off is over', async () => {
    const { store, queued, retrying, overdue } = await pendingStore();
    const scheduled: { jobId: string; delayMs: number }[] = [];
    const queue = {
      enqueue: async (refs: readonly DeliveryRef[]) =>
        void scheduled.push(...refs.map((r) => ({ jobId: r.jobId, delayMs: 0 }))),
      enqueueAfter: async (ref: DeliveryRef, delayMs: number) =>
        void scheduled.push({ jobId: ref.jobId, delayMs }),
    };

    const resumed = await resumePendingDeliveries({ pending: store, queue, now: () => NOW_MS });

    expect(resumed).toBe(3);
    expect(scheduled.sort((a, b) => a.jobId.localeCompare(b.jobId))).toEqual([
      { jobId: queued.jobId, delayMs: 0 },
      { jobId: retrying.jobId, delayMs: 20_000 },
      { jobId: overdue.jobId, delayMs: 0 },
    ]);
  });

  it('resumes nothing when every delivery is finished', async () => {
    const store = new MemoryPostbackStore(() => NOW_MS);
    const queue = { enqueue: async () => undefined, enqueueAfter: async () => undefined };
    expect(await resumePendingDeliveries({ pending: store, queue, now: () => NOW_MS })).toBe(0);
  });
});
