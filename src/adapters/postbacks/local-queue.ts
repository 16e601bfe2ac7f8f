import type { DeadLetterSink, DelayingDeliveryQueue, DeliveryRef } from '../../app/postbacks/ports.js';
import type { PostbackSender } from '../../app/postbacks/sender.js';

/**
 * Local mode's delivery queue: in process, with SQS's behaviour that matters here (a job to retry comes
 * back after its delay, dead letters are kept apart). The same `PostbackSender` sends the jobs. Jobs in
 * it are lost when the process stops; their delivery records stay (`queued` or `failed`), and
 * `resumePendingDeliveries` puts them back on the next start.
 */
export class LocalDeliveryQueue implements DelayingDeliveryQueue, DeadLetterSink {
  readonly deadLetters: { ref: DeliveryRef; reason: string; atMs: number }[] = [];
  private readonly ready: DeliveryRef[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private sender: PostbackSender | undefined;
  private inFlight = 0;
  private concurrency = 8;
  private waiters: (() => void)[] = [];

  /** Starts sending with `sender`, `concurrency` jobs at a time. */
  start(sender: PostbackSender, options: { concurrency?: number } = {}): void {
    this.sender = sender;
    this.concurrency = options.concurrency ?? 8;
    this.pump();
  }

  /** Stops sending: scheduled retries are dropped. */
  stop(): void {
    this.sender = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.notify();
  }

  async enqueue(refs: readonly DeliveryRef[]): Promise<void> {
    this.ready.push(...refs);
    this.pump();
  }

  /** Enqueues `ref` once `delayMs` has passed (a resumed retry's remaining back-off). */
  async enqueueAfter(ref: DeliveryRef, delayMs: number): Promise<void> {
    if (delayMs <= 0) return this.enqueue([ref]);
    this.later(ref, delayMs);
  }

  async deadLetter(ref: DeliveryRef, reason: string): Promise<void> {
    this.deadLetters.push({ ref, reason, atMs: Date.now() });
  }

  /** Jobs waiting, in flight or scheduled for a retry. */
  get size(): number {
    return this.ready.length + this.inFlight + this.timers.size;
  }

  /** Resolves once no job is waiting, in flight or scheduled. */
  idle(): Promise<void> {
    if (this.size === 0 || !this.sender) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private pump(): void {
    const send = this.sender;
    if (!send) return;
    while (this.inFlight < this.concurrency && this.ready.length > 0) {
      const ref = this.ready.shift() as DeliveryRef;
      this.inFlight++;
      send(ref)
        .then((result) => {
          if (result.outcome === 'retry' && this.sender) this.later(ref, result.delayMs);
        })
        // A job that threw comes back, as after SQS's visibility timeout.
        .catch(() => {
          if (this.sender) this.later(ref, 1000);
        })
        .finally(() => {
          this.inFlight--;
          this.pump();
          this.notify();
        });
    }
  }

  private later(ref: DeliveryRef, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.ready.push(ref);
      this.pump();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private notify(): void {
    if (this.size > 0 && this.sender) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

let shared: LocalDeliveryQueue | undefined;

/**
 * The process's local queue: local mode's consumer (which enqueues) and its sender loop share it, as
 * the consumer and sender functions share one SQS queue in the cloud.
 */
export function sharedLocalDeliveryQueue(): LocalDeliveryQueue {
  shared ??= new LocalDeliveryQueue();
  return shared;
}
