import { describe, expect, it } from 'vitest';
import { DEFAULT_QUOTAS, type MeasuredWorkload, planCapacity } from '../../src/cost/capacity.js';
import { keyClassOf } from '../../src/cost/meter.js';
import type { Usage } from '../../src/cost/model.js';

const MiB = 1024 * 1024;

/** 1,000 events, each one 1 KiB Kinesis record; nothing else used unless a test adds it. */
function measured(overrides: Partial<MeasuredWorkload> = {}, usage: Partial<Usage> = {}): MeasuredWorkload {
  return {
    usage: {
      events: 1000,
      apiRequests: 0,
      lambda: {},
      dynamodb: { readUnits: 0, writeUnits: 0, replicatedWriteUnits: 0, writtenBytes: 0, storedBytes: 0 },
      kinesis: { records: 1000, bytes: 1000 * 1024, payloadUnits: 1000, onDemandBytes: 1000 * 1024 },
      firehose: {},
      logBytes: 0,
      lakeBytes: 0,
      ...usage,
    },
    sdkEvents: 500,
    apiByRoute: {},
    dynamodbRequests: {},
    keyClasses: {},
    attributionLakeBytesPerEvent: 0,
    ...overrides,
  };
}

const check = (plan: ReturnType<typeof planCapacity>, name: string) =>
  plan.checks.find((c) => c.name === name);
const hottest = (plan: ReturnType<typeof planCapacity>, keyClass: string) =>
  plan.hottestItems.find((h) => h.keyClass === keyClass);

describe('per-region rates', () => {
  it('splits the events evenly over the regions and scales every measured count per event', () => {
    const plan = planCapacity(
      measured(
        { apiByRoute: { 'POST /v1/events': 100 }, dynamodbRequests: { Query: 300, GetItem: 200 } },
        {
          apiRequests: 100,
        },
      ),
      { eventsPerSec: 200_000, regions: 2 },
    );

    expect(plan.perRegion.eventsPerSec).toBe(100_000);
    expect(plan.perRegion.api.requestsPerSec).toBe(10_000);
    expect(plan.perRegion.api.byRoutePerSec['POST /v1/events']).toBe(10_000);
    expect(plan.perRegion.dynamodb.requestsByOperationPerSec).toEqual({ Query: 30_000, GetItem: 20_000 });
    expect(plan.perRegion.dynamodb.requestsPerSec).toBe(50_000);
  });

  it('adds the writes of every other region to a region as replicated write units', () => {
    const plan = planCapacity(
      measured(
        {},
        {
          dynamodb: {
            readUnits: 500,
            writeUnits: 4000,
            replicatedWriteUnits: 3000,
            writtenBytes: 0,
            storedBytes: 0,
          },
        },
      ),
      { eventsPerSec: 3000, regions: 3 },
    );

    // 1,000 events/s a region: 4,000 own units, 3,000 from each of the 2 others.
    expect(plan.perRegion.dynamodb.replicatedWriteUnitsPerSec).toBe(6000);
    expect(plan.perRegion.dynamodb.writeUnitsPerSec).toBe(10_000);
    expect(plan.perRegion.dynamodb.readUnitsPerSec).toBe(500);
  });
});

describe('the tenant registry', () => {
  it('counts the usage counters against the registry table, not the identity graph', () => {
    const plan = planCapacity(
      measured(
        {
          keyClasses: {
            'rate-limit counter': { writes: 100, writeUnits: 100, items: 1, hottestItemWrites: 100 },
          },
        },
        {
          dynamodb: {
            readUnits: 0,
            writeUnits: 1100,
            replicatedWriteUnits: 1100,
            writtenBytes: 0,
            storedBytes: 0,
          },
        },
      ),
      { eventsPerSec: 2000, regions: 2 },
    );

    // 1,000 events/s a region; the registry is a global table too: 100 own + 100 replicated units.
    expect(plan.perRegion.dynamodb.registryWriteUnitsPerSec).toBeCloseTo(200, 9);
    expect(plan.perRegion.dynamodb.writeUnitsPerSec).toBe(1100 + 1100 - 200);
  });
});

describe('Kinesis shards', () => {
  it('needs a shard per 1 MiB/s written when the records are bigger than 1 KiB', () => {
    const plan = planCapacity(
      measured(
        {},
        { kinesis: { records: 1000, bytes: 2 * 1000 * 1024, payloadUnits: 1000, onDemandBytes: 0 } },
      ),
      { eventsPerSec: 10_000, regions: 1 },
    );

    // 10,000 records of 2 KiB a second: 19.5 MiB/s, so 20 shards (not the 10 the record count needs).
    expect(plan.perRegion.kinesis.writeMiBPerSec).toBeCloseTo((10_000 * 2048) / MiB, 6);
    expect(plan.perRegion.kinesis.shards).toBe(20);
  });

  it('needs a shard per 1,000 records/s when the records are small', () => {
    const plan = planCapacity(
      measured({}, { kinesis: { records: 1000, bytes: 1000 * 200, payloadUnits: 1000, onDemandBytes: 0 } }),
      { eventsPerSec: 10_001, regions: 1 },
    );

    expect(plan.perRegion.kinesis.shards).toBe(11);
    expect(plan.perRegion.kinesis.perShard.recordsPerSec).toBeCloseTo(10_001 / 11, 6);
  });

  it('adds the records other regions forward to a home region to each region’s stream', () => {
    const plan = planCapacity(measured(), { eventsPerSec: 30_000, regions: 3 });

    // 10,000 ingested a region, two thirds of it forwarded out; as many forwarded in (home regions even).
    expect(plan.perRegion.kinesis.forwardedInRecordsPerSec).toBeCloseTo(20_000 / 3, 6);
    expect(plan.perRegion.kinesis.recordsPerSec).toBeCloseTo(10_000 + 20_000 / 3, 6);
    expect(plan.perRegion.kinesis.shards).toBe(17);
  });

  it('checks an on-demand stream against its throughput and a provisioned one against the shard quota', () => {
    const options = { eventsPerSec: 600_000, regions: 1 } as const;

    const onDemand = planCapacity(measured(), options);
    const provisioned = planCapacity(measured(), { ...options, streamMode: 'provisioned' });

    expect(check(onDemand, 'Kinesis on-demand records')?.exceeded).toBe(true);
    expect(check(onDemand, 'Kinesis shards')).toBeUndefined();
    expect(check(provisioned, 'Kinesis shards')).toMatchObject({ need: 600, limit: 500, exceeded: true });
  });
});

describe('consumer concurrency', () => {
  it('is shards × the parallelization factor when the consumer keeps up', () => {
    const plan = planCapacity(
      measured({}, { lambda: { consumer: { invocations: 10, billedDurationMs: 1000, memoryMb: 1024 } } }),
      { eventsPerSec: 10_000, regions: 1, parallelizationFactor: 2 },
    );

    // 1 ms a record: 10 busy executions for 10 shards.
    expect(plan.perRegion.lambda.consumerBusy).toBe(10);
    expect(plan.perRegion.lambda.consumerConcurrency).toBe(20);
    expect(plan.perRegion.lambda.consumerInvocationsPerSec).toBe(100);
  });

  it('raises the parallelization factor to what keeps up, and fails past 10 batches a shard', () => {
    const plan = planCapacity(
      measured({}, { lambda: { consumer: { invocations: 10, billedDurationMs: 11_000, memoryMb: 1024 } } }),
      { eventsPerSec: 10_000, regions: 1, parallelizationFactor: 2 },
    );

    // 11 ms a record: 110 busy executions over 10 shards.
    expect(plan.perRegion.lambda.parallelizationFactor).toBe(11);
    expect(check(plan, 'consumer parallelization factor')).toMatchObject({
      need: 11,
      limit: 10,
      exceeded: true,
    });
  });

  it('adds the API functions by Little’s law (requests/s × mean duration) to the Lambda concurrency', () => {
    const plan = planCapacity(
      measured({}, { lambda: { ingest: { invocations: 100, billedDurationMs: 5000, memoryMb: 512 } } }),
      { eventsPerSec: 20_000, regions: 1, parallelizationFactor: 1 },
    );

    // 2,000 invocations/s of 50 ms each.
    expect(plan.perRegion.lambda.apiConcurrency).toBe(100);
    expect(plan.perRegion.lambda.concurrency).toBe(100 + 20);
  });
});

describe('hottest items', () => {
  const keyClasses = {
    'counter row': { writes: 200, writeUnits: 400, items: 10, hottestItemWrites: 50 },
    'IP-hour': { writes: 50, writeUnits: 100, items: 40, hottestItemWrites: 2 },
    'signature partition': { writes: 300, writeUnits: 300, items: 250, hottestItemWrites: 3 },
    'rate-limit counter': { writes: 100, writeUnits: 100, items: 5, hottestItemWrites: 30 },
    device: { writes: 1000, writeUnits: 2000, items: 100, hottestItemWrites: 20 },
  } as const;

  it('puts the largest app’s busiest row at the workload’s own concentration unless networks are given', () => {
    const measuredShare = planCapacity(measured({ keyClasses }), {
      eventsPerSec: 100_000,
      apps: 10,
      largestAppShare: 0.2,
      counterShards: 1,
    });
    const tenNetworks = planCapacity(measured({ keyClasses }), {
      eventsPerSec: 100_000,
      apps: 10,
      largestAppShare: 0.2,
      networks: 10,
      counterShards: 1,
    });

    // 20,000 events/s of the app × 0.2 counter writes an event × a quarter on its busiest row.
    expect(hottest(measuredShare, 'counter row')).toMatchObject({
      writesPerSec: 1000,
      writeUnitsPerSec: 2000,
    });
    expect(hottest(tenNetworks, 'counter row')?.writesPerSec).toBeCloseTo(400, 9);
    expect(check(measuredShare, 'hottest counter row')).toMatchObject({ limit: 1000, exceeded: true });
    expect(check(tenNetworks, 'hottest counter row')?.exceeded).toBe(false);
  });

  it('spreads the busiest row over its shards: each shard item takes 1 / counterShards of its writes', () => {
    const options = { eventsPerSec: 100_000, apps: 10, largestAppShare: 0.2 };
    const one = planCapacity(measured({ keyClasses }), { ...options, counterShards: 1 });
    const sixteen = planCapacity(measured({ keyClasses }), { ...options, counterShards: 16 });
    const byDefault = planCapacity(measured({ keyClasses }), options);

    expect(hottest(sixteen, 'counter row')).toMatchObject({ writesPerSec: 62.5, writeUnitsPerSec: 125 });
    expect(hottest(byDefault, 'counter row')?.writesPerSec).toBeCloseTo(1000 / 64, 9);
    expect(check(one, 'hottest counter row')?.exceeded).toBe(true);
    expect(check(sixteen, 'hottest counter row')?.exceeded).toBe(false);
  });

  it('sums the writes of every region on one item (a global table applies each write everywhere)', () => {
    const one = planCapacity(measured({ keyClasses }), { eventsPerSec: 100_000, regions: 1, apps: 10 });
    const two = planCapacity(measured({ keyClasses }), { eventsPerSec: 100_000, regions: 2, apps: 10 });

    expect(hottest(two, 'counter row')?.writesPerSec).toBe(hottest(one, 'counter row')?.writesPerSec);
  });

  it('puts an app’s busiest IP on its IP-hour item and on its signature partition (every signature of the IP)', () => {
    const plan = planCapacity(measured({ keyClasses }), {
      eventsPerSec: 1_000_000,
      apps: 10,
      largestAppShare: 0.1,
      hotIpShare: 0.01,
    });

    // 100,000 events/s × 0.05 IP-hour writes × 1 %; × 0.3 signature writes × 1 %.
    expect(hottest(plan, 'IP-hour')?.writesPerSec).toBeCloseTo(50, 9);
    expect(hottest(plan, 'IP-hour')?.writeUnitsPerSec).toBeCloseTo(100, 9);
    expect(hottest(plan, 'signature partition')?.writesPerSec).toBeCloseTo(300, 9);
  });

  it('bounds a device by its own event rate and the device writes of an SDK event', () => {
    const plan = planCapacity(measured({ keyClasses }), { eventsPerSec: 1_000_000, deviceEventsPerSec: 4 });

    // 1,000 device writes over 500 SDK events: 2 writes (4 units) an event.
    expect(hottest(plan, 'device')).toMatchObject({ writesPerSec: 8, writeUnitsPerSec: 16 });
  });

  it('leaves out a key class the workload never wrote', () => {
    const plan = planCapacity(measured({ keyClasses }), { eventsPerSec: 1000 });

    expect(hottest(plan, 'quota counter')).toBeUndefined();
  });
});

describe('limits', () => {
  it('passes nothing at a small rate with the default quotas', () => {
    const plan = planCapacity(measured(), { eventsPerSec: 1000, regions: 2 });

    expect(plan.exceeded).toEqual([]);
  });

  it('names an adjustable quota that is passed and holds once it is raised', () => {
    const m = measured({}, { apiRequests: 1000 });

    const defaults = planCapacity(m, { eventsPerSec: 40_000, regions: 2 });
    const raised = planCapacity(m, {
      eventsPerSec: 40_000,
      regions: 2,
      quotas: { apiGatewayRequestsPerSec: 25_000 },
    });

    expect(defaults.exceeded.map((c) => c.name)).toContain('API Gateway requests');
    expect(check(defaults, 'API Gateway requests')).toMatchObject({
      need: 20_000,
      limit: DEFAULT_QUOTAS.apiGatewayRequestsPerSec,
      adjustable: true,
    });
    expect(check(raised, 'API Gateway requests')?.exceeded).toBe(false);
  });

  it('marks per-item limits as hard', () => {
    const plan = planCapacity(measured(), { eventsPerSec: 1000 });

    expect(plan.checks.filter((c) => c.scope === 'item').every((c) => !c.adjustable)).toBe(true);
  });

  it('refuses a largest-app share below an even split, naming the value', () => {
    expect(() => planCapacity(measured(), { eventsPerSec: 1000, apps: 4, largestAppShare: 0.1 })).toThrow(
      'largestAppShare must be at least 1 / apps (0.25) when 4 apps share the events. Received 0.1',
    );
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => planCapacity(measured(), { eventsPerSec: 0 })).toThrow(
      'eventsPerSec must be a positive number. Received 0',
    );
  });
});

describe('monthly cost', () => {
  it('prices the second put of every record forwarded to its home region', () => {
    // Only Kinesis is used, at a rate where the streams' hourly charges are negligible: with 3 regions,
    // 2 records in 3 are forwarded, so each event is 5/3 of a record.
    const per1k = (regions: number) =>
      planCapacity(measured(), { eventsPerSec: 100_000, regions }).cost.onDemand.per1k;

    expect(per1k(3) / per1k(1)).toBeCloseTo(5 / 3, 2);
  });

  it('prices a month of the rate with the cost model', () => {
    const plan = planCapacity(measured({}, { apiRequests: 1000 }), { eventsPerSec: 1000, regions: 1 });

    expect(plan.cost.monthlyEvents).toBe(1000 * 3600 * 730);
    // API Gateway alone is $3.50 per million requests, one request an event.
    expect(plan.cost.onDemand.per1k).toBeGreaterThan(0.0035);
    expect(plan.cost.onDemand.perMonth).toBeCloseTo(
      (plan.cost.onDemand.per1k * plan.cost.monthlyEvents) / 1000,
      2,
    );
  });
});

describe('key classes', () => {
  it.each([
    ['C#t#a#2026-11', '2026-11-30#net#camp', 'counter row'],
    ['H#t#a#iphour#10.0.0.1#493000', 'H', 'IP-hour'],
    ['M#t#a#sig#abc', '1700000000000#tp1', 'signature partition'],
    ['S#t#a#10.0.0.1', 'android%7C14%7Cpixel8#1700000000000#tp1', 'signature partition'],
    ['LIMIT#app#S#1700000000', 'LIMIT', 'rate-limit counter'],
    ['LIMIT#app#D#2026-11-30', 'LIMIT', 'quota counter'],
    ['LIMIT#T#acme#M#2026-11', 'LIMIT', 'quota counter'],
    ['D#t#a#dev1', 'D', 'device'],
  ])('files %s under %s', (pk, sk, keyClass) => {
    expect(keyClassOf(pk, sk)).toBe(keyClass);
  });

  it('files a device’s attribution history and a click touchpoint under no class', () => {
    expect(keyClassOf('D#t#a#dev1', 'A#1#e1')).toBeUndefined();
    expect(keyClassOf('M#t#a#click#c1', '1#tp1')).toBeUndefined();
  });
});

describe('usage counters (issue 17: leases over shards, no hot item)', () => {
  /** 1,000 events in 200 ingest requests (100 event batches) of 20 ms each; a lease a request metered. */
  const workload = (ingestMs = 20) =>
    measured(
      {
        apiByRoute: { 'POST /v1/events': 100, 'GET /v1/click/{appId}': 100 },
        dynamodbRequests: { UpdateItem: 300 },
        keyClasses: {
          'rate-limit counter': { writes: 200, writeUnits: 200, items: 2, hottestItemWrites: 120 },
          'quota counter': { writes: 100, writeUnits: 100, items: 1, hottestItemWrites: 100 },
        },
      },
      {
        apiRequests: 200,
        lambda: { ingest: { invocations: 200, billedDurationMs: 200 * ingestMs, memoryMb: 512 } },
      },
    );

  it('bounds a window by the ingest instances, not the requests, spread over 64 shards', () => {
    // 1.4 M events/s in 2 regions: the largest app sends 70,000 events/s (14,000 requests/s) into each;
    // 1.4 M × 0.2 × 20 ms / 2 = 2,800 ingest instances a region.
    const plan = planCapacity(workload(), { eventsPerSec: 1_400_000, regions: 2 });

    const rate = hottest(plan, 'rate-limit counter');
    const quota = hottest(plan, 'quota counter');
    // min(14,000 requests, 2,800 × 4 leases) / 64 shards = 175 a shard, plus 3 standard deviations.
    expect(rate?.writesPerSec).toBeCloseTo(175 + 3 * Math.sqrt(175), 6);
    // min(7,000 batches, 2,800 × 4 / 10 s) / 64 = 17.5, plus 3 standard deviations.
    expect(quota?.writesPerSec).toBeCloseTo(17.5 + 3 * Math.sqrt(17.5), 6);
    expect(check(plan, 'hottest rate-limit counter')?.exceeded).toBe(false);
    expect(check(plan, 'hottest quota counter')?.exceeded).toBe(false);
  });

  it('keeps the hottest counter item flat as the event rate grows past what the instances lease', () => {
    const at = (eventsPerSec: number) =>
      hottest(planCapacity(workload(), { eventsPerSec, regions: 2 }), 'rate-limit counter')?.writesPerSec ??
      0;

    // 10 × the events: 10 × the instances, but the requests per instance (and so per lease) grow too.
    expect(at(14_000_000) / at(1_400_000)).toBeLessThan(10);
    expect(at(14_000_000)).toBeLessThan(1000 * 10);
  });

  it('puts one region’s leases on an item: each region writes only its own items', () => {
    const one = planCapacity(workload(), { eventsPerSec: 1_400_000, regions: 1 });
    const two = planCapacity(workload(), { eventsPerSec: 1_400_000, regions: 2 });

    expect(hottest(two, 'rate-limit counter')?.writesPerSec ?? 0).toBeLessThan(
      hottest(one, 'rate-limit counter')?.writesPerSec ?? 0,
    );
  });

  it('counts every app’s leases, own and replicated, against the registry table', () => {
    // 10 apps at 1,000 events/s in one region: 200 requests/s and 100 batches/s each, on 40 instances
    // (10,000 × 0.2 × 20 ms): min(200, 40 × 4) = 160 leases/s on each app's second, min(100, 40 × 4 / 10)
    // = 16 on its day.
    const one = planCapacity(workload(), {
      eventsPerSec: 10_000,
      regions: 1,
      apps: 10,
      largestAppShare: 0.1,
    });
    const two = planCapacity(workload(), {
      eventsPerSec: 20_000,
      regions: 2,
      apps: 10,
      largestAppShare: 0.1,
    });

    expect(one.perRegion.lambda.apiConcurrency).toBeCloseTo(40, 9);
    expect(one.perRegion.dynamodb.registryWriteUnitsPerSec).toBeCloseTo(10 * (160 + 16), 6);
    // The metered workload's 3,000 counter writes a second (one per check) become the instances' leases.
    expect(one.perRegion.dynamodb.requestsByOperationPerSec.UpdateItem).toBeCloseTo(10 * (160 + 16), 6);
    // Two regions: the same own writes, and as many replicated from the other region.
    expect(two.perRegion.dynamodb.registryWriteUnitsPerSec).toBeCloseTo(2 * 10 * (160 + 16), 6);
  });
});
