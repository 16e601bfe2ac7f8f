import { DEFAULT_COUNTER_SHARDS } from '../adapters/dynamodb/identity-graph/layout.js';
import { USAGE_COUNTER_LEASES } from '../app/ports/usage-counters.js';
import { deploymentFor, resolveAssumptions } from './deployment.js';
import type { KeyClass } from './meter.js';
import { type CostEstimate, estimateCost, HOURS_PER_MONTH, type Usage } from './model.js';
import { ADJUSTABLE_QUOTAS, DEFAULT_QUOTAS, type Quotas } from './quotas.js';
import { type LeaseLoad, leaseLoad } from './usage-counter-load.js';

export { ADJUSTABLE_QUOTAS, DEFAULT_QUOTAS, type Quotas } from './quotas.js';

/**
 * The capacity model: what a sustained event rate needs in each region, and which service quota or
 * per-item limit it would pass. Pure arithmetic on the request counts `UsageMeter` measured on the cost
 * workload (the same counts the cost model prices), scaled from per-event rates to events per second.
 *
 * Per region: each region ingests `1 / regions` of the events (latency routing), forwards the records of
 * tenants homed elsewhere to their home region's stream and takes as many from the others (tenants' home
 * regions spread evenly, so each region writes the identity graph for `1 / regions` of the events), and
 * receives every other region's writes to the global table as replicated writes. Per item: a global table applies every
 * write to an item in every region, so an item's write rate is its rate across all regions.
 * Method and the quota increases for 1.4 M events/s: docs/capacity.md.
 */

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

const MiB = 1024 * 1024;
const sum = (values: Iterable<number>) => {
  let n = 0;
  for (const v of values) n += v;
  return n;
};
const positive = (name: string, value: number) => {
  if (!(Number.isFinite(value) && value > 0))
    throw new RangeError(`${name} must be a positive number. Received ${value}`);
};
const share = (name: string, value: number) => {
  if (!(value > 0 && value <= 1)) throw new RangeError(`${name} must be in (0, 1]. Received ${value}`);
};

/**
 * Plans the capacity of a sustained event rate from a metered workload.
 * @example
 * const plan = planCapacity(measured, { eventsPerSec: 1_400_000, regions: 2 });
 * plan.perRegion.kinesis.shards; // shards each region's stream needs
 * plan.exceeded; // the quotas and limits the rate would pass
 */
export function planCapacity(measured: MeasuredWorkload, options: CapacityOptions): CapacityPlan {
  const u = measured.usage;
  positive('usage.events', u.events);
  positive('eventsPerSec', options.eventsPerSec);
  const regions = options.regions ?? 2;
  const apps = options.apps ?? 100;
  if (!Number.isInteger(regions) || regions < 1)
    throw new RangeError(`regions must be a whole number of at least 1. Received ${regions}`);
  if (!Number.isInteger(apps) || apps < 1)
    throw new RangeError(`apps must be a whole number of at least 1. Received ${apps}`);
  const largestAppShare = options.largestAppShare ?? Math.max(0.1, 1 / apps);
  share('largestAppShare', largestAppShare);
  if (largestAppShare < 1 / apps)
    throw new RangeError(
      `largestAppShare must be at least 1 / apps (${1 / apps}) when ${apps} apps share the events. Received ${largestAppShare}`,
    );
  const hotIpShare = options.hotIpShare ?? 0.001;
  share('hotIpShare', hotIpShare);
  const counterShards = options.counterShards ?? DEFAULT_COUNTER_SHARDS;
  positive('counterShards', counterShards);
  const deviceEventsPerSec = options.deviceEventsPerSec ?? 5;
  positive('deviceEventsPerSec', deviceEventsPerSec);
  const streamMode = options.streamMode ?? 'onDemand';
  const parallelizationFactor = options.parallelizationFactor ?? 2;
  const batchSize = options.batchSize ?? 100;
  positive('batchSize', batchSize);
  const lakeBufferSeconds = options.lakeBufferSeconds ?? 300;
  const lakeBufferMiB = options.lakeBufferMiB ?? 128;
  if (options.networks !== undefined) positive('networks', options.networks);
  const quotas: Quotas = { ...DEFAULT_QUOTAS, ...options.quotas };

  const total = options.eventsPerSec;
  const E = total / regions;
  /** A measured count, per event. */
  const perEvent = (n: number) => n / u.events;

  // ---------------------------------------------------------------- per region
  const byRoutePerSec = Object.fromEntries(
    Object.entries(measured.apiByRoute).map(([route, n]) => [route, E * perEvent(n)]),
  );
  const apiRequestsPerSec = E * perEvent(u.apiRequests);

  // Home-region write model: a region forwards the records of tenants homed elsewhere ((R - 1) / R of
  // its ingest, tenants spread evenly) to their home region's stream, and receives as many in return.
  const forwardedIn = (E * (regions - 1)) / regions;
  const streamShare = (E + forwardedIn) / E;
  const recordsPerSec = E * streamShare * perEvent(u.kinesis.records);
  const writeMiBPerSec = (E * streamShare * perEvent(u.kinesis.bytes)) / MiB;
  const shards = Math.max(
    1,
    Math.ceil(recordsPerSec / quotas.kinesisShardRecordsPerSec),
    Math.ceil(writeMiBPerSec / quotas.kinesisShardWriteMiBPerSec),
  );

  const consumer = u.lambda.consumer;
  const consumedRecords = u.kinesis.records;
  // Consumer time per record: measured billed time over the records it consumed.
  const consumerMsPerRecord =
    consumer && consumedRecords > 0 ? consumer.billedDurationMs / consumedRecords : 0;
  const consumerInvocationsPerSec = recordsPerSec / batchSize;
  const consumerBusy = (recordsPerSec * consumerMsPerRecord) / 1000;
  // Batches a shard must run at once to keep up; the configured factor is raised to it when short.
  const neededParallelization = Math.max(parallelizationFactor, Math.ceil(consumerBusy / shards));
  const consumerConcurrency = shards * neededParallelization;
  let apiConcurrency = 0;
  for (const [name, f] of Object.entries(u.lambda)) {
    if (name === 'consumer' || f.invocations === 0) continue;
    apiConcurrency += (E * perEvent(f.invocations) * (f.billedDurationMs / f.invocations)) / 1000;
  }

  const requestsByOperationPerSec = Object.fromEntries(
    Object.entries(measured.dynamodbRequests).map(([op, n]) => [op, E * perEvent(n)]),
  );
  const replicatedWriteUnitsPerSec = (regions - 1) * E * perEvent(u.dynamodb.replicatedWriteUnits);
  // The usage counters live in the tenant registry, a table (and table quota) of their own. The ingest
  // limits lease from them (src/http/limits.ts): a window's writes are bounded by the ingest instances
  // (Little's law on the metered ingest function), not by its requests; see usage-counter-load.ts.
  const ingestFn = u.lambda.ingest;
  const ingestInstances =
    ingestFn && ingestFn.invocations > 0
      ? Math.max(
          1,
          (E * perEvent(ingestFn.invocations) * (ingestFn.billedDurationMs / ingestFn.invocations)) / 1000,
        )
      : Number.POSITIVE_INFINITY;
  const rateCounter = measured.keyClasses['rate-limit counter'];
  const quotaCounter = measured.keyClasses['quota counter'];
  // Checks per event: every ingest request against the rate limit, every event batch against the quota.
  const rateChecksPerEvent = rateCounter ? perEvent(ingestFn?.invocations ?? rateCounter.writes) : 0;
  const quotaChecksPerEvent = quotaCounter
    ? perEvent(measured.apiByRoute['POST /v1/events'] ?? quotaCounter.writes)
    : 0;
  const unitsPerWrite = (c: KeyClassWrites | undefined) => (c && c.writes > 0 ? c.writeUnits / c.writes : 1);
  const limitLoad = (appEventsPerSec: number): { rate: LeaseLoad; quota: LeaseLoad } => ({
    rate: leaseLoad(
      appEventsPerSec * rateChecksPerEvent,
      ingestInstances,
      USAGE_COUNTER_LEASES.shortLeaseSeconds,
    ),
    quota: leaseLoad(
      appEventsPerSec * quotaChecksPerEvent,
      ingestInstances,
      USAGE_COUNTER_LEASES.longLeaseSeconds,
    ),
  });
  const largestApp = limitLoad((total * largestAppShare) / regions);
  const otherApps = apps > 1 ? limitLoad((total * (1 - largestAppShare)) / regions / (apps - 1)) : undefined;
  const limitWriteUnits = (load: { rate: LeaseLoad; quota: LeaseLoad }) =>
    load.rate.writesPerSec * unitsPerWrite(rateCounter) +
    load.quota.writesPerSec * unitsPerWrite(quotaCounter);
  // Each region writes its own items; the global table replicates them into every other region.
  const registryWriteUnitsPerSec =
    regions * (limitWriteUnits(largestApp) + (otherApps ? (apps - 1) * limitWriteUnits(otherApps) : 0));
  // What the metered workload wrote to the counters, own and replicated (the rest is the identity graph).
  const meteredRegistryWriteUnitsPerSec =
    regions * E * perEvent((rateCounter?.writeUnits ?? 0) + (quotaCounter?.writeUnits ?? 0));
  // The region's UpdateItem requests: the metered workload's (one instance) counter writes replaced by
  // the leases of the region's instances.
  const leaseWrites = (load: { rate: LeaseLoad; quota: LeaseLoad }) =>
    load.rate.writesPerSec + load.quota.writesPerSec;
  if (rateCounter || quotaCounter)
    requestsByOperationPerSec.UpdateItem = Math.max(
      0,
      (requestsByOperationPerSec.UpdateItem ?? 0) -
        E * perEvent((rateCounter?.writes ?? 0) + (quotaCounter?.writes ?? 0)) +
        leaseWrites(largestApp) +
        (otherApps ? (apps - 1) * leaseWrites(otherApps) : 0),
    );

  const attributions = u.firehose.attributions ?? { records: 0, bytes: 0, billedBytes: 0 };
  const attributionRecordsPerSec = E * perEvent(attributions.records);
  const lakeMiBPerSec = (E * perEvent((u.firehose.raw?.bytes ?? 0) + attributions.bytes)) / MiB;
  // Every app's partition of each of the three lake tables closes an object per buffer interval.
  const objectsPerSec = Math.max((apps * 3) / lakeBufferSeconds, lakeMiBPerSec / lakeBufferMiB);
  const busiestPrefixPutsPerSec = Math.max(
    1 / lakeBufferSeconds,
    (largestAppShare * lakeMiBPerSec) / lakeBufferMiB,
  );

  const perRegion: RegionCapacity = {
    eventsPerSec: E,
    api: { requestsPerSec: apiRequestsPerSec, byRoutePerSec },
    kinesis: {
      recordsPerSec,
      forwardedInRecordsPerSec: forwardedIn * perEvent(u.kinesis.records),
      writeMiBPerSec,
      shards,
      perShard: { recordsPerSec: recordsPerSec / shards, writeMiBPerSec: writeMiBPerSec / shards },
    },
    lambda: {
      parallelizationFactor: neededParallelization,
      consumerConcurrency,
      consumerInvocationsPerSec,
      consumerBusy,
      apiConcurrency,
      concurrency: consumerConcurrency + apiConcurrency,
    },
    dynamodb: {
      requestsPerSec: sum(Object.values(requestsByOperationPerSec)),
      requestsByOperationPerSec,
      readUnitsPerSec: E * perEvent(u.dynamodb.readUnits),
      writeUnitsPerSec:
        E * perEvent(u.dynamodb.writeUnits) + replicatedWriteUnitsPerSec - meteredRegistryWriteUnitsPerSec,
      replicatedWriteUnitsPerSec,
      registryWriteUnitsPerSec,
    },
    firehose: {
      // The lake is regional: the raw stream's Firehose keeps the region's own ingest.
      rawRecordsPerSec: E * perEvent(u.firehose.raw?.records ?? 0),
      attributionRecordsPerSec,
      attributionMiBPerSec: (E * perEvent(attributions.bytes)) / MiB,
      attributionRequestsPerSec: attributionRecordsPerSec > 0 ? consumerInvocationsPerSec : 0,
    },
    s3: { objectsPerSec, busiestPrefixPutsPerSec },
  };

  // ---------------------------------------------------------------- hottest items (all regions)
  const appPerSec = total * largestAppShare;
  const hottestItems: HotItem[] = [];
  const hot = (keyClass: KeyClass, writesPerSec: number, basis: string) => {
    const c = measured.keyClasses[keyClass];
    if (!c || c.writes <= 0) return;
    hottestItems.push({
      keyClass,
      writesPerSec,
      writeUnitsPerSec: writesPerSec * (c.writeUnits / c.writes),
      basis,
    });
  };
  const classPerEvent = (k: KeyClass) => perEvent(measured.keyClasses[k]?.writes ?? 0);
  const counter = measured.keyClasses['counter row'];
  const rowShare =
    options.networks !== undefined
      ? 1 / options.networks
      : counter && counter.writes > 0
        ? counter.hottestItemWrites / counter.writes
        : 1;
  // The meter counts a row's writes over all its shards (one write per row per transaction); each
  // transaction of a commit takes the next shard, so a row's writes spread evenly over its shards.
  hot(
    'counter row',
    (appPerSec * classPerEvent('counter row') * rowShare) / counterShards,
    `largest app (${pct(largestAppShare)} of events) × its busiest row (${pct(rowShare)} of its counter writes) / ${counterShards} shards`,
  );
  hot(
    'IP-hour',
    appPerSec * classPerEvent('IP-hour') * hotIpShare,
    `largest app × its busiest IP (${pct(hotIpShare)} of its installs)`,
  );
  // One partition per app and IP holds every signature of that IP.
  hot(
    'signature partition',
    appPerSec * classPerEvent('signature partition') * hotIpShare,
    `largest app × its busiest IP (${pct(hotIpShare)} of its touchpoints, every signature)`,
  );
  // Usage counters: each region writes only its own items, so an item's rate is one region's leases.
  const instancesText = Number.isFinite(ingestInstances)
    ? `${Math.round(ingestInstances)} ingest instances`
    : 'one lease a check';
  const hotCounter = (keyClass: KeyClass, load: LeaseLoad, basis: string) => {
    const c = measured.keyClasses[keyClass];
    if (!c || c.writes <= 0) return;
    hottestItems.push({
      keyClass,
      writesPerSec: load.hottestItemWritesPerSec,
      writeUnitsPerSec: load.hottestItemWritesPerSec * unitsPerWrite(c),
      basis,
    });
  };
  hotCounter(
    'rate-limit counter',
    largestApp.rate,
    `largest app's ingest requests in one region, leased by ${instancesText} over ${USAGE_COUNTER_LEASES.shards} shards (${Math.round(largestApp.rate.writesPerSec)} leases/s a window)`,
  );
  hotCounter(
    'quota counter',
    largestApp.quota,
    `largest app's event batches in one region, ${USAGE_COUNTER_LEASES.longLeaseSeconds} s leases by ${instancesText} over ${USAGE_COUNTER_LEASES.shards} shards (${Math.round(largestApp.quota.writesPerSec)} leases/s)`,
  );
  const device = measured.keyClasses.device;
  hot(
    'device',
    device && measured.sdkEvents > 0 ? deviceEventsPerSec * (device.writes / measured.sdkEvents) : 0,
    `one device sending ${deviceEventsPerSec} events/s`,
  );

  // ---------------------------------------------------------------- checks
  const checks: LimitCheck[] = [];
  const check = (name: string, scope: LimitCheck['scope'], need: number, quota: keyof Quotas, unit: string) =>
    checks.push({
      name,
      scope,
      need,
      limit: quotas[quota],
      unit,
      quota,
      adjustable: ADJUSTABLE_QUOTAS.has(quota),
      exceeded: need > quotas[quota],
    });
  check('API Gateway requests', 'region', apiRequestsPerSec, 'apiGatewayRequestsPerSec', 'requests/s');
  if (streamMode === 'provisioned')
    check('Kinesis shards', 'region', shards, 'kinesisShardsPerRegion', 'shards');
  else {
    check('Kinesis on-demand write', 'region', writeMiBPerSec, 'kinesisOnDemandWriteMiBPerSec', 'MiB/s');
    check('Kinesis on-demand records', 'region', recordsPerSec, 'kinesisOnDemandRecordsPerSec', 'records/s');
  }
  check(
    'consumer parallelization factor',
    'region',
    neededParallelization,
    'maxParallelizationFactor',
    'batches/shard',
  );
  check(
    'Lambda concurrency',
    'region',
    consumerConcurrency + apiConcurrency,
    'lambdaConcurrency',
    'executions',
  );
  check(
    'DynamoDB registry table writes',
    'region',
    registryWriteUnitsPerSec,
    'dynamodbTableWriteUnitsPerSec',
    'WRU/s',
  );
  check(
    'DynamoDB identity graph writes',
    'region',
    perRegion.dynamodb.writeUnitsPerSec,
    'dynamodbTableWriteUnitsPerSec',
    'WRU/s',
  );
  check(
    'DynamoDB table reads (both tables)',
    'region',
    perRegion.dynamodb.readUnitsPerSec,
    'dynamodbTableReadUnitsPerSec',
    'RRU/s',
  );
  check(
    'Firehose attribution records',
    'region',
    attributionRecordsPerSec,
    'firehoseRecordsPerSec',
    'records/s',
  );
  check(
    'Firehose attribution requests',
    'region',
    perRegion.firehose.attributionRequestsPerSec,
    'firehoseRequestsPerSec',
    'requests/s',
  );
  check(
    'Firehose attribution bytes',
    'region',
    perRegion.firehose.attributionMiBPerSec,
    'firehoseMiBPerSec',
    'MiB/s',
  );
  check(
    'S3 PUTs into the busiest prefix',
    'region',
    busiestPrefixPutsPerSec,
    's3PutsPerSecPerPrefix',
    'PUT/s',
  );
  for (const h of hottestItems)
    check(`hottest ${h.keyClass}`, 'item', h.writeUnitsPerSec, 'dynamodbItemWriteUnitsPerSec', 'WCU/s');

  // ---------------------------------------------------------------- cost
  const monthlyEvents = total * 3600 * HOURS_PER_MONTH;
  const assumptions = resolveAssumptions({
    monthlyEvents,
    regions,
    apps,
    shardsPerRegion: shards,
    lakeBufferSeconds,
  });
  // A record of a tenant homed in another region is put (and read) a second time, on its home region's
  // stream: the metered workload (one region) put each record once.
  const platformUsage: Usage = {
    ...u,
    kinesis: {
      records: u.kinesis.records * streamShare,
      bytes: u.kinesis.bytes * streamShare,
      payloadUnits: u.kinesis.payloadUnits * streamShare,
      onDemandBytes: u.kinesis.onDemandBytes * streamShare,
    },
  };
  const price = (mode: 'onDemand' | 'provisioned') => {
    const e: CostEstimate = estimateCost(
      platformUsage,
      deploymentFor(mode, measured.attributionLakeBytesPerEvent, assumptions),
    );
    return { perMonth: e.totalPerMonth, per1k: e.totalPer1k };
  };

  return {
    eventsPerSec: total,
    regions,
    perRegion,
    hottestItems,
    checks,
    exceeded: checks.filter((c) => c.exceeded),
    cost: { monthlyEvents, onDemand: price('onDemand'), provisioned: price('provisioned') },
    assumptions: {
      eventsPerSec: total,
      regions,
      apps,
      largestAppShare,
      networks: options.networks,
      hotIpShare,
      counterShards,
      deviceEventsPerSec,
      streamMode,
      parallelizationFactor,
      batchSize,
      lakeBufferSeconds,
      lakeBufferMiB,
      quotas,
    },
  };
}

function pct(n: number): string {
  return `${Number((n * 100).toPrecision(3))} %`;
}
