import type { DeliveryJob, DeliverySubject } from '../../domain/postbacks/jobs.js';
import { planDeliveries } from '../../domain/postbacks/jobs.js';
import type {
  DeliveryLog,
  DeliveryQueue,
  DeliveryRef,
  PostbackConfig,
  PostbackConfigStore,
} from './ports.js';

/**
 * The delivery stage after the attribution commit: committed decisions and credited events become
 * delivery jobs, exactly once per (subject, destination) even when the stream redelivers a record.
 *
 * Each job's id is deterministic; its delivery record is created with a conditional put, and the job
 * is enqueued only by the call that created it (or by a redelivery that finds it created but not yet
 * marked enqueued, after a crash between the two steps). A failure throws, and the consumer fails the
 * batch: the retry sees the records as redeliveries and comes back here.
 */

/** Delivery records made at once (conditional puts in flight). */
const CREATE_CONCURRENCY = 32;

export interface DispatcherDependencies {
  readonly configs: PostbackConfigStore;
  readonly log: DeliveryLog;
  readonly queue: DeliveryQueue;
  readonly now: () => number;
}

export interface DispatchResult {
  /** Jobs planned for the subjects. */
  readonly planned: number;
  /** Jobs put on the queue by this call. */
  readonly enqueued: number;
  /** Jobs an earlier delivery of the same record had already enqueued. */
  readonly alreadyEnqueued: number;
}

export type PostbackDispatcher = (subjects: readonly DeliverySubject[]) => Promise<DispatchResult>;

export function createPostbackDispatcher(deps: DispatcherDependencies): PostbackDispatcher {
  return async (subjects) => {
    const configs = new Map<string, Promise<PostbackConfig | undefined>>();
    const configFor = (tenantId: string, appId: string) => {
      const key = `${tenantId}\u0000${appId}`;
      let config = configs.get(key);
      if (!config) {
        config = deps.configs.get(tenantId, appId);
        configs.set(key, config);
      }
      return config;
    };
    const nowMs = deps.now();
    // By job id: a record twice in one batch makes its jobs once.
    const jobs = new Map<string, DeliveryJob>();
    for (const subject of subjects) {
      const about = subject.kind === 'decision' ? subject.attribution : subject.event;
      const config = await configFor(about.tenantId, about.appId);
      if (!config || config.destinations.length === 0) continue;
      for (const job of planDeliveries(subject, config.destinations, nowMs)) jobs.set(job.jobId, job);
    }
    const planned = [...jobs.values()];
    const fresh: { ref: DeliveryRef; job: DeliveryJob }[] = [];
    let alreadyEnqueued = 0;
    // Records are made a chunk at a time, concurrently: each is its own conditional put.
    for (let start = 0; start < planned.length; start += CREATE_CONCURRENCY) {
      const chunk = planned.slice(start, start + CREATE_CONCURRENCY);
      const outcomes = await Promise.all(
        chunk.map((job) =>
          deps.log.create({ job, status: 'queued', attempts: 0, enqueued: false, updatedAtMs: nowMs }),
        ),
      );
      outcomes.forEach((created, i) => {
        const job = chunk[i] as DeliveryJob;
        if (!created.created && created.existing.enqueued) alreadyEnqueued++;
        else fresh.push({ ref: { tenantId: job.tenantId, appId: job.appId, jobId: job.jobId }, job });
      });
    }
    if (fresh.length > 0) {
      await deps.queue.enqueue(fresh.map((f) => f.ref));
      await Promise.all(fresh.map((f) => deps.log.markEnqueued(f.job)));
    }
    return { planned: planned.length, enqueued: fresh.length, alreadyEnqueued };
  };
}
