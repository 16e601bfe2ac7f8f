import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { LakeReplayHistory } from '../adapters/athena/replay-history.js';
import { EmbeddedAuditLog } from '../adapters/embedded/audit-log.js';
import type { EmbeddedDatabase } from '../adapters/embedded/database.js';
import { FileLakeWriter, FileSpendLake, FileTombstoneWriter } from '../adapters/embedded/file-lake.js';
import { EmbeddedIdentityGraph } from '../adapters/embedded/identity-graph.js';
import { EmbeddedLog, EmbeddedLogPublisher } from '../adapters/embedded/ordered-log.js';
import { EmbeddedPostbackStore } from '../adapters/embedded/postback-store.js';
import { EmbeddedTenantRegistry } from '../adapters/embedded/tenant-registry.js';
import { EmbeddedUsageCounters } from '../adapters/embedded/usage-counters.js';
import { shippedCountryLookup } from '../adapters/geoip/ip-location-db.js';
import { DnsHostResolver } from '../adapters/postbacks/dns-resolver.js';
import { GraphErasureCheck } from '../adapters/postbacks/erasure-check.js';
import { LocalDeliveryQueue } from '../adapters/postbacks/local-queue.js';
import { SafeHttpTransport } from '../adapters/postbacks/safe-http-transport.js';
import type { LakeQueryRunner } from '../app/ports/lake-queries.js';
import type { Logger } from '../app/ports/logger.js';
import { createPostbackDispatcher, type PostbackDispatcher } from '../app/postbacks/dispatcher.js';
import type { DestinationPolicy } from '../app/postbacks/policy.js';
import type { DeliveryMetrics } from '../app/postbacks/ports.js';
import { resumePendingDeliveries } from '../app/postbacks/resume.js';
import { createPostbackSender } from '../app/postbacks/sender.js';
import type { RuntimeConfig } from '../config/runtime.js';
import type { RetrySchedule } from '../domain/postbacks/backoff.js';
import type { AttributionStore } from '../domain/store.js';
import type { ApiServices } from '../http/services.js';
import { assembleApiServices } from './api.js';
import { attributionBatchHandler } from './consumer.js';
import { tokenVerifierFor } from './token-verifier.js';

/*
 * The embedded stack of local mode (`src/local/embedded/`): the same API services and attribution
 * consumer as the cloud, over the embedded adapters (LMDB store and registry, the ordered log, lake
 * files). The HTTP thread builds the API, the consumer worker builds the consumer, each over its own
 * handle on one embedded database.
 */

/** The ordered log (the embedded ingest stream) of an embedded database. */
export function embeddedLog(db: EmbeddedDatabase, shards: number): EmbeddedLog {
  return new EmbeddedLog({ db: db.log, checkpointDb: db.checkpoints, shards });
}

export interface EmbeddedApiOptions {
  /** Where erasure tombstones are written (the lake DuckDB reads). */
  readonly lakeDirectory: string;
  /** Shards of the log the publisher appends to (fixed once the data directory has records). */
  readonly shards: number;
  /**
   * The SQL over the lake files (DuckDB): old report ranges, the spend reports and replay read it.
   * @default none: those routes answer 503
   */
  readonly lake?: LakeQueryRunner;
  /** Postback delivery on this process: loopback receivers allowed (tests), and where deliveries count. */
  readonly postbacks?: {
    readonly allowLoopback: boolean;
    readonly metrics?: DeliveryMetrics;
    /** Back-off of failed deliveries. @default DEFAULT_RETRY_SCHEDULE (30 s doubling to 1 h, for 24 h) */
    readonly retrySchedule?: RetrySchedule;
  };
}

export interface EmbeddedApiServices {
  readonly services: ApiServices;
  /** The store the API reads (tests and benchmarks inspect it). */
  readonly graph: EmbeddedIdentityGraph;
  /** The ingest limits' counters, whose finished windows the caller sweeps (DynamoDB's TTL in the cloud). */
  readonly usageCounters: EmbeddedUsageCounters;
  /**
   * The postback dispatcher the consumer's batches go through, the in-process delivery queue, and the
   * store of destinations and delivery records (whose expired records the caller sweeps).
   */
  readonly postbacks: {
    readonly dispatch: PostbackDispatcher;
    readonly queue: LocalDeliveryQueue;
    readonly store: EmbeddedPostbackStore;
    /** Puts back on the queue what it held when the process last stopped; resolves to how many. */
    readonly resume: () => Promise<number>;
  };
}

/**
 * The API's services on the embedded stack: the registry and usage counters, the identity graph (one
 * for every tenant), the log publisher and the tombstone files, with the rest wired as in the cloud.
 * @example
 * const { services } = createEmbeddedApiServices(db, config, { lakeDirectory, shards: 2 });
 * const api = createHttpApp(services);
 */
export function createEmbeddedApiServices(
  db: EmbeddedDatabase,
  config: Pick<
    RuntimeConfig,
    | 'auth'
    | 'region'
    | 'endpoints'
    | 'reportCounterDays'
    | 'defaultSettings'
    | 'tenantLimits'
    | 'dataCenterCidrs'
  >,
  options: EmbeddedApiOptions,
): EmbeddedApiServices {
  const { lake } = options;
  const graph = new EmbeddedIdentityGraph({ db: db.graph });
  // Destinations and the delivery log in the database; the cloud's dispatcher and sender on an
  // in-process queue, which `resume` refills from the log after a restart.
  const postbackStore = new EmbeddedPostbackStore({ db: db.postbacks });
  const postbackQueue = new LocalDeliveryQueue();
  const postbackPolicy: DestinationPolicy = {
    allowLoopback: options.postbacks?.allowLoopback ?? false,
    requireHttps: false,
  };
  const dispatch = createPostbackDispatcher({
    configs: postbackStore,
    log: postbackStore,
    queue: postbackQueue,
    now: Date.now,
  });
  postbackQueue.start(
    createPostbackSender({
      log: postbackStore,
      configs: postbackStore,
      transport: new SafeHttpTransport(postbackPolicy),
      erasure: new GraphErasureCheck(() => graph),
      deadLetters: postbackQueue,
      ...(options.postbacks?.metrics ? { metrics: options.postbacks.metrics } : {}),
      ...(options.postbacks?.retrySchedule ? { schedule: options.postbacks.retrySchedule } : {}),
    }),
  );
  const resume = () =>
    resumePendingDeliveries({ pending: postbackStore, queue: postbackQueue, now: Date.now });
  const usageCounters = new EmbeddedUsageCounters({ db: db.registry });
  const services = assembleApiServices(config, {
    verifyToken: tokenVerifierFor(config),
    registry: new EmbeddedTenantRegistry({ db: db.registry }),
    graphFor: () => graph,
    publisher: new EmbeddedLogPublisher(embeddedLog(db, options.shards)),
    tombstones: new FileTombstoneWriter(options.lakeDirectory),
    usageCounters,
    countries: shippedCountryLookup(),
    spendLake: new FileSpendLake(options.lakeDirectory),
    auditLog: new EmbeddedAuditLog({ db: db.registry }),
    postbacks: {
      configs: postbackStore,
      log: postbackStore,
      queue: postbackQueue,
      resolver: new DnsHostResolver(),
      policy: postbackPolicy,
    },
    ...(Object.keys(config.tenantLimits).length > 0 ? { tenantLimits: config.tenantLimits } : {}),
    ...(lake
      ? {
          lakeQueries: lake,
          reportLake: () => lake,
          replay: { history: new LakeReplayHistory(() => lake), dataCenterCidrs: config.dataCenterCidrs },
        }
      : {}),
  });
  return {
    services,
    graph,
    usageCounters,
    postbacks: { dispatch, queue: postbackQueue, store: postbackStore, resume },
  };
}

/** The steps of the embedded consumer a caller may time. */
export type EmbeddedConsumerStep = 'loadMs' | 'commitMs' | 'lakeMs';

export interface EmbeddedConsumerOptions {
  /** Where the lake files (and quarantined records) are written. */
  readonly lakeDirectory: string;
  /** Platform defaults under each app's own settings (`UNMOGROWP_DEFAULT_SETTINGS`). */
  readonly defaultSettings: RuntimeConfig['defaultSettings'];
  /** Ranges the fraud rule treats as data centers. */
  readonly dataCenterCidrs: RuntimeConfig['dataCenterCidrs'];
  /** @default no logging */
  readonly logger?: Logger;
  /** Runs every store read, store commit and lake write, to time it. @default runs it as is */
  readonly timed?: <T>(step: EmbeddedConsumerStep, work: () => Promise<T>) => Promise<T>;
  /**
   * Waits this long after every commit (the crash test's hook: a `kill -9` lands between a batch's
   * commit and its checkpoint). @default 0
   */
  readonly commitPauseMs?: number;
  /** Turns committed decisions and credited events into postback jobs. @default none */
  readonly postbacks?: PostbackDispatcher;
}

export interface EmbeddedConsumer {
  /** The attribution consumer, called with Kinesis-shaped batches of the log. */
  readonly consume: (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;
  /** The store it writes, whose expired items the caller sweeps (DynamoDB's TTL in the cloud). */
  readonly graph: EmbeddedIdentityGraph;
}

/**
 * The attribution consumer on the embedded stack: the cloud's use case and engine over the embedded
 * identity graph, app settings from the embedded registry, raw and attribution rows to lake files.
 * @example
 * const { consume } = createEmbeddedConsumer(db, { lakeDirectory, defaultSettings: {}, dataCenterCidrs: [] });
 */
export function createEmbeddedConsumer(
  db: EmbeddedDatabase,
  options: EmbeddedConsumerOptions,
): EmbeddedConsumer {
  const timed = options.timed ?? ((_step, work) => work());
  const commitPauseMs = options.commitPauseMs ?? 0;
  const graph = new EmbeddedIdentityGraph({ db: db.graph });
  const store: AttributionStore = {
    load: (request) => timed('loadMs', () => graph.load(request)),
    commit: async (units) => {
      const result = await timed('commitMs', () => graph.commit(units));
      if (commitPauseMs > 0) await new Promise((r) => setTimeout(r, commitPauseMs));
      return result;
    },
  };
  const lake = new FileLakeWriter(options.lakeDirectory);
  const consume = attributionBatchHandler(options, {
    storeFor: () => store,
    registry: new EmbeddedTenantRegistry({ db: db.registry }),
    lake: { write: (batchId, rows) => timed('lakeMs', () => lake.write(batchId, rows)) },
    quarantine: (key, body) => lake.quarantine(key, body),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.postbacks ? { postbacks: options.postbacks } : {}),
  });
  return { consume, graph };
}
