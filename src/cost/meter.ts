import { AsyncLocalStorage } from 'node:async_hooks';
import type { ObservedSdkCall } from '../adapters/clients.js';
import { CapacityMeter } from '../adapters/dynamodb/capacity.js';
import { attributionDeliveryRecord } from '../adapters/firehose/attribution-delivery.js';
import type { LakeRow } from '../app/lake-rows.js';
import { DATA_LAKE } from '../definitions/lake.js';
import { awsWait, type TimedCall } from './aws-wait.js';
import { dynamoDbCallUsage, type Item } from './dynamodb-usage.js';
import { counterRowOf, type KeyClass, keyClassOf } from './key-classes.js';
import {
  type FirehoseUsage,
  firehoseBilledBytes,
  kinesisOnDemandBytes,
  kinesisPayloadUnits,
  type Usage,
} from './model.js';

export { KEY_CLASSES, type KeyClass, keyClassOf } from './key-classes.js';
export { awsWait, type TimedCall };

/**
 * Counts what a workload uses in local mode, the way AWS would bill it in the cloud: every AWS SDK call
 * of the handlers (fed by `observeSdkCalls`), every API request and every Lambda invocation (fed by the
 * local platform's `meter` option). `usage()` turns the counters into the cost model's `Usage`.
 *
 * DynamoDB units are computed from the items themselves (`dynamodb-usage.ts`), because DynamoDB Local reports
 * one item's capacity for a whole transaction; what it reported is kept beside them (`reported`).
 */

/** Memory of each function in the CDK app (lib/compute/platform-function.ts default; the consumer's in lib/stacks/processing-stack.ts). */
export const LAMBDA_MEMORY_MB: Readonly<Record<string, number>> = {
  ingest: 512,
  query: 512,
  admin: 512,
  consumer: 1024,
};

/** CloudWatch Logs bytes written besides the SDK calls (each figure includes CloudWatch's 26 bytes per log event). */
export interface LogAssumptions {
  /** One API Gateway access log line (`jsonWithStandardFields`). @default 260 */
  readonly accessLogBytesPerRequest?: number;
  /** Lambda's JSON platform lines (start, runtimeDone, report) of one invocation. @default 630 */
  readonly platformBytesPerInvocation?: number;
  /**
   * An API function's EMF document (Requests, Http4xx, Http5xx: ~290 bytes) and its `request served`
   * line (~520 bytes with the Lambda context and trace id) per invocation. @default 810
   */
  readonly apiMetricsBytesPerInvocation?: number;
  /** The consumer's `batch processed` INFO line and EMF document (about ten metrics) per invocation. @default 1300 */
  readonly consumerLogBytesPerInvocation?: number;
}

/** Round trips assumed in the cloud, ms, by service (the client name without `Client`). */
export const CLOUD_LATENCY_MS: Readonly<Record<string, number>> = {
  DynamoDB: 8,
  Kinesis: 20,
  S3: 30,
  Firehose: 30,
};
const OTHER_SERVICE_LATENCY_MS = 20;

export interface UsageMeterOptions {
  /** Memory per function name, MB. @default LAMBDA_MEMORY_MB */
  readonly memoryMb?: Readonly<Record<string, number>>;
  /**
   * Cloud round trip per service, for the cloud estimate of each invocation's duration (local emulators
   * are far slower than the services). @default CLOUD_LATENCY_MS, 20 ms for others
   */
  readonly cloudLatencyMs?: Readonly<Record<string, number>>;
  readonly logs?: LogAssumptions;
  /**
   * Parquet (Snappy) bytes per byte of the local lake's NDJSON: the cloud lake's files are Parquet.
   * An assumption, not a measurement. @default 0.25
   */
  readonly parquetRatio?: number;
}

interface CallCounter {
  requests: number;
  requestBytes: number;
  responseBytes: number;
}

interface LambdaCounter {
  invocations: number;
  /** Local wall time. */
  durationMs: number;
  /** Local time with at least one AWS call in flight. */
  awsWaitMs: number;
  /** Cloud estimate: local time outside AWS calls, plus one cloud round trip per wave of overlapping calls. */
  cloudDurationMs: number;
  /** The cloud estimate, each invocation rounded up to 1 ms: what is priced. */
  billedDurationMs: number;
}

const bodyBytes = (body: unknown): number =>
  typeof body === 'string'
    ? Buffer.byteLength(body, 'utf8')
    : body instanceof Uint8Array
      ? body.byteLength
      : 0;

const emptyFirehose = (): { records: number; bytes: number; billedBytes: number } => ({
  records: 0,
  bytes: 0,
  billedBytes: 0,
});

/** Our touchpoint ids: a UUID without dashes (`newId`); any other click id is the network's. */
const OUR_TOUCHPOINT_ID = /^[0-9a-f]{32}$/;

/** Whether an identity-graph key is the match item of a network's own click id (`M#…#click#<id>`). */
export function isNetworkClickIdItem(pk: string): boolean {
  const at = pk.indexOf('#click#');
  return pk.startsWith('M#') && at >= 0 && !OUR_TOUCHPOINT_ID.test(pk.slice(at + '#click#'.length));
}

export class UsageMeter {
  /** Requests and HTTP body bytes per `Client.Command`. */
  readonly calls = new Map<string, CallCounter>();
  readonly api = { requests: 0, byRoute: new Map<string, number>() };
  readonly lambda = new Map<string, LambdaCounter>();
  readonly dynamodb = {
    readUnits: 0,
    writeUnits: 0,
    replicatedWriteUnits: 0,
    writtenBytes: 0,
    byOperation: new Map<string, { requests: number; readUnits: number; writeUnits: number }>(),
  };
  /** Writes by key class (`keyClassOf`), for the capacity model's hottest items. */
  readonly keyClasses = new Map<KeyClass, KeyClassCounter>();
  /**
   * Writes of the extra match item a click gets when it carries the ad network's own click id (beside
   * the item under our touchpoint id; `clickIdKey` in src/domain/keys.ts): part of `dynamodb.writeUnits`.
   */
  readonly networkClickIdItems = { writes: 0, writeUnits: 0 };
  /** What DynamoDB (Local) answered in `ConsumedCapacity`, for comparison. */
  readonly reported = new CapacityMeter();
  readonly kinesis = { records: 0, bytes: 0, payloadUnits: 0, onDemandBytes: 0 };
  readonly firehose = { raw: emptyFirehose(), attributions: emptyFirehose() };
  readonly s3 = {
    puts: 0,
    gets: 0,
    putBytes: 0,
    getBytes: 0,
    /** NDJSON bytes by lake table (first key segment). */
    lakeBytesByTable: new Map<string, number>(),
  };
  private readonly memoryMb: Readonly<Record<string, number>>;
  private readonly cloudLatencyMs: Readonly<Record<string, number>>;
  private readonly invocation = new AsyncLocalStorage<TimedCall[]>();
  private readonly logs: Required<LogAssumptions>;
  private readonly parquetRatio: number;

  constructor(options: UsageMeterOptions = {}) {
    this.memoryMb = options.memoryMb ?? LAMBDA_MEMORY_MB;
    this.cloudLatencyMs = options.cloudLatencyMs ?? CLOUD_LATENCY_MS;
    this.logs = {
      accessLogBytesPerRequest: options.logs?.accessLogBytesPerRequest ?? 260,
      platformBytesPerInvocation: options.logs?.platformBytesPerInvocation ?? 630,
      apiMetricsBytesPerInvocation: options.logs?.apiMetricsBytesPerInvocation ?? 810,
      consumerLogBytesPerInvocation: options.logs?.consumerLogBytesPerInvocation ?? 1300,
    };
    this.parquetRatio = options.parquetRatio ?? 0.25;
  }

  /** An API request API Gateway would have served (a route of `ROUTES`). */
  recordApiRequest(route: string): void {
    this.api.requests += 1;
    this.api.byRoute.set(route, (this.api.byRoute.get(route) ?? 0) + 1);
  }

  /** Runs a handler invocation, timing it and the AWS calls it makes. */
  async invoke<T>(functionName: string, handler: () => Promise<T>): Promise<T> {
    const calls: TimedCall[] = [];
    const started = performance.now();
    try {
      return await this.invocation.run(calls, handler);
    } finally {
      this.recordInvocation(functionName, performance.now() - started, calls);
    }
  }

  /**
   * A Lambda invocation: its local duration and the AWS calls it made. Priced duration is the cloud
   * estimate (`awsWait`), rounded up to the millisecond as Lambda bills.
   */
  recordInvocation(functionName: string, durationMs: number, calls: readonly TimedCall[] = []): void {
    const wait = awsWait(calls, (service) => this.cloudLatencyMs[service] ?? OTHER_SERVICE_LATENCY_MS);
    const cloudMs = Math.max(0, durationMs - wait.localMs) + wait.cloudMs;
    const c = this.lambda.get(functionName) ?? {
      invocations: 0,
      durationMs: 0,
      awsWaitMs: 0,
      cloudDurationMs: 0,
      billedDurationMs: 0,
    };
    c.invocations += 1;
    c.durationMs += durationMs;
    c.awsWaitMs += wait.localMs;
    c.cloudDurationMs += cloudMs;
    c.billedDurationMs += Math.max(1, Math.ceil(cloudMs));
    this.lambda.set(functionName, c);
  }

  /** Counts one SDK call: pass it to `observeSdkCalls`. */
  readonly observe = (call: ObservedSdkCall): void => {
    const service = call.client.replace(/Client$/, '');
    const operation = call.command.replace(/Command$/, '');
    const key = `${service}.${operation}`;
    const c = this.calls.get(key) ?? { requests: 0, requestBytes: 0, responseBytes: 0 };
    c.requests += 1;
    c.requestBytes += call.requestBytes;
    c.responseBytes += call.responseBytes;
    this.calls.set(key, c);
    this.invocation
      .getStore()
      ?.push({ startMs: call.startedMs, endMs: call.startedMs + call.durationMs, service });
    const input = (call.input ?? {}) as Item;
    const output = (call.output ?? {}) as Item;
    if (service === 'DynamoDB') this.dynamoDbCall(operation, input, output);
    else if (service === 'Kinesis' && operation === 'PutRecords') this.putRecords(input, output);
    else if (service === 'Kinesis' && operation === 'PutRecord') this.kinesisRecord(input.Data);
    else if (service === 'S3' && operation === 'PutObject') this.putObject(input);
    else if (service === 'S3' && operation === 'GetObject') {
      this.s3.gets += 1;
      this.s3.getBytes += Number(output.ContentLength ?? call.responseBytes) || 0;
    }
  };

  private kinesisRecord(data: unknown): void {
    const bytes = bodyBytes(data);
    this.kinesis.records += 1;
    this.kinesis.bytes += bytes;
    this.kinesis.payloadUnits += kinesisPayloadUnits(bytes);
    this.kinesis.onDemandBytes += kinesisOnDemandBytes(bytes);
    // The ingest stream's own Firehose carries every record to the raw lake tables.
    addFirehose(this.firehose.raw, bytes);
  }

  private putRecords(input: Item, output: Item): void {
    const results = (output.Records ?? []) as { ErrorCode?: string }[];
    ((input.Records ?? []) as { Data?: unknown }[]).forEach((record, i) => {
      if (!results[i]?.ErrorCode) this.kinesisRecord(record.Data);
    });
  }

  private putObject(input: Item): void {
    const bytes = bodyBytes(input.Body);
    this.s3.puts += 1;
    this.s3.putBytes += bytes;
    const key = String(input.Key ?? '');
    const table = key.split('/', 1)[0] ?? '';
    if (!Object.values(DATA_LAKE.tables).includes(table as never)) return;
    this.s3.lakeBytesByTable.set(table, (this.s3.lakeBytesByTable.get(table) ?? 0) + bytes);
    if (table !== DATA_LAKE.tables.attributions || typeof input.Body !== 'string') return;
    // In the cloud each attribution row is one record put on the attribution delivery stream.
    const partition = Object.fromEntries(
      key
        .split('/')
        .filter((p) => p.includes('='))
        .map((p) => {
          const [name = '', value = ''] = p.split('=', 2);
          return [name, decodeURIComponent(value)];
        }),
    );
    for (const line of input.Body.split('\n')) {
      if (!line) continue;
      const row: LakeRow = {
        table: 'attributions',
        tenantId: partition.tenant_id ?? '',
        appId: partition.app_id ?? '',
        day: partition.dt ?? '',
        row: JSON.parse(line) as Item,
      };
      addFirehose(this.firehose.attributions, Buffer.byteLength(attributionDeliveryRecord(row), 'utf8'));
    }
  }

  private dynamoDbCall(operation: string, input: Item, output: Item): void {
    if (operation.startsWith('Describe') || operation.startsWith('Create') || operation === 'ListTables')
      return;
    this.reported.record(operation, output.ConsumedCapacity as never);
    const call = dynamoDbCallUsage(operation, input, output);
    for (const w of call.keyWrites) this.keyWrite(w.key, w.units, w.sign);
    const d = this.dynamodb;
    d.readUnits += call.readUnits;
    d.writeUnits += call.writeUnits;
    d.replicatedWriteUnits += call.replicatedWriteUnits;
    d.writtenBytes += call.writtenBytes;
    const op = d.byOperation.get(operation) ?? { requests: 0, readUnits: 0, writeUnits: 0 };
    op.requests += 1;
    op.readUnits += call.readUnits;
    op.writeUnits += call.writeUnits;
    d.byOperation.set(operation, op);
  }

  /**
   * One item written (or, with `sign` -1, a write DynamoDB left unprocessed): counted under its key
   * class, per item, with the write units it cost (transactional writes count twice).
   */
  private keyWrite(key: Item, units: number, sign: 1 | -1 = 1): void {
    const pk = typeof key.pk === 'string' ? key.pk : '';
    const sk = typeof key.sk === 'string' ? key.sk : '';
    if (isNetworkClickIdItem(pk)) {
      this.networkClickIdItems.writes += sign;
      this.networkClickIdItems.writeUnits += sign * units;
    }
    const keyClass = keyClassOf(pk, sk);
    if (!keyClass) return;
    const c = this.keyClasses.get(keyClass) ?? { writes: 0, writeUnits: 0, items: new Map() };
    c.writes += sign;
    c.writeUnits += sign * units;
    const item =
      keyClass === 'signature partition'
        ? pk
        : keyClass === 'counter row'
          ? `${pk}|${counterRowOf(sk)}`
          : `${pk}|${sk}`;
    c.items.set(item, (c.items.get(item) ?? 0) + sign);
    this.keyClasses.set(keyClass, c);
  }

  /** Writes and write units per key class, with the most writes one item of the class took. */
  keyClassWrites(): Record<
    string,
    { writes: number; writeUnits: number; items: number; hottestItemWrites: number }
  > {
    const out: Record<
      string,
      { writes: number; writeUnits: number; items: number; hottestItemWrites: number }
    > = {};
    for (const [name, c] of this.keyClasses)
      out[name] = {
        writes: c.writes,
        writeUnits: c.writeUnits,
        items: c.items.size,
        hottestItemWrites: Math.max(0, ...c.items.values()),
      };
    return out;
  }

  /** Bytes of CloudWatch Logs the metered requests and invocations would write. */
  logBytes(): number {
    let bytes = this.api.requests * this.logs.accessLogBytesPerRequest;
    for (const [name, c] of this.lambda) {
      bytes += c.invocations * this.logs.platformBytesPerInvocation;
      bytes +=
        c.invocations *
        (name === 'consumer'
          ? this.logs.consumerLogBytesPerInvocation
          : this.logs.apiMetricsBytesPerInvocation);
    }
    return bytes;
  }

  /** NDJSON bytes the local lake received, and the Parquet estimate of them. */
  lakeBytes(): { json: number; parquet: number; byTable: Record<string, number> } {
    const byTable = Object.fromEntries(this.s3.lakeBytesByTable);
    const json = Object.values(byTable).reduce((n, b) => n + b, 0);
    return { json, parquet: json * this.parquetRatio, byTable };
  }

  /**
   * The counters as the cost model's input.
   * @param events records accepted by the API (the events the cost is per)
   * @param storedBytes bytes the identity graph holds after the workload
   */
  usage(events: number, storedBytes: number): Usage {
    const lambda: Record<string, { invocations: number; billedDurationMs: number; memoryMb: number }> = {};
    for (const [name, c] of this.lambda)
      lambda[name] = {
        invocations: c.invocations,
        billedDurationMs: c.billedDurationMs,
        memoryMb: this.memoryMb[name] ?? 512,
      };
    const firehose: Record<string, FirehoseUsage> = { ...this.firehose };
    return {
      events,
      apiRequests: this.api.requests,
      lambda,
      dynamodb: {
        readUnits: this.dynamodb.readUnits,
        writeUnits: this.dynamodb.writeUnits,
        replicatedWriteUnits: this.dynamodb.replicatedWriteUnits,
        writtenBytes: this.dynamodb.writtenBytes,
        storedBytes,
      },
      kinesis: { ...this.kinesis },
      firehose,
      logBytes: this.logBytes(),
      lakeBytes: this.lakeBytes().parquet,
    };
  }

  /** Everything counted, as plain JSON. */
  snapshot() {
    const entries = <V>(m: Map<string, V>) =>
      Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
    return {
      calls: entries(this.calls),
      api: { requests: this.api.requests, byRoute: entries(this.api.byRoute) },
      lambda: entries(this.lambda),
      dynamodb: {
        readUnits: this.dynamodb.readUnits,
        writeUnits: this.dynamodb.writeUnits,
        replicatedWriteUnits: this.dynamodb.replicatedWriteUnits,
        writtenBytes: this.dynamodb.writtenBytes,
        byOperation: entries(this.dynamodb.byOperation),
        reported: this.reported.snapshot(),
      },
      kinesis: { ...this.kinesis },
      firehose: { raw: { ...this.firehose.raw }, attributions: { ...this.firehose.attributions } },
      s3: { puts: this.s3.puts, gets: this.s3.gets, putBytes: this.s3.putBytes, getBytes: this.s3.getBytes },
      lake: this.lakeBytes(),
      logBytes: this.logBytes(),
    };
  }
}

interface KeyClassCounter {
  writes: number;
  writeUnits: number;
  /**
   * Writes per item: per partition for signature partitions (the touchpoints of one IP share it), per
   * row for counter rows (the capacity model divides a row's writes by its shards).
   */
  items: Map<string, number>;
}

function addFirehose(f: { records: number; bytes: number; billedBytes: number }, bytes: number): void {
  f.records += 1;
  f.bytes += bytes;
  f.billedBytes += firehoseBilledBytes(bytes);
}
