import { beforeEach, describe, expect, it } from 'vitest';
import type {
  DeliveryLog,
  DeliveryRecord,
  PendingDeliveries,
  PostbackConfigStore,
} from '../../src/app/postbacks/ports.js';
import type { Destination } from '../../src/domain/postbacks/destinations.js';
import type { DeliveryJob } from '../../src/domain/postbacks/jobs.js';

/**
 * The postback store port's contract (`src/app/postbacks/ports.ts`): what the admin routes, the
 * dispatcher, the sender and local mode's restart rely on, whichever store is behind it. Each store's
 * test file runs it (memory and embedded in `test/adapters/postback-store.test.ts`, DynamoDB Local in
 * `test/adapters/dynamodb-postback-store.test.ts`).
 */

export type PostbackStore = PostbackConfigStore & DeliveryLog & PendingDeliveries;

/** Makes a fresh, empty store whose clock is `now`. */
export type PostbackStoreFactory = (now: () => number) => Promise<PostbackStore>;

const START_MS = Date.parse('2026-11-20T10:00:00Z');

export const hook = (id = 'hook'): Destination => ({
  id,
  type: 'webhook',
  url: 'https://customer.example/hooks/ugp',
  kinds: ['install'],
  events: ['*'],
});

export const deliveryJob = (n: number, overrides: Partial<DeliveryJob> = {}): DeliveryJob => ({
  jobId: `pb_${String(n).padStart(32, '0')}`,
  tenantId: 't1',
  appId: 'com.app',
  destinationId: 'hook',
  destinationType: 'webhook',
  subjectKind: 'decision',
  subjectId: `install-${n}`,
  deviceId: `dev_${n}`,
  identifiers: { advertisingId: `adid-${n}` },
  request: { method: 'POST', url: 'https://customer.example/hooks/ugp', body: `{"n":${n}}` },
  createdAtMs: START_MS,
  ...overrides,
});

export const queuedRecord = (job: DeliveryJob, atMs = job.createdAtMs): DeliveryRecord => ({
  job,
  status: 'queued',
  attempts: 0,
  enqueued: false,
  updatedAtMs: atMs,
});

export function describePostbackStoreContract(name: string, makeStore: PostbackStoreFactory): void {
  describe(`postback store contract: ${name}`, () => {
    let store: PostbackStore;
    let clockMs: number;

    beforeEach(async () => {
      clockMs = START_MS;
      store = await makeStore(() => clockMs);
    });

    describe('app settings', () => {
      it('has none for an app that never set its destinations', async () => {
        expect(await store.get('t1', 'com.app')).toBeUndefined();
      });

      it('replaces the destinations whole and keeps the webhook secret', async () => {
        await store.setWebhookSecret('t1', 'com.app', 'ugpw_secret');
        await store.putDestinations('t1', 'com.app', [hook('a'), hook('b')]);
        const answered = await store.putDestinations('t1', 'com.app', [hook('c')]);

        expect(answered).toMatchObject({ destinations: [hook('c')], webhookSecret: 'ugpw_secret' });
        expect(await store.get('t1', 'com.app')).toMatchObject({
          destinations: [hook('c')],
          webhookSecret: 'ugpw_secret',
          updatedAt: new Date(START_MS).toISOString(),
        });
      });

      it('keeps the destinations when the webhook secret is replaced', async () => {
        await store.putDestinations('t1', 'com.app', [hook()]);
        await store.setWebhookSecret('t1', 'com.app', 'ugpw_new');
        expect(await store.get('t1', 'com.app')).toMatchObject({
          destinations: [hook()],
          webhookSecret: 'ugpw_new',
        });
      });

      it('keeps each app apart', async () => {
        await store.putDestinations('t1', 'com.app', [hook()]);
        expect(await store.get('t1', 'com.other')).toBeUndefined();
        expect(await store.get('t2', 'com.app')).toBeUndefined();
      });
    });

    describe('delivery records', () => {
      it('creates a record once: the second create answers the existing one', async () => {
        const job = deliveryJob(1);
        expect(await store.create(queuedRecord(job))).toEqual({ created: true });
        await store.markEnqueued(job);

        const again = await store.create(queuedRecord(job, START_MS + 5_000));
        expect(again).toMatchObject({ created: false, existing: { status: 'queued', enqueued: true } });
        expect(await store.find('t1', 'com.app', job.jobId)).toEqual({
          ...queuedRecord(job),
          enqueued: true,
        });
      });

      it('keeps the result of each attempt, never the whole body', async () => {
        const job = deliveryJob(1);
        await store.create(queuedRecord(job));
        await store.recordAttempt(job, 1, {
          status: 'failed',
          atMs: START_MS + 1_000,
          responseCode: 503,
          latencyMs: 12,
          responseExcerpt: 'busy',
          nextAttemptAtMs: START_MS + 31_000,
        });
        expect(await store.find('t1', 'com.app', job.jobId)).toMatchObject({
          status: 'failed',
          attempts: 1,
          updatedAtMs: START_MS + 1_000,
          last: { status: 'failed', responseCode: 503, latencyMs: 12, nextAttemptAtMs: START_MS + 31_000 },
        });
      });

      it('finds nothing for an unknown delivery', async () => {
        expect(await store.find('t1', 'com.app', 'pb_unknown')).toBeUndefined();
      });

      it('puts a dead delivery back to queued with a fresh retry budget', async () => {
        const job = deliveryJob(1);
        await store.create(queuedRecord(job));
        await store.recordAttempt(job, 30, { status: 'dead', atMs: START_MS + 1_000 });
        await store.requeue(job, START_MS + 86_400_000);

        const record = await store.find('t1', 'com.app', job.jobId);
        expect(record).toMatchObject({ status: 'queued', updatedAtMs: START_MS + 86_400_000 });
        expect(record?.job.createdAtMs).toBe(START_MS + 86_400_000);
      });
    });

    describe('delivery log', () => {
      beforeEach(async () => {
        for (const n of [1, 2, 3, 4]) {
          const job = deliveryJob(n);
          await store.create(queuedRecord(job));
          await store.recordAttempt(job, 1, {
            status: n % 2 === 0 ? 'sent' : 'failed',
            atMs: START_MS + n * 1_000,
          });
        }
        await store.create(queuedRecord(deliveryJob(9, { appId: 'com.other' }), START_MS + 9_000));
      });

      it('lists an app’s deliveries newest first', async () => {
        const listed = await store.list('t1', 'com.app', { limit: 10 });
        expect(listed.map((r) => r.job.subjectId)).toEqual([
          'install-4',
          'install-3',
          'install-2',
          'install-1',
        ]);
      });

      it('filters by status and stops at the limit', async () => {
        const failed = await store.list('t1', 'com.app', { status: 'failed', limit: 10 });
        expect(failed.map((r) => r.job.subjectId)).toEqual(['install-3', 'install-1']);
        const newest = await store.list('t1', 'com.app', { status: 'sent', limit: 1 });
        expect(newest.map((r) => r.job.subjectId)).toEqual(['install-4']);
      });

      it('lists a record once after it changed (an updated record moves to the top)', async () => {
        await store.recordAttempt(deliveryJob(1), 2, { status: 'sent', atMs: START_MS + 10_000 });
        const listed = await store.list('t1', 'com.app', { limit: 10 });
        expect(listed.map((r) => r.job.subjectId)).toEqual([
          'install-1',
          'install-4',
          'install-3',
          'install-2',
        ]);
      });
    });

    describe('pending deliveries (an in-process queue’s restart)', () => {
      it('are the enqueued ones still queued or failed, of every app', async () => {
        const make = async (
          n: number,
          enqueued: boolean,
          status?: 'failed' | 'sent' | 'dead' | 'suppressed',
        ) => {
          const job = deliveryJob(n, n === 6 ? { tenantId: 't2', appId: 'com.else' } : {});
          await store.create(queuedRecord(job));
          if (enqueued) await store.markEnqueued(job);
          if (status) await store.recordAttempt(job, 1, { status, atMs: START_MS + n });
        };
        await make(1, true);
        await make(2, true, 'failed');
        await make(3, true, 'sent');
        await make(4, true, 'dead');
        await make(5, true, 'suppressed');
        await make(6, true);
        // Made but never enqueued: the consumer's redelivered batch enqueues it, not the restart.
        await make(7, false);

        const pending = await store.pending();
        expect(pending.map((r) => r.job.subjectId).sort()).toEqual(['install-1', 'install-2', 'install-6']);
        expect(pending.find((r) => r.job.subjectId === 'install-2')).toMatchObject({ status: 'failed' });
      });

      it('leave once sent', async () => {
        const job = deliveryJob(1);
        await store.create(queuedRecord(job));
        await store.markEnqueued(job);
        await store.recordAttempt(job, 1, { status: 'sent', atMs: START_MS + 1 });
        expect(await store.pending()).toEqual([]);
      });
    });
  });
}
