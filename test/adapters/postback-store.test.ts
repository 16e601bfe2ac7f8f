import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedDatabase, openEmbeddedDatabase } from '../../src/adapters/embedded/database.js';
import {
  EmbeddedPostbackStore,
  PostbackStoreClosedError,
} from '../../src/adapters/embedded/postback-store.js';
import { MemoryPostbackStore } from '../../src/adapters/postbacks/memory-store.js';
import { DELIVERY_RECORD_TTL_DAYS } from '../../src/definitions/postbacks.js';
import {
  deliveryJob,
  describePostbackStoreContract,
  hook,
  queuedRecord,
} from '../postbacks/store-contract.js';

/** The postback store port on the memory store and the embedded (LMDB) store of `npm start`. */

const dataDir = mkdtempSync(join(tmpdir(), 'ugp-postback-store-'));
const opened: EmbeddedDatabase[] = [];
let n = 0;
const openDb = (dir = join(dataDir, String(n++))) => {
  const db = openEmbeddedDatabase(dir, { noSync: true });
  opened.push(db);
  return { db, dir };
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describePostbackStoreContract('memory', async (now) => new MemoryPostbackStore(now));
describePostbackStoreContract(
  'embedded',
  async (now) => new EmbeddedPostbackStore({ db: openDb().db.postbacks, now }),
);

describe('embedded postback store', () => {
  it('keeps destinations, secret and delivery records when the database is opened again', async () => {
    const { db, dir } = openDb();
    const before = new EmbeddedPostbackStore({ db: db.postbacks });
    await before.putDestinations('t1', 'com.app', [hook()]);
    await before.setWebhookSecret('t1', 'com.app', 'ugpw_kept');
    const job = deliveryJob(1);
    await before.create(queuedRecord(job));
    await before.markEnqueued(job);
    await db.close();
    opened.splice(opened.indexOf(db), 1);

    const after = new EmbeddedPostbackStore({ db: openDb(dir).db.postbacks });
    expect(await after.get('t1', 'com.app')).toMatchObject({
      destinations: [hook()],
      webhookSecret: 'ugpw_kept',
    });
    expect(await after.find('t1', 'com.app', job.jobId)).toMatchObject({ status: 'queued', enqueued: true });
    expect((await after.pending()).map((r) => r.job.jobId)).toEqual([job.jobId]);
  });

  it(`deletes delivery records ${DELIVERY_RECORD_TTL_DAYS} days after they were made, with their index entries`, async () => {
    let clockMs = Date.parse('2026-11-01T00:00:00Z');
    const store = new EmbeddedPostbackStore({ db: openDb().db.postbacks, now: () => clockMs });
    const old = deliveryJob(1);
    await store.create(queuedRecord(old));
    await store.markEnqueued(old);
    clockMs += 86_400_000;
    const young = deliveryJob(2);
    await store.create(queuedRecord(young));

    const ttlMs = DELIVERY_RECORD_TTL_DAYS * 86_400_000;
    expect(await store.sweepExpired(Date.parse('2026-11-01T00:00:00Z') + ttlMs - 1)).toBe(0);
    expect(await store.sweepExpired(Date.parse('2026-11-01T00:00:00Z') + ttlMs + 1)).toBe(1);

    expect(await store.find('t1', 'com.app', old.jobId)).toBeUndefined();
    expect(await store.pending()).toEqual([]);
    expect((await store.list('t1', 'com.app', { limit: 10 })).map((r) => r.job.jobId)).toEqual([young.jobId]);
  });

  it('refuses writes once closed, so that a send still in flight leaves its delivery pending', async () => {
    const { db } = openDb();
    const store = new EmbeddedPostbackStore({ db: db.postbacks });
    const job = deliveryJob(1);
    await store.create(queuedRecord(job));
    await store.markEnqueued(job);
    await store.close();

    await expect(store.recordAttempt(job, 1, { status: 'sent', atMs: Date.now() })).rejects.toThrow(
      PostbackStoreClosedError,
    );
    expect((await store.pending()).map((r) => r.job.jobId)).toEqual([job.jobId]);
  });
});
