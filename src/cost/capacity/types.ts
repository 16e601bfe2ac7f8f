import type { KeyClass } from '../meter.js';
import type { Usage } from '../model.js';
import type { Quotas } from '../quotas.js';

/** The capacity model's input (the metered workload, the traffic to plan for) and its plan. */

/** Writes of one key class on the cost workload. */
export interface KeyClassWrites {
  readonly writes: number;
  /** Write units of those writes (transactional writes count twice). */
  readonly writeUnits: number;
  /** Distinct items (partitions for signature partitions) written. */
  readonly items: number;
  /** Writes of the class's most written item. */
  readonly hottestItemWrites: number;
}

/** What the metered cost workload used: the model's only measured input. */
export interface MeasuredWorkload {
  /** The usage the cost model prices (its `events` are the records the API accepted). */
  readonly usage: Usage;
  /** Records of the events the SDK sends (installs, sessions, purchases), the rest are touchpoints. */
  readonly sdkEvents: number;
  /** API requests by route (`POST /v1/events`, ...). */
  readonly apiByRoute: Readonly<Record<string, number>>;
  /** DynamoDB requests by operation. */
  readonly dynamodbRequests: Readonly<Record<string, number>>;
  /** Writes by key class. */
  readonly keyClasses: Readonly<Partial<Record<KeyClass, KeyClassWrites>>>;
  /** Parquet bytes of the attributions lake table per event (sizes the report queries). */
  readonly attributionLakeBytesPerEvent: number;
}

/** The traffic to plan for. */
export interface CapacityOptions {
  readonly eventsPerSec: number;
  /** Regions sharing the traffic evenly. @default 2 */
  readonly regions?: number;
  /** Apps across tenants: each writes its own lake partitions and counter rows. @default 100 */
  readonly apps?: number;
  /** Share of all events that the largest app sends. @default the larger of 0.1 and 1 / apps */
  readonly largestAppShare?: number;
  /**
   * Ad networks of an app: its busiest counter row takes `1 / networks` of its counter writes.
   * @default the workload's own concentration (its busiest row's share of the counter writes)
   */
  readonly networks?: number;
  /** Share of an app's installs and touchpoints behind its busiest IP (a carrier NAT). @default 0.001 */
  readonly hotIpShare?: number;
  /**
   * Items each counter row is split into (`IdentityGraphOptions.counterShards`): each transaction of a
   * commit writes its rows' next shard, so a row's writes spread evenly over them.
   * @default DEFAULT_COUNTER_SHARDS (64)
   */
  readonly counterShards?: number;
  /** Events per second of the busiest single device (a bot or a replaying SDK). @default 5 */
  readonly deviceEventsPerSec?: number;
  /**
   * Stream capacity mode (lib/config/schema.ts `streamCapacity.mode`): on-demand is checked against the
   * throughput one on-demand stream scales to, provisioned against the account's shard quota.
   * @default 'onDemand'
   */
  readonly streamMode?: 'onDemand' | 'provisioned';
  /** Concurrent batches per shard (lib/config/schema.ts `processing.parallelizationFactor`). @default 2 */
  readonly parallelizationFactor?: number;
  /** Records per consumer invocation (`processing.batchSize`). @default 100 */
  readonly batchSize?: number;
  /** Firehose buffer interval (`lake.bufferIntervalSeconds`). @default 300 */
  readonly lakeBufferSeconds?: number;
  /** Firehose buffer size, MiB: a partition's object closes at this size. @default 128 */
  readonly lakeBufferMiB?: number;
  /** Quotas in force (defaults, or the raised ones). @default DEFAULT_QUOTAS */
  readonly quotas?: Partial<Quotas>;
}

/** One limit checked: a need against a quota. */
export interface LimitCheck {
  readonly name: string;
  readonly scope: 'region' | 'item';
  readonly need: number;
  readonly limit: number;
  readonly unit: string;
  readonly quota: keyof Quotas;
  readonly adjustable: boolean;
  readonly exceeded: boolean;
}

export interface RegionCapacity {
  readonly eventsPerSec: number;
  readonly api: { readonly requestsPerSec: number; readonly byRoutePerSec: Readonly<Record<string, number>> };
  readonly kinesis: {
    /** Records the region's stream takes: its own ingest plus records forwarded to it as home region. */
    readonly recordsPerSec: number;
    /** Of those, records forwarded from the other regions. */
    readonly forwardedInRecordsPerSec: number;
    readonly writeMiBPerSec: number;
    /** Shards the write rate needs (1,000 records/s and 1 MiB/s each). */
    readonly shards: number;
    /** Records/s and MiB/s each of those shards carries. */
    readonly perShard: { readonly recordsPerSec: number; readonly writeMiBPerSec: number };
  };
  readonly lambda: {
    /** Concurrent batches per shard: the configured factor, or more when the consumer needs them to keep up. */
    readonly parallelizationFactor: number;
    /** Consumer batches in flight at most: shards × parallelization factor. */
    readonly consumerConcurrency: number;
    /** Consumer invocations per second with full batches. */
    readonly consumerInvocationsPerSec: number;
    /** Concurrency the consumer is busy on average (invocations/s × duration). */
    readonly consumerBusy: number;
    /** Concurrency of the API functions (requests/s × mean duration). */
    readonly apiConcurrency: number;
    /** Consumer at its ceiling plus the API functions: what the account quota must hold. */
    readonly concurrency: number;
  };
  readonly dynamodb: {
    readonly requestsPerSec: number;
    readonly requestsByOperationPerSec: Readonly<Record<string, number>>;
    readonly readUnitsPerSec: number;
    /** The identity graph: this region's own writes plus the other regions' writes replicated into it. */
    readonly writeUnitsPerSec: number;
    readonly replicatedWriteUnitsPerSec: number;
    /** The tenant registry's usage counters (rate limit, daily quota), own and replicated. */
    readonly registryWriteUnitsPerSec: number;
  };
  readonly firehose: {
    readonly rawRecordsPerSec: number;
    readonly attributionRecordsPerSec: number;
    readonly attributionMiBPerSec: number;
    /** PutRecordBatch calls: one per consumer invocation. */
    readonly attributionRequestsPerSec: number;
  };
  readonly s3: {
    /** Lake objects delivered per second (every partition at each buffer interval, or when its buffer fills). */
    readonly objectsPerSec: number;
    /** Objects per second into the busiest prefix (the largest app's partition of one table). */
    readonly busiestPrefixPutsPerSec: number;
  };
}

export interface HotItem {
  readonly keyClass: KeyClass;
  readonly writesPerSec: number;
  readonly writeUnitsPerSec: number;
  /** How the rate was reached, in words. */
  readonly basis: string;
}

export interface CapacityPlan {
  readonly eventsPerSec: number;
  readonly regions: number;
  readonly perRegion: RegionCapacity;
  readonly hottestItems: readonly HotItem[];
  readonly checks: readonly LimitCheck[];
  readonly exceeded: readonly LimitCheck[];
  readonly cost: {
    readonly monthlyEvents: number;
    readonly onDemand: { readonly perMonth: number; readonly per1k: number };
    readonly provisioned: { readonly perMonth: number; readonly per1k: number };
  };
  readonly assumptions: Required<Omit<CapacityOptions, 'quotas' | 'networks'>> & {
    readonly networks: number | undefined;
    readonly quotas: Quotas;
  };
}

/** The options of a plan with every default applied: the plan's `assumptions`. */
export type ResolvedCapacityOptions = CapacityPlan['assumptions'];
