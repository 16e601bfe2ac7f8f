import type {
  AttemptResult,
  DeliveryLog,
  DeliveryRecord,
  DeliveryStatus,
  PendingDeliveries,
  PostbackConfig,
  PostbackConfigStore,
} from '../../app/postbacks/ports.js';
import type { Destination } from '../../domain/postbacks/destinations.js';
import type { DeliveryJob } from '../../domain/postbacks/jobs.js';

/** Postback settings and delivery records in memory: unit tests, and local runs without DynamoDB. */
export class MemoryPostbackStore implements PostbackConfigStore, DeliveryLog, PendingDeliveries {
  readonly configs = new Map<string, PostbackConfig>();
  readonly records = new Map<string, DeliveryRecord>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(tenantId: string, appId: string): Promise<PostbackConfig | undefined> {
    return this.configs.get(`${tenantId}#${appId}`);
  }

  async find(tenantId: string, appId: string, jobId: string): Promise<DeliveryRecord | undefined> {
    return this.records.get(`${tenantId}#${appId}#${jobId}`);
  }

  async putDestinations(
    tenantId: string,
    appId: string,
    destinations: readonly Destination[],
  ): Promise<PostbackConfig> {
    const key = `${tenantId}#${appId}`;
    const next = { ...this.configs.get(key), destinations, updatedAt: new Date(this.now()).toISOString() };
    this.configs.set(key, next);
    return next;
  }

  async setWebhookSecret(tenantId: string, appId: string, secret: string): Promise<void> {
    const key = `${tenantId}#${appId}`;
    this.configs.set(key, { destinations: [], ...this.configs.get(key), webhookSecret: secret });
  }

  async create(record: DeliveryRecord) {
    const key = recordKey(record.job);
    const existing = this.records.get(key);
    if (existing) return { created: false as const, existing };
    this.records.set(key, record);
    return { created: true as const };
  }

  async markEnqueued(job: DeliveryJob): Promise<void> {
    this.update(job, (r) => ({ ...r, enqueued: true }));
  }

  async recordAttempt(job: DeliveryJob, attempt: number, result: AttemptResult): Promise<void> {
    this.update(job, (r) => ({
      ...r,
      status: result.status,
      attempts: attempt,
      last: result,
      updatedAtMs: result.atMs,
    }));
  }

  async requeue(job: DeliveryJob, nowMs: number): Promise<void> {
    this.update(job, (r) =>
      r.status === 'dead' || r.status === 'queued'
        ? { ...r, status: 'queued', job: { ...r.job, createdAtMs: nowMs }, updatedAtMs: nowMs }
        : r,
    );
  }

  async pending(): Promise<DeliveryRecord[]> {
    return [...this.records.values()].filter(
      (r) => r.enqueued && (r.status === 'queued' || r.status === 'failed'),
    );
  }

  async list(
    tenantId: string,
    appId: string,
    filter: { readonly status?: DeliveryStatus; readonly limit: number },
  ) {
    return [...this.records.values()]
      .filter((r) => r.job.tenantId === tenantId && r.job.appId === appId)
      .filter((r) => !filter.status || r.status === filter.status)
      .sort((a, b) => b.updatedAtMs - a.updatedAtMs)
      .slice(0, filter.limit);
  }

  private update(job: DeliveryJob, change: (record: DeliveryRecord) => DeliveryRecord): void {
    const key = recordKey(job);
    const record = this.records.get(key);
    if (record) this.records.set(key, change(record));
  }
}

const recordKey = (job: Pick<DeliveryJob, 'tenantId' | 'appId' | 'jobId'>) =>
  `${job.tenantId}#${job.appId}#${job.jobId}`;
