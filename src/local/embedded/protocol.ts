import type { DispatchResult } from '../../app/postbacks/dispatcher.js';
import type { DeliverySubject } from '../../domain/postbacks/jobs.js';

/** Messages between the HTTP thread and the consumer worker of the embedded local mode. */

export interface ConsumerWorkerData {
  /** `file:` URL of `consumer-worker.ts`, imported by `worker-boot.mjs`. */
  readonly entry: string;
  /** True when running from compiled JavaScript (no TypeScript loader needed). */
  readonly compiled?: boolean;
  readonly dataDir: string;
  readonly lakeDirectory: string;
  readonly deadLetterFile: string;
  readonly shards: number;
  readonly batchSize: number;
  readonly noSync: boolean;
  readonly defaultSettings: Readonly<Record<string, unknown>>;
  readonly dataCenterCidrs: readonly string[];
  readonly streamName: string;
  readonly region: string;
  /** The consumer sends its decisions' postback subjects to the HTTP thread, which plans the jobs. */
  readonly postbacks?: boolean;
}

export type ToWorker =
  | { readonly type: 'stop' }
  /** The answer to a `postbacks` message: the jobs made, or why not (the batch then fails). */
  | {
      readonly type: 'postbacks-dispatched';
      readonly id: number;
      readonly result?: DispatchResult;
      readonly error?: string;
    };

export interface ConsumerProgress {
  readonly type: 'progress';
  readonly consumedRecords: number;
  readonly deadLetters: number;
  readonly caughtUpAtMs: number;
  /** Where the consumer's time went since it started. */
  readonly timings: ConsumerTimings;
  /** Batches handled since the previous message. */
  readonly batches: readonly { atMs: number; records: number; failed: number; lagMs: number }[];
}

export type FromWorker =
  | ConsumerProgress
  | { readonly type: 'ready' }
  | { readonly type: 'stopped' }
  | { readonly type: 'log'; readonly line: string }
  /** A committed batch's postback subjects, to become delivery jobs (SPEC §7). */
  | { readonly type: 'postbacks'; readonly id: number; readonly subjects: readonly DeliverySubject[] };

/** Cumulative milliseconds of the consumer's work, by step (the engine's own work is the rest). */
export interface ConsumerTimings {
  /** Handler calls, end to end (decode, engine, store, lake). */
  handlerMs: number;
  /** Store reads (`load`). */
  loadMs: number;
  /** Store commits (one write transaction each, flushed to disk). */
  commitMs: number;
  /** Lake file writes. */
  lakeMs: number;
}
