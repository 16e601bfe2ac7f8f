import type { Attribution, EventAttribution, Source } from './attribution.js';
import type { Touchpoint } from './records.js';

/**
 * The storage port: how the engine reads and writes the identity graph. Designed for batch I/O: the
 * engine collects every key a whole batch of records needs, loads them with one `load` call (the
 * DynamoDB adapter serves it with a few BatchGetItem/Query calls), decides in memory, then hands back
 * one `commit` of units of work. Every key is scoped by tenant and app (see `keys.ts`).
 */

/** A device known in one app, by any of its identifiers. */
export interface Device {
  readonly deviceId: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly advertisingIds: readonly string[];
  readonly vendorIds: readonly string[];
  readonly customerUserIds: readonly string[];
  readonly firstSeenMs: number;
  /** Event time of the device's latest app event: reattribution inactivity is measured from it. */
  readonly lastEventMs: number;
  readonly installCount: number;
  /** The decision on the device's first install: reinstalls are credited to it. */
  readonly firstAttribution?: Attribution;
  /** The latest install, reinstall or reattribution decision. */
  readonly currentAttribution?: Attribution;
  /** A retargeting click that re-credits the device's events until `untilMs`. */
  readonly reengagement?: {
    readonly source: Source;
    readonly touchTimeMs: number;
    /** Inclusive end of the re-engagement window. */
    readonly untilMs: number;
    /** Set once the first event is credited to it, so a re-engagement is counted once. */
    readonly counted?: boolean;
  };
  /**
   * Optimistic-concurrency version: 0 for a new device, +1 per committed change. A unit writing version
   * `v` applies only if the stored version is `v - 1` (no stored device counts as -1).
   */
  readonly version: number;
}

/** Per-day aggregate counters behind the install report. */
export const COUNTER_METRICS = [
  'installs',
  'organic',
  'reinstalls',
  'reattributions',
  'reengagements',
  'rejected',
  'flagged',
  'events',
  'revenue',
] as const;
export type CounterMetric = (typeof COUNTER_METRICS)[number];

export interface CounterIncrement {
  readonly tenantId: string;
  readonly appId: string;
  /** UTC day of the event time, `YYYY-MM-DD`. */
  readonly day: string;
  /**
   * The credited network; `organic` for organic installs and their events, `unattributed` for events of a
   * device with a rejected or not yet seen install.
   */
  readonly network: string;
  readonly campaign: string;
  readonly metric: CounterMetric;
  /** Currency of a `revenue` increment. */
  readonly currency?: string;
  readonly value: number;
}

export interface StoreLoadRequest {
  /** Identifier keys (`identifierKey`) whose devices the batch needs. */
  readonly deviceKeys: readonly string[];
  /** Match keys (`touchpointMatchKeys`) whose touchpoints the batch needs. */
  readonly touchpointKeys: readonly string[];
  /** Event keys (`eventKey`) to check for earlier processing. */
  readonly eventKeys: readonly string[];
  /** IP-hour keys (`ipHourKey`) whose install counts the batch needs. */
  readonly ipHourKeys: readonly string[];
}

export interface StoreSnapshot {
  /** Device by identifier key; missing keys are unknown identifiers. */
  readonly devices: ReadonlyMap<string, Device>;
  /** Touchpoints by match key, any order. */
  readonly touchpoints: ReadonlyMap<string, readonly Touchpoint[]>;
  /** Event keys already processed (redelivery). */
  readonly processedEvents: ReadonlySet<string>;
  /**
   * What an already processed event's commit recorded, by event key, when its unit carried a
   * `sourceId`: the consumer rewrites the lake rows of a redelivered stream record from it.
   * @default none known
   */
  readonly processedEventOutcomes?: ReadonlyMap<string, StoredEventOutcome>;
  readonly ipInstallCounts: ReadonlyMap<string, number>;
}

/** The decision an event's unit committed, kept with its processed-event marker. */
export interface StoredEventOutcome {
  /** The input record (e.g. the stream record `shardId:sequenceNumber`) whose unit was committed. */
  readonly sourceId: string;
  readonly attribution?: Attribution;
  readonly eventAttribution?: EventAttribution;
}

/**
 * The writes caused by one input record. An adapter applies a unit atomically (e.g. one
 * TransactWriteItems) and conditionally: `eventKey` must not have been processed and each device's
 * stored version must be `version - 1`. A unit that loses that race is a duplicate or a conflict, and
 * the adapter reports its `recordIndex` as failed so the batch is retried.
 */
export interface UnitOfWork {
  /** Index of the record in the batch that caused it (for partial batch failure). */
  readonly recordIndex: number;
  readonly eventKey?: string;
  /**
   * The input record's identity (opaque), kept with the event marker with the unit's decision so a
   * redelivery of the same record can be told from a second record of the same event.
   * @default not kept
   */
  readonly sourceId?: string;
  readonly devices: readonly Device[];
  /** New identifier → device links (merges included). */
  readonly identifierLinks: readonly { readonly key: string; readonly deviceId: string }[];
  readonly touchpoints: readonly { readonly touchpoint: Touchpoint; readonly keys: readonly string[] }[];
  readonly attributions: readonly Attribution[];
  readonly eventAttributions: readonly EventAttribution[];
  readonly counters: readonly CounterIncrement[];
  readonly ipHourIncrements: readonly { readonly key: string; readonly delta: number }[];
}

export interface CommitResult {
  /** Record indexes whose unit was not applied (conflict or error); the consumer retries them. */
  readonly failedRecordIndexes: readonly number[];
}

export interface AttributionStore {
  load(request: StoreLoadRequest): Promise<StoreSnapshot>;
  commit(units: readonly UnitOfWork[]): Promise<CommitResult>;
}
