import { itemBytes } from '../adapters/dynamodb/billing.js';
import { DELIVERY_RECORD_TTL_DAYS, POSTBACK_QUEUE } from '../definitions/postbacks.js';
import type { Attribution } from '../domain/attribution.js';
import type { Destination } from '../domain/postbacks/destinations.js';
import { type DeliveryJob, planDeliveries } from '../domain/postbacks/jobs.js';
import { gbSeconds, HOURS_PER_MONTH } from './model.js';
import { PRICES, type Prices } from './prices.js';

/**
 * What postbacks add to the cost per 1,000 events (SPEC §7), priced per delivery from what the code
 * does for one: the sizes of the delivery records are measured on real jobs (`planDeliveries` over a
 * decision as the consumer commits it), the calls counted from the dispatcher and the sender.
 *
 * Per delivery job:
 * - consumer: a conditional PutItem of the delivery record and an UpdateItem marking it enqueued (each
 *   billed on the whole item), a share of one SQS SendMessageBatch (10 jobs a call);
 * - sender: a share of the Lambda invocation and of SQS's receive and delete calls (10 jobs a batch), a
 *   strongly consistent GetItem of the record, the identity graph look-up of the erasure check (about
 *   two eventually consistent reads), an UpdateItem of the attempt, one EMF log line, the request itself
 *   out to the internet (body, headers and a TLS handshake: connections are not reused);
 * - the registry is a global table: every write is replicated to each other region;
 * - records are kept `DELIVERY_RECORD_TTL_DAYS` days.
 * Settings reads are cached (30 s) and KMS data keys reused (SQS, 5 minutes): both are left out.
 */

/** Prices the platform's list (`prices.ts`) does not have: SQS and internet egress, us-east-1. */
export const POSTBACK_PRICES = {
  /** SQS standard queue requests, per 64 KB chunk (https://aws.amazon.com/sqs/pricing/). */
  sqsRequest: 0.4 / 1e6,
  /** Data transfer out to the internet, first 10 TB a month (https://aws.amazon.com/ec2/pricing/on-demand/). */
  transferOutGb: 0.09,
} as const;

export interface PostbackCostAssumptions {
  /** Installs per 1,000 events, from the workload. */
  readonly installsPer1kEvents: number;
  /** Regions the registry table is replicated to (its writes are billed again in each other one). */
  readonly regions: number;
  /**
   * Billed duration of one sender invocation (10 jobs sent concurrently): about the slowest receiver
   * of the batch.
   * @default 300 ms
   */
  readonly senderBatchMs?: number;
  /** @default 512 (the construct's) */
  readonly senderMemoryMb?: number;
  /**
   * TLS handshake and HTTP headers of one request, in bytes.
   * @default 6 KB
   */
  readonly requestOverheadBytes?: number;
  /** Distinct destinations (the `Destination` dimension of the latency metric). @default 2 */
  readonly destinations?: number;
  /** Events a month (spreads the alarms and metrics). @default 100 million */
  readonly monthlyEvents?: number;
}

export interface PostbackCostLine {
  readonly item: string;
  readonly usdPer1k: number;
}

const KB = 1024;
const GB = 1024 ** 3;
const EMF_LINE_BYTES = 450;

/** A decision as the consumer commits it: the sample the record sizes are measured on. */
function sampleDecision(): Attribution {
  const credit = {
    touchpointId: 'tp_8f3a9c1e2b4d4f6a8c0e1a3b5d7f9a1c',
    network: 'meta',
    campaign: 'winter-sale',
    credit: 1,
  };
  return {
    tenantId: 'acme',
    appId: 'com.acme.game',
    deviceId: 'dev_3b5d7f9a1c8f3a9c1e2b4d4f6a8c0e1a',
    eventId: '0b7c5a1e-2f3d-4c5b-8a9e-1f2d3c4b5a6e',
    status: 'attributed',
    kind: 'install',
    source: {
      touchpointId: credit.touchpointId,
      network: 'meta',
      campaign: 'winter-sale',
      adset: 'us-25-34',
      ad: 'video-3',
      networkClickId: 'fb.1.1764400000.AbCdEf',
    },
    match: 'click_id',
    touchTimeMs: Date.parse('2026-11-20T10:00:00Z'),
    installTimeMs: Date.parse('2026-11-20T10:15:00Z'),
    ctitSeconds: 900,
    fraud: [],
    credits: {
      last_touch: [credit],
      first_touch: [credit],
      linear: [credit],
      time_decay: [credit],
      position_based: [credit],
    },
    explanation: [
      'click_id: the install referrer names touchpoint tp_8f3a9c1e2b4d4f6a8c0e1a3b5d7f9a1c (meta / winter-sale)',
      'winner: meta / winter-sale click 15 min before the install, within the 7-day click lookback',
    ],
  };
}

/** The two destinations of the cost question: one partner postback and one webhook. */
const DESTINATIONS: Destination[] = [
  {
    id: 'meta-installs',
    type: 'partner',
    network: 'meta',
    url: 'https://partner.example.com/pb?click={click_id}&adid={advertising_id}&ev={event_name}&t={install_time}',
    kinds: ['install'],
    events: [],
  },
  { id: 'backend', type: 'webhook', url: 'https://hooks.example.com/ugp', kinds: ['install'], events: ['*'] },
];

/** The stored delivery record of a job, as the DynamoDB adapter writes it (with its last attempt). */
function recordBytes(job: DeliveryJob): number {
  return itemBytes({
    pk: `PBDELIVERY#${job.tenantId}#${job.appId}`,
    sk: job.jobId,
    type: 'postback-delivery',
    job: JSON.stringify(job),
    status: 'sent',
    attempts: 1,
    enqueued: true,
    updatedAtMs: job.createdAtMs,
    expiresAtSeconds: Math.floor(job.createdAtMs / 1000),
    last: { status: 'sent', atMs: job.createdAtMs, latencyMs: 120, responseCode: 200, responseExcerpt: 'ok' },
  });
}

/** The jobs of one install (one per destination) and what they cost, summed over a thousand events' jobs. */
interface JobLoad {
  /** Bytes of each job's stored record. */
  readonly sizes: readonly number[];
  /** Delivery jobs per 1,000 events. */
  readonly deliveries: number;
  /** A per-job figure summed over the jobs of 1,000 events. */
  perJob(f: (bytes: number, job: DeliveryJob) => number): number;
}

function jobLoad(installsPer1kEvents: number): JobLoad {
  const jobs = planDeliveries(
    {
      kind: 'decision',
      attribution: sampleDecision(),
      device: { platform: 'android', advertisingId: '3f1e2d4c-5b6a-4789-9abc-def012345678', locale: 'en_US' },
    },
    DESTINATIONS,
    Date.parse('2026-11-20T10:15:01Z'),
  );
  const sizes = jobs.map(recordBytes);
  return {
    sizes,
    deliveries: installsPer1kEvents * jobs.length,
    perJob: (f) => installsPer1kEvents * jobs.reduce((n, job, i) => n + f(sizes[i] ?? 0, job), 0),
  };
}

/** The delivery records in the registry table: writes, their replicas, reads and storage. */
function registryLines(
  load: JobLoad,
  assumptions: PostbackCostAssumptions,
  prices: Prices,
): PostbackCostLine[] {
  const { perJob } = load;
  const wcu = (bytes: number) => Math.ceil(bytes / KB);
  const otherRegions = Math.max(0, assumptions.regions - 1);
  // Three writes of the whole record a job: create, mark enqueued, the attempt.
  const writeUnits = perJob((bytes) => 3 * wcu(bytes));
  return [
    {
      item: 'DynamoDB delivery record writes (create, enqueued, attempt)',
      usdPer1k: writeUnits * prices.dynamodb.writeRequestUnit.usd,
    },
    {
      item: 'DynamoDB replicated writes',
      usdPer1k: otherRegions * writeUnits * prices.dynamodb.replicatedWriteRequestUnit.usd,
    },
    {
      item: 'DynamoDB replication transfer',
      usdPer1k:
        (otherRegions * perJob((bytes) => 3 * bytes) * prices.dynamodb.interRegionTransferGb.usd) / GB,
    },
    // The record (strongly consistent) and the erasure check (two eventually consistent reads).
    {
      item: 'DynamoDB reads (record, erasure check)',
      usdPer1k: perJob((bytes) => Math.ceil(bytes / (4 * KB)) + 1) * prices.dynamodb.readRequestUnit.usd,
    },
    {
      item: `DynamoDB storage (${DELIVERY_RECORD_TTL_DAYS} days)`,
      usdPer1k:
        (perJob((bytes) => bytes + 100) *
          assumptions.regions *
          prices.dynamodb.storageGbMonth.usd *
          (DELIVERY_RECORD_TTL_DAYS / 30)) /
        GB,
    },
  ];
}

/** Sending: the queue, the sender function, its log line and the request out to the internet. */
function sendingLines(
  load: JobLoad,
  assumptions: PostbackCostAssumptions,
  prices: Prices,
): PostbackCostLine[] {
  const { deliveries, perJob } = load;
  const batch = POSTBACK_QUEUE.batchSize;
  const invocations = deliveries / batch;
  return [
    // Send (batched by the consumer), receive and delete (batched by the event source).
    { item: 'SQS requests', usdPer1k: ((deliveries * 3) / batch) * POSTBACK_PRICES.sqsRequest },
    { item: 'Lambda sender invocations', usdPer1k: invocations * prices.lambda.request.usd },
    {
      item: 'Lambda sender GB-seconds',
      usdPer1k:
        invocations *
        gbSeconds(assumptions.senderBatchMs ?? 300, assumptions.senderMemoryMb ?? 512) *
        prices.lambda.arm64GbSecond.usd,
    },
    {
      item: 'CloudWatch logs (EMF line a delivery)',
      usdPer1k: (deliveries * EMF_LINE_BYTES * prices.cloudWatch.logsIngestionGb.usd) / GB,
    },
    {
      item: 'Internet egress (request, headers, TLS)',
      usdPer1k:
        (perJob(
          (_, job) =>
            Buffer.byteLength(job.request.url) +
            Buffer.byteLength(job.request.body ?? '') +
            (assumptions.requestOverheadBytes ?? 6 * KB),
        ) *
          POSTBACK_PRICES.transferOutGb) /
        GB,
    },
  ];
}

/** Monthly: two alarms and the status and latency metrics in each region, SQS long polling when idle. */
function monthlyLine(assumptions: PostbackCostAssumptions, prices: Prices): PostbackCostLine {
  const metrics = 4 + (assumptions.destinations ?? 2);
  const idlePolls = (5 * (HOURS_PER_MONTH * 3600)) / 20;
  return {
    item: 'CloudWatch alarms and metrics, SQS idle polling (monthly, spread)',
    usdPer1k:
      (assumptions.regions *
        (2 * prices.cloudWatch.alarmMonth.usd +
          metrics * prices.cloudWatch.customMetricMonth.usd +
          idlePolls * POSTBACK_PRICES.sqsRequest) *
        1000) /
      (assumptions.monthlyEvents ?? 100_000_000),
  };
}

/**
 * Dollars per 1,000 events that one partner postback and one webhook per install add.
 * @example estimatePostbackCost({ installsPer1kEvents: 64, regions: 2 }).totalPer1k
 */
export function estimatePostbackCost(
  assumptions: PostbackCostAssumptions,
  prices: Prices = PRICES,
): {
  readonly lines: PostbackCostLine[];
  readonly totalPer1k: number;
  readonly deliveriesPer1k: number;
  readonly recordBytes: readonly number[];
} {
  const load = jobLoad(assumptions.installsPer1kEvents);
  const lines = [
    ...registryLines(load, assumptions, prices),
    ...sendingLines(load, assumptions, prices),
    monthlyLine(assumptions, prices),
  ];
  return {
    lines,
    totalPer1k: lines.reduce((n, l) => n + l.usdPer1k, 0),
    deliveriesPer1k: load.deliveries,
    recordBytes: load.sizes,
  };
}
