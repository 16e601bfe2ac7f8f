import type { Database } from 'lmdb';
import type {
  AttemptResult,
  DeliveryLog,
  DeliveryRecord,
  DeliveryStatus,
  PendingDeliveries,
  PostbackConfig,
  PostbackConfigStore,
} from '../../app/postbacks/ports.js';
import { DELIVERY_RECORD_TTL_DAYS } from '../../definitions/postbacks.js';
import type { Destination } from '../../domain/postbacks/destinations.js';
import type { DeliveryJob } from '../../domain/postbacks/jobs.js';
import { END, key, SEP, under } from './database.js';

/**
 * Postback settings and delivery records in the embedded database, with the DynamoDB store's behaviour
 * (`src/adapters/postbacks/dynamodb-store.ts`): they survive a restart of `npm start`, and a delivery
 * accepted before it is resumed after it (`pending`). Every change is one write transaction; the record
 * and its index entries change together. Transactions are asynchronous: LMDB commits concurrent ones
 * together (a synchronous commit a job costs about a millisecond, and blocks the event loop).
 *
 * | item                   | key                                         | value               |
 * | ---------------------- | ------------------------------------------- | ------------------- |
 * | app settings           | `C <tenant> <app>`                          | `PostbackConfig`    |
 * | delivery record        | `D <tenant> <app> <job>`                    | `StoredDelivery`    |
 * | newest-first index     | `N <tenant> <app> <updatedAtMs:15> <job>`   | `null`              |
 * | pending index          | `W <tenant> <app> <job>`                    | `null`              |
 * | expiry index           | `X <expiresAtMs:15> <tenant> <app> <job>`   | `null`              |
 *
 * A record is pending (`W`) while it is on the queue and not finished: enqueued, `queued` or `failed`.
 * Records expire `DELIVERY_RECORD_TTL_DAYS` after they are made; `sweepExpired` deletes them, as the
 * table's TTL does in the cloud.
 */

export interface EmbeddedPostbackStoreOptions {
  /** The `postbacks` database of `openEmbeddedDatabase`. */
  readonly db: Database;
  /** @default Date.now */
  readonly now?: () => number;
}

interface StoredDelivery extends DeliveryRecord {
  readonly expiresAtMs: number;
}

/** Milliseconds since 1970 as 15 digits: they sort as numbers until the year 33658. */
const ms = (value: number) => String(Math.max(0, Math.floor(value))).padStart(15, '0');

const configKey = (tenantId: string, appId: string) => key('C', tenantId, appId);
const recordKey = (job: Pick<DeliveryJob, 'tenantId' | 'appId' | 'jobId'>) =>
  key('D', job.tenantId, job.appId, job.jobId);
const newestKey = (r: StoredDelivery) =>
  key('N', r.job.tenantId, r.job.appId, ms(r.updatedAtMs), r.job.jobId);
const pendingKey = (job: DeliveryJob) => key('W', job.tenantId, job.appId, job.jobId);
const expiryKey = (r: StoredDelivery) =>
  key('X', ms(r.expiresAtMs), r.job.tenantId, r.job.appId, r.job.jobId);

const isPending = (r: DeliveryRecord) => r.enqueued && (r.status === 'queued' || r.status === 'failed');

/** The store was closed (the platform is stopping): an attempt still in flight is not recorded. */
export class PostbackStoreClosedError extends Error {
  override readonly name = 'PostbackStoreClosedError';
  constructor() {
    super('the postback store is closed');
  }
}

export class EmbeddedPostbackStore implements PostbackConfigStore, DeliveryLog, PendingDeliveries {
  private readonly db: Database;
  private readonly now: () => number;
  private closed = false;

  constructor(options: EmbeddedPostbackStoreOptions) {
    this.db = options.db;
    this.now = options.now ?? Date.now;
  }

  async get(tenantId: string, appId: string): Promise<PostbackConfig | undefined> {
    return this.db.get(configKey(tenantId, appId)) as PostbackConfig | undefined;
  }

  async putDestinations(
    tenantId: string,
    appId: string,
    destinations: readonly Destination[],
  ): Promise<PostbackConfig> {
    const updatedAt = new Date(this.now()).toISOString();
    const next = await this.transact(() => {
      const config: PostbackConfig = {
        ...(this.db.get(configKey(tenantId, appId)) as PostbackConfig | undefined),
        destinations: clean(destinations),
        updatedAt,
      };
      this.db.putSync(configKey(tenantId, appId), config);
      return config;
    });
    await this.db.flushed;
    return next;
  }

  async setWebhookSecret(tenantId: string, appId: string, secret: string): Promise<void> {
    await this.transact(() => {
      const config = this.db.get(configKey(tenantId, appId)) as PostbackConfig | undefined;
      this.db.putSync(configKey(tenantId, appId), { destinations: [], ...config, webhookSecret: secret });
    });
    await this.db.flushed;
  }

  async create(
    record: DeliveryRecord,
  ): Promise<{ readonly created: true } | { readonly created: false; readonly existing: DeliveryRecord }> {
    const stored: StoredDelivery = clean({
      ...record,
      expiresAtMs: this.now() + DELIVERY_RECORD_TTL_DAYS * 86_400_000,
    });
    const existing = await this.transact(() => {
      const found = this.db.get(recordKey(record.job)) as StoredDelivery | undefined;
      if (found) return found;
      this.write(undefined, stored);
      this.db.putSync(expiryKey(stored), null);
      return undefined;
    });
    // Not flushed here: `markEnqueued`, which the dispatcher awaits before the batch is acknowledged, is.
    return existing ? { created: false, existing: toRecord(existing) } : { created: true };
  }

  async markEnqueued(job: DeliveryJob): Promise<void> {
    await this.update(job, (r) => ({ ...r, enqueued: true }));
    await this.db.flushed;
  }

  async find(tenantId: string, appId: string, jobId: string): Promise<DeliveryRecord | undefined> {
    const stored = this.db.get(recordKey({ tenantId, appId, jobId })) as StoredDelivery | undefined;
    return stored ? toRecord(stored) : undefined;
  }

  async recordAttempt(job: DeliveryJob, attempt: number, result: AttemptResult): Promise<void> {
    // Not flushed: after a power cut the attempt is made again (at-least-once).
    await this.update(job, (r) => ({
      ...r,
      status: result.status,
      attempts: attempt,
      last: clean(result),
      updatedAtMs: result.atMs,
    }));
  }

  async requeue(job: DeliveryJob, nowMs: number): Promise<void> {
    await this.update(job, (r) =>
      r.status === 'dead' || r.status === 'queued'
        ? { ...r, status: 'queued', job: { ...r.job, createdAtMs: nowMs }, updatedAtMs: nowMs }
        : r,
    );
    await this.db.flushed;
  }

  async list(
    tenantId: string,
    appId: string,
    filter: { readonly status?: DeliveryStatus; readonly limit: number },
  ): Promise<DeliveryRecord[]> {
    const records: DeliveryRecord[] = [];
    const newest = under('N', tenantId, appId);
    for (const at of this.db.getKeys({ start: newest.end, end: newest.start, reverse: true })) {
      const jobId = String(at).split(SEP).at(-1) ?? '';
      const stored = this.db.get(recordKey({ tenantId, appId, jobId })) as StoredDelivery | undefined;
      if (!stored || (filter.status && stored.status !== filter.status)) continue;
      records.push(toRecord(stored));
      if (records.length >= filter.limit) break;
    }
    return records;
  }

  /** Every delivery on the queue and not finished (enqueued, `queued` or `failed`), of every app. */
  async pending(): Promise<DeliveryRecord[]> {
    const records: DeliveryRecord[] = [];
    for (const at of this.db.getKeys({ start: `W${SEP}`, end: `W${END}` })) {
      const [, tenantId = '', appId = '', jobId = ''] = String(at).split(SEP);
      const stored = this.db.get(recordKey({ tenantId, appId, jobId })) as StoredDelivery | undefined;
      if (stored && isPending(stored)) records.push(toRecord(stored));
    }
    return records;
  }

  /** Deletes delivery records made more than `DELIVERY_RECORD_TTL_DAYS` ago; returns how many. */
  async sweepExpired(nowMs = this.now()): Promise<number> {
    const deleted = await this.transact(() => {
      let count = 0;
      for (const at of this.db.getKeys({ start: `X${SEP}`, end: key('X', ms(nowMs)) })) {
        const [, , tenantId = '', appId = '', jobId = ''] = String(at).split(SEP);
        const stored = this.db.get(recordKey({ tenantId, appId, jobId })) as StoredDelivery | undefined;
        if (stored) this.write(stored, undefined);
        this.db.removeSync(at);
        count++;
      }
      return count;
    });
    await this.db.flushed;
    return deleted;
  }

  /**
   * Refuses every later write, and resolves once the writes already made are on disk: call it before the
   * database closes. A send still in flight then fails to record its attempt (and is resumed on the next
   * start, as after a crash) instead of writing to a closed database.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.db.committed;
    await this.db.flushed;
  }

  /** One asynchronous write transaction (LMDB commits concurrent ones together), unless closed. */
  private transact<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new PostbackStoreClosedError());
    return this.db.transaction(work);
  }

  /** Changes a record and its index entries in one transaction; a missing record is left missing. */
  private async update(job: DeliveryJob, change: (record: StoredDelivery) => StoredDelivery): Promise<void> {
    await this.transact(() => {
      const stored = this.db.get(recordKey(job)) as StoredDelivery | undefined;
      if (stored) this.write(stored, clean(change(stored)));
    });
  }

  /** Inside a transaction: replaces `before` (if any) by `after` (if any), with their index entries. */
  private write(before: StoredDelivery | undefined, after: StoredDelivery | undefined): void {
    if (before) {
      this.db.removeSync(newestKey(before));
      this.db.removeSync(pendingKey(before.job));
    }
    if (!after) {
      if (before) this.db.removeSync(recordKey(before.job));
      return;
    }
    this.db.putSync(recordKey(after.job), after);
    this.db.putSync(newestKey(after), null);
    if (isPending(after)) this.db.putSync(pendingKey(after.job), null);
  }
}

function toRecord({ expiresAtMs: _expires, ...record }: StoredDelivery): DeliveryRecord {
  return record;
}

/** Drops `undefined` properties, as the DynamoDB document client does on write. */
function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
