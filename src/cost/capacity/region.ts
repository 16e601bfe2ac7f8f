import type { CounterLeases } from './counter-leases.js';
import { homeRegionForwarding, MiB, type RegionScale, sum } from './scale.js';
import type { RegionCapacity } from './types.js';

/** One region's needs, service by service: each step reads the metered workload at the region's rate. */

export function sizeApi(scale: RegionScale): RegionCapacity['api'] {
  return {
    requestsPerSec: scale.perSec(scale.measured.usage.apiRequests),
    byRoutePerSec: Object.fromEntries(
      Object.entries(scale.measured.apiByRoute).map(([route, n]) => [route, scale.perSec(n)]),
    ),
  };
}

export function sizeKinesis(scale: RegionScale): RegionCapacity['kinesis'] {
  const { kinesis } = scale.measured.usage;
  const { quotas } = scale.options;
  const { forwardedInEventsPerSec, streamShare } = homeRegionForwarding(scale);
  const recordsPerSec = scale.eventsPerSec * streamShare * scale.perEvent(kinesis.records);
  const writeMiBPerSec = (scale.eventsPerSec * streamShare * scale.perEvent(kinesis.bytes)) / MiB;
  const shards = Math.max(
    1,
    Math.ceil(recordsPerSec / quotas.kinesisShardRecordsPerSec),
    Math.ceil(writeMiBPerSec / quotas.kinesisShardWriteMiBPerSec),
  );
  return {
    recordsPerSec,
    forwardedInRecordsPerSec: forwardedInEventsPerSec * scale.perEvent(kinesis.records),
    writeMiBPerSec,
    shards,
    perShard: { recordsPerSec: recordsPerSec / shards, writeMiBPerSec: writeMiBPerSec / shards },
  };
}

export function sizeLambda(scale: RegionScale, kinesis: RegionCapacity['kinesis']): RegionCapacity['lambda'] {
  const u = scale.measured.usage;
  const consumer = u.lambda.consumer;
  const consumedRecords = u.kinesis.records;
  // Consumer time per record: measured billed time over the records it consumed.
  const consumerMsPerRecord =
    consumer && consumedRecords > 0 ? consumer.billedDurationMs / consumedRecords : 0;
  const consumerInvocationsPerSec = kinesis.recordsPerSec / scale.options.batchSize;
  const consumerBusy = (kinesis.recordsPerSec * consumerMsPerRecord) / 1000;
  // Batches a shard must run at once to keep up; the configured factor is raised to it when short.
  const parallelizationFactor = Math.max(
    scale.options.parallelizationFactor,
    Math.ceil(consumerBusy / kinesis.shards),
  );
  const consumerConcurrency = kinesis.shards * parallelizationFactor;
  let apiConcurrency = 0;
  for (const [name, f] of Object.entries(u.lambda)) {
    if (name === 'consumer' || f.invocations === 0) continue;
    apiConcurrency += (scale.perSec(f.invocations) * (f.billedDurationMs / f.invocations)) / 1000;
  }
  return {
    parallelizationFactor,
    consumerConcurrency,
    consumerInvocationsPerSec,
    consumerBusy,
    apiConcurrency,
    concurrency: consumerConcurrency + apiConcurrency,
  };
}

export function sizeDynamoDb(scale: RegionScale, leases: CounterLeases): RegionCapacity['dynamodb'] {
  const { usage, dynamodbRequests } = scale.measured;
  const requestsByOperationPerSec = Object.fromEntries(
    Object.entries(dynamodbRequests).map(([op, n]) => [op, scale.perSec(n)]),
  );
  const updateItemsPerSec = leases.updateItemsPerSec(requestsByOperationPerSec.UpdateItem);
  if (updateItemsPerSec !== undefined) requestsByOperationPerSec.UpdateItem = updateItemsPerSec;
  const replicatedWriteUnitsPerSec =
    (scale.options.regions - 1) * scale.eventsPerSec * scale.perEvent(usage.dynamodb.replicatedWriteUnits);
  return {
    requestsPerSec: sum(Object.values(requestsByOperationPerSec)),
    requestsByOperationPerSec,
    readUnitsPerSec: scale.perSec(usage.dynamodb.readUnits),
    writeUnitsPerSec:
      scale.perSec(usage.dynamodb.writeUnits) +
      replicatedWriteUnitsPerSec -
      leases.meteredRegistryWriteUnitsPerSec,
    replicatedWriteUnitsPerSec,
    registryWriteUnitsPerSec: leases.registryWriteUnitsPerSec,
  };
}

const NO_DELIVERY = { records: 0, bytes: 0, billedBytes: 0 };

export function sizeFirehose(
  scale: RegionScale,
  lambda: RegionCapacity['lambda'],
): RegionCapacity['firehose'] {
  const { firehose } = scale.measured.usage;
  const attributions = firehose.attributions ?? NO_DELIVERY;
  const attributionRecordsPerSec = scale.perSec(attributions.records);
  return {
    // The lake is regional: the raw stream's Firehose keeps the region's own ingest.
    rawRecordsPerSec: scale.perSec(firehose.raw?.records ?? 0),
    attributionRecordsPerSec,
    attributionMiBPerSec: scale.perSec(attributions.bytes) / MiB,
    attributionRequestsPerSec: attributionRecordsPerSec > 0 ? lambda.consumerInvocationsPerSec : 0,
  };
}

export function sizeS3(scale: RegionScale): RegionCapacity['s3'] {
  const { firehose } = scale.measured.usage;
  const { apps, largestAppShare, lakeBufferSeconds, lakeBufferMiB } = scale.options;
  const attributions = firehose.attributions ?? NO_DELIVERY;
  const lakeMiBPerSec = scale.perSec((firehose.raw?.bytes ?? 0) + attributions.bytes) / MiB;
  return {
    // Every app's partition of each of the three lake tables closes an object per buffer interval.
    objectsPerSec: Math.max((apps * 3) / lakeBufferSeconds, lakeMiBPerSec / lakeBufferMiB),
    busiestPrefixPutsPerSec: Math.max(
      1 / lakeBufferSeconds,
      (largestAppShare * lakeMiBPerSec) / lakeBufferMiB,
    ),
  };
}

/** Everything one region needs, service by service. */
export function sizeRegion(scale: RegionScale, leases: CounterLeases): RegionCapacity {
  const kinesis = sizeKinesis(scale);
  const lambda = sizeLambda(scale, kinesis);
  return {
    eventsPerSec: scale.eventsPerSec,
    api: sizeApi(scale),
    kinesis,
    lambda,
    dynamodb: sizeDynamoDb(scale, leases),
    firehose: sizeFirehose(scale, lambda),
    s3: sizeS3(scale),
  };
}
