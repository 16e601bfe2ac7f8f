import { describe, expect, it } from 'vitest';
import {
  athenaBilledBytes,
  biggestLine,
  type Deployment,
  estimateCost,
  firehoseBilledBytes,
  gbSeconds,
  kinesisOnDemandBytes,
  kinesisPayloadUnits,
  reportQueryLoad,
  type Usage,
} from '../../src/cost/model.js';
import { PRICES } from '../../src/cost/prices.js';

const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;

/** Nothing used: each test adds only what it prices. */
function usage(overrides: Partial<Usage> = {}): Usage {
  return {
    events: 1000,
    apiRequests: 0,
    lambda: {},
    dynamodb: { readUnits: 0, writeUnits: 0, replicatedWriteUnits: 0, writtenBytes: 0, storedBytes: 0 },
    kinesis: { records: 0, bytes: 0, payloadUnits: 0, onDemandBytes: 0 },
    firehose: {},
    logBytes: 0,
    lakeBytes: 0,
    ...overrides,
  };
}

/** No monthly costs at all, one region. */
function deployment(overrides: Partial<Deployment> = {}): Deployment {
  return {
    monthlyEvents: 1_000_000,
    regions: 1,
    kinesisMode: 'provisioned',
    shardsPerRegion: 0,
    streamReaders: 2,
    wafRules: 0,
    kmsKeysPerRegion: 0,
    customMetricsPerRegion: 0,
    lakeObjectsPerMonth: 0,
    getsPerObjectRead: 2,
    athenaQueries: [],
    dashboards: 0,
    alarmsPerRegion: 0,
    traceReservoirPerSecond: 0,
    traceSampledShare: 0,
    ...overrides,
  };
}

const line = (estimate: ReturnType<typeof estimateCost>, item: string) =>
  estimate.lines.find((l) => l.item === item)?.usdPer1k;

describe('billing granularities', () => {
  it('bills a 26 KB Kinesis record as 2 PUT payload units, a 25 KB one as 1, an empty one as 1', () => {
    expect(kinesisPayloadUnits(26 * KB)).toBe(2);
    expect(kinesisPayloadUnits(25 * KB)).toBe(1);
    expect(kinesisPayloadUnits(0)).toBe(1);
  });

  it('rounds a Kinesis on-demand record of 1,025 bytes up to 2 KB', () => {
    expect(kinesisOnDemandBytes(1025)).toBe(2 * KB);
    expect(kinesisOnDemandBytes(300)).toBe(KB);
  });

  it('bills a 1 KB Firehose record as 5 KB and a 12 KB one as 15 KB', () => {
    expect(firehoseBilledBytes(KB)).toBe(5 * KB);
    expect(firehoseBilledBytes(12 * KB)).toBe(15 * KB);
  });

  it('bills a 1 MB Athena scan as the 10 MB minimum, and 10.5 MB as 11 MB', () => {
    expect(athenaBilledBytes(MB)).toBe(10 * MB);
    expect(athenaBilledBytes(10.5 * MB)).toBe(11 * MB);
  });

  it('counts 2,000 ms at 512 MB as 1 GB-second', () => {
    expect(gbSeconds(2000, 512)).toBe(1);
  });
});

describe('cost per 1,000 events', () => {
  it('prices one API request per event at $3.50 per million: $0.0035 per 1,000, WAF $0.0006', () => {
    const estimate = estimateCost(usage({ apiRequests: 1000 }), deployment());
    expect(line(estimate, 'REST API requests')).toBeCloseTo(0.0035, 10);
    expect(line(estimate, 'requests inspected')).toBeCloseTo(0.0006, 10);
    // Plus the web ACL's $5 a month over 1 million events.
    expect(line(estimate, 'web ACLs and rules')).toBeCloseTo(0.005, 10);
    expect(estimate.totalPer1k).toBeCloseTo(0.0091, 10);
  });

  it('scales a workload of 500 events to 1,000: 1 request per 500 events is $0.000007', () => {
    const estimate = estimateCost(usage({ events: 500, apiRequests: 1 }), deployment());
    expect(line(estimate, 'REST API requests')).toBeCloseTo(2 * 3.5e-6, 12);
  });

  it('prices Lambda: 1,000 invocations of 100 ms at 1,024 MB = 100 GB-s = $0.00133334 + $0.0002', () => {
    const estimate = estimateCost(
      usage({ lambda: { consumer: { invocations: 1000, billedDurationMs: 100_000, memoryMb: 1024 } } }),
      deployment(),
    );
    expect(line(estimate, 'invocations')).toBeCloseTo(0.0002, 10);
    expect(line(estimate, 'GB-seconds (arm64)')).toBeCloseTo(100 * 0.0000133334, 10);
  });

  it('charges replicated writes once per other region: 1,000 WRU (500 standard) in 2 regions', () => {
    const estimate = estimateCost(
      usage({
        dynamodb: {
          readUnits: 4000,
          writeUnits: 1000,
          replicatedWriteUnits: 500,
          writtenBytes: GB,
          storedBytes: 0,
        },
      }),
      deployment({ regions: 2 }),
    );
    expect(line(estimate, 'write request units')).toBeCloseTo(1000 * 0.625e-6, 12);
    expect(line(estimate, 'replicated write request units')).toBeCloseTo(500 * 0.625e-6, 12);
    expect(line(estimate, 'read request units')).toBeCloseTo(4000 * 0.125e-6, 12);
    expect(line(estimate, 'replication transfer')).toBeCloseTo(0.02, 10);
  });

  it('prices one 26 KB record in provisioned mode as 2 PUT units and in on-demand mode as 26 KB in, twice out', () => {
    const kinesis = {
      records: 1,
      bytes: 26 * KB,
      payloadUnits: kinesisPayloadUnits(26 * KB),
      onDemandBytes: kinesisOnDemandBytes(26 * KB),
    };
    const provisioned = estimateCost(usage({ events: 1, kinesis }), deployment());
    expect(line(provisioned, 'PUT payload units')).toBeCloseTo(1000 * 2 * 0.014e-6, 14);
    const onDemand = estimateCost(usage({ events: 1, kinesis }), deployment({ kinesisMode: 'onDemand' }));
    expect(line(onDemand, 'on-demand data in')).toBeCloseTo((1000 * 26 * KB * 0.08) / GB, 12);
    expect(line(onDemand, 'on-demand data out')).toBeCloseTo((1000 * 2 * 26 * KB * 0.04) / GB, 12);
  });

  it('bills a 1 KB Firehose record as 5 KB of ingestion, conversion and partitioning', () => {
    const estimate = estimateCost(
      usage({
        events: 1,
        firehose: { raw: { records: 1, bytes: KB, billedBytes: firehoseBilledBytes(KB) } },
      }),
      deployment(),
    );
    expect(line(estimate, 'raw: ingestion, Parquet conversion, partitioning')).toBeCloseTo(
      (1000 * 5 * KB * (0.029 + 0.018 + 0.02)) / GB,
      12,
    );
  });

  it('spreads monthly costs over the monthly events: 2 streams × 730 h × $0.04 over 1 million events', () => {
    const estimate = estimateCost(usage(), deployment({ regions: 2, kinesisMode: 'onDemand' }));
    expect(line(estimate, 'on-demand stream-hours')).toBeCloseTo((2 * 730 * 0.04) / 1000, 10);
    const shards = estimateCost(usage(), deployment({ regions: 2, shardsPerRegion: 2 }));
    expect(line(shards, 'shard-hours')).toBeCloseTo((2 * 2 * 730 * 0.015) / 1000, 10);
  });

  it('bills 7-day retention on demand as 6 days of the data held past its first day, per GB-month', () => {
    // 1 GB a 1,000 events held 144 h past 24 h: 144 / 730 GB-months at $0.10.
    const kinesis = { records: 1, bytes: GB, payloadUnits: 1, onDemandBytes: GB };
    const week = estimateCost(
      usage({ kinesis }),
      deployment({ kinesisMode: 'onDemand', streamRetentionHours: 168 }),
    );
    expect(line(week, 'extended retention (on-demand, GB-months)')).toBeCloseTo((144 / 730) * 0.1, 10);
    const day = estimateCost(usage({ kinesis }), deployment({ kinesisMode: 'onDemand' }));
    expect(line(day, 'extended retention (on-demand, GB-months)')).toBeUndefined();
  });

  it('bills 7-day retention of provisioned streams per shard-hour: 2 regions × 2 shards × 730 h × $0.02', () => {
    const estimate = estimateCost(
      usage(),
      deployment({ regions: 2, shardsPerRegion: 2, streamRetentionHours: 168 }),
    );
    expect(line(estimate, 'extended retention (shard-hours)')).toBeCloseTo((2 * 2 * 730 * 0.02) / 1000, 10);
  });

  it('refuses a retention it does not price (past 7 days is long-term retention)', () => {
    expect(() => estimateCost(usage(), deployment({ streamRetentionHours: 169 }))).toThrow(
      'streamRetentionHours must be between 24 and 168 (longer is long-term retention, not modelled). Received 169',
    );
  });

  it('bills each Athena report run at least 10 MB: 100 runs of a 1 MB scan are 1,000 MB', () => {
    const estimate = estimateCost(
      usage(),
      deployment({ athenaQueries: [{ name: 'q', runsPerMonth: 100, scannedBytes: MB, objects: 3 }] }),
    );
    expect(line(estimate, 'bytes scanned by the standard reports')).toBeCloseTo(
      ((1000 * MB * 5) / 1024 ** 4) * (1000 / 1_000_000),
      14,
    );
    expect(line(estimate, 'GET requests (report queries)')).toBeCloseTo(100 * 3 * 2 * 0.0004e-3 * 1e-3, 14);
  });

  it('traces 5 % of 1,000 requests ($0.00025) and one request a second per region ($13.14 a month)', () => {
    const estimate = estimateCost(
      usage({ apiRequests: 1000 }),
      deployment({ traceSampledShare: 0.05, traceReservoirPerSecond: 1 }),
    );
    expect(line(estimate, 'sampled traces')).toBeCloseTo(50 * 5e-6, 12);
    expect(line(estimate, 'reservoir traces (one a second)')).toBeCloseTo((730 * 3600 * 5e-6) / 1000, 10);
  });

  it('sums services, ranks them and names the biggest line', () => {
    const estimate = estimateCost(
      usage({
        apiRequests: 1000,
        dynamodb: {
          readUnits: 0,
          writeUnits: 10_000,
          replicatedWriteUnits: 0,
          writtenBytes: 0,
          storedBytes: 0,
        },
      }),
      deployment(),
    );
    expect(estimate.byService[0]?.service).toBe('DynamoDB');
    expect(estimate.byService[0]?.usdPer1k).toBeCloseTo(0.00625, 10);
    expect(estimate.byService.reduce((n, s) => n + s.share, 0)).toBeCloseTo(1, 10);
    expect(biggestLine(estimate)?.item).toBe('write request units');
    expect(estimate.totalPerMonth).toBeCloseTo(estimate.totalPer1k * 1000, 8);
  });

  it('refuses a workload without events', () => {
    expect(() => estimateCost(usage({ events: 0 }), deployment())).toThrow(
      'usage.events must be positive. Received 0',
    );
  });
});

describe('report query load', () => {
  it('runs each report 10 times a day over 30 days of 2 MB a day; a self-join scans twice', () => {
    const load = reportQueryLoad({
      queries: [
        { name: 'installs', scansOfRange: 1 },
        { name: 'retention', scansOfRange: 2 },
      ],
      runsPerDay: 10,
      rangeDays: 30,
      tableBytesPerDay: 2 * MB,
      objectsPerDay: 288,
    });
    expect(load).toEqual([
      { name: 'installs', runsPerMonth: 300, scannedBytes: 60 * MB, objects: 8640 },
      { name: 'retention', runsPerMonth: 300, scannedBytes: 120 * MB, objects: 17_280 },
    ]);
  });
});

describe('price table', () => {
  it('names a source page for every price', () => {
    for (const service of Object.values(PRICES))
      for (const price of Object.values(service))
        expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
  });
});
