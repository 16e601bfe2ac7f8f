import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
  ResourceNotFoundException,
  ServiceUnavailableException,
} from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  attributionDeliveryRecord,
  FIREHOSE_BATCH_LIMITS,
  FirehoseAttributionSink,
} from '../../src/adapters/firehose/attribution-delivery.js';
import { encodeRecord } from '../../src/adapters/kinesis/publisher.js';
import { kinesisBatchHandler } from '../../src/adapters/kinesis/stream-batch.js';
import { CONSUMER_METRICS, createAttributionConsumer } from '../../src/app/attribution-consumer.js';
import { eventAttributionRow, installAttributionRow, type LakeRow, rawRow } from '../../src/app/lake-rows.js';
import { ATTRIBUTION_COLUMNS, LAKE_RECORD_FIELDS } from '../../src/definitions/lake.js';
import type { Attribution, EventAttribution } from '../../src/domain/attribution.js';
import type { BatchResult } from '../../src/domain/engine.js';
import type { PipelineRecord } from '../../src/domain/records.js';
import { kinesisEvent, kinesisRecord } from '../support/api.js';
import { clickRecord, eventRecord, HOUR, T0 } from '../support/factories.js';

const STREAM = 'unmogrowp-dev-attributions-lake';
const DECIDED_AT = T0 + 2 * HOUR;

function attribution(overrides: Partial<Attribution> = {}): Attribution {
  return {
    tenantId: 'acme',
    appId: 'com.acme.game',
    deviceId: 'dev-1',
    eventId: 'install-1',
    status: 'attributed',
    kind: 'install',
    source: { network: 'meta', campaign: 'winter', adset: 'a', ad: 'b' } as Attribution['source'],
    match: 'click_id',
    touchTimeMs: T0,
    installTimeMs: T0 + HOUR,
    ctitSeconds: 3600,
    fraud: [],
    credits: {} as Attribution['credits'],
    explanation: [],
    ...overrides,
  };
}

function purchase(overrides: Partial<EventAttribution> = {}): EventAttribution {
  return {
    tenantId: 'acme',
    appId: 'com.acme.game',
    deviceId: 'dev-1',
    eventId: 'purchase-1',
    type: 'purchase',
    timestampMs: T0 + 2 * HOUR,
    creditedAs: 'install',
    source: { network: 'meta', campaign: 'winter' } as EventAttribution['source'],
    revenue: { amount: 4.99, currency: 'USD' },
    ...overrides,
  };
}

const installRow = (n = 0): LakeRow =>
  installAttributionRow(attribution({ eventId: `install-${n}` }), DECIDED_AT);

/** The parsed records of every PutRecordBatch call, one array per call. */
function sentRecords(mock: ReturnType<typeof mockClient>): Record<string, unknown>[][] {
  return mock
    .commandCalls(PutRecordBatchCommand)
    .map((call) =>
      ((call.args[0].input as PutRecordBatchCommandInput).Records ?? []).map((r) =>
        JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString('utf8')),
      ),
    );
}

const instant = async () => {};

describe('attribution delivery to Firehose', () => {
  const firehose = mockClient(FirehoseClient);
  const sink = () =>
    new FirehoseAttributionSink({
      client: new FirehoseClient({ region: 'us-east-1' }),
      deliveryStreamName: STREAM,
      sleep: instant,
    });

  beforeEach(() => {
    firehose.reset();
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => ({
      FailedPutCount: 0,
      RequestResponses: (input.Records ?? []).map((_, i) => ({ RecordId: `r${i}` })),
    }));
  });
  afterEach(() => firehose.reset());

  describe('record shape', () => {
    it('sends one newline-terminated JSON per attribution row with the partition fields the jq reads', () => {
      // Prepare
      const row = installRow();

      // Act
      const data = attributionDeliveryRecord(row);

      // Assess
      expect(data.endsWith('}\n')).toBe(true);
      expect(data.indexOf('\n')).toBe(data.length - 1);
      const record = JSON.parse(data);
      expect(record).toMatchObject({
        [LAKE_RECORD_FIELDS.tenantId]: 'acme',
        [LAKE_RECORD_FIELDS.appId]: 'com.acme.game',
        [LAKE_RECORD_FIELDS.timestamp]: new Date(T0 + HOUR).toISOString(),
        subject: 'install',
        network: 'meta',
        ctit_seconds: 3600,
      });
    });

    it('carries every column of the Glue attributions schema, for install decisions and event credits', () => {
      for (const row of [installRow(), eventAttributionRow(purchase(), DECIDED_AT)]) {
        const record = JSON.parse(attributionDeliveryRecord(row));
        for (const column of ATTRIBUTION_COLUMNS) expect(record, column.name).toHaveProperty(column.name);
        // Only the columns and the partition fields: nothing Parquet conversion would silently drop.
        expect(Object.keys(record).sort()).toEqual(
          [...ATTRIBUTION_COLUMNS.map((c) => c.name), 'tenant_id', 'app_id'].sort(),
        );
        // The dt partition (jq `.timestamp[0:10]`) is the day the S3 writer uses in local mode.
        expect(record.timestamp.slice(0, 10)).toBe(row.day);
      }
    });
  });

  describe('batching', () => {
    it("skips raw rows: raw records reach the lake through the stream's own delivery stream", async () => {
      // Prepare
      const rows = [rawRow(eventRecord()), installRow(), rawRow(clickRecord())];

      // Act
      const result = await sink().write('shard-1', rows);

      // Assess
      expect(result).toEqual({ objects: 0, records: 1 });
      expect(sentRecords(firehose)).toHaveLength(1);
      expect(sentRecords(firehose)[0]?.map((r) => r.event_id)).toEqual(['install-0']);
      expect(firehose.commandCalls(PutRecordBatchCommand)[0]?.args[0].input.DeliveryStreamName).toBe(STREAM);
    });

    it('makes no call for a batch without attribution rows', async () => {
      expect(await sink().write('shard-1', [rawRow(clickRecord())])).toEqual({ objects: 0, records: 0 });
      expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
    });

    it('puts at most 500 records a call', async () => {
      // Prepare
      const rows = Array.from({ length: 1201 }, (_, n) => installRow(n));

      // Act
      await sink().write('shard-1', rows);

      // Assess
      expect(sentRecords(firehose).map((call) => call.length)).toEqual([500, 500, 201]);
      expect(
        sentRecords(firehose)
          .flat()
          .map((r) => r.event_id),
      ).toEqual(rows.map((r) => r.row.event_id));
    });

    it('keeps each call within 4 MiB', async () => {
      // Prepare: rows of ~300 KiB (a long event name), 14 of them would exceed 4 MiB in one call.
      const big = 'x'.repeat(300 * 1024);
      const rows = Array.from({ length: 30 }, (_, n) =>
        eventAttributionRow(purchase({ eventId: `p-${n}`, type: big }), DECIDED_AT),
      );

      // Act
      await sink().write('shard-1', rows);

      // Assess
      const calls = firehose.commandCalls(PutRecordBatchCommand);
      expect(calls.length).toBeGreaterThan(1);
      for (const call of calls) {
        const bytes = (call.args[0].input.Records ?? []).reduce(
          (sum, r) => sum + (r.Data?.byteLength ?? 0),
          0,
        );
        expect(bytes).toBeLessThanOrEqual(FIREHOSE_BATCH_LIMITS.bytesPerCall);
      }
      expect(sentRecords(firehose).flat()).toHaveLength(30);
    });
  });

  describe('partial failures', () => {
    it('retries only the records whose response carries an ErrorCode', async () => {
      // Prepare: the first call fails records 1 and 3 of 4; the retry succeeds.
      firehose
        .on(PutRecordBatchCommand)
        .resolvesOnce({
          FailedPutCount: 2,
          RequestResponses: [
            { RecordId: 'a' },
            { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'slow down' },
            { RecordId: 'c' },
            { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
          ],
        })
        .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'b' }, { RecordId: 'd' }] });
      const rows = [0, 1, 2, 3].map(installRow);

      // Act
      const result = await sink().write('shard-1', rows);

      // Assess
      expect(result.records).toBe(4);
      expect(sentRecords(firehose).map((call) => call.map((r) => r.event_id))).toEqual([
        ['install-0', 'install-1', 'install-2', 'install-3'],
        ['install-1', 'install-3'],
      ]);
    });

    it('gives up after the bounded attempts, naming the records still failing', async () => {
      // Prepare: the record of install-1 fails on every attempt.
      firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
        const responses = (input.Records ?? []).map((r) =>
          Buffer.from(r.Data ?? new Uint8Array())
            .toString('utf8')
            .includes('"install-1"')
            ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'slow down' }
            : { RecordId: 'ok' },
        );
        return {
          FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length,
          RequestResponses: responses,
        };
      });
      const delays: number[] = [];
      const limited = new FirehoseAttributionSink({
        client: new FirehoseClient({ region: 'us-east-1' }),
        deliveryStreamName: STREAM,
        maxAttempts: 3,
        baseDelayMs: 100,
        sleep: async (ms) => {
          delays.push(ms);
        },
      });

      // Act
      const write = limited.write('shard-1', [installRow(0), installRow(1)]);

      // Assess
      await expect(write).rejects.toMatchObject({
        name: 'LakeDeliveryError',
        failedRecordCount: 1,
        message: expect.stringContaining('after 3 attempts (ServiceUnavailableException)'),
      });
      expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(3);
      // Exponential backoff with jitter: [50, 100) then [100, 200).
      expect(delays).toHaveLength(2);
      expect(delays[0]).toBeGreaterThanOrEqual(50);
      expect(delays[0]).toBeLessThan(100);
      expect(delays[1]).toBeGreaterThanOrEqual(100);
      expect(delays[1]).toBeLessThan(200);
    });

    it('retries a call the service throttled, then succeeds', async () => {
      firehose
        .on(PutRecordBatchCommand)
        .rejectsOnce(new ServiceUnavailableException({ message: 'busy', $metadata: {} }))
        .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'a' }] });

      await expect(sink().write('shard-1', [installRow()])).resolves.toEqual({ objects: 0, records: 1 });
      expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(2);
    });

    it('fails at once on an error a retry cannot fix (a missing delivery stream)', async () => {
      firehose
        .on(PutRecordBatchCommand)
        .rejects(new ResourceNotFoundException({ message: 'no such stream', $metadata: {} }));

      await expect(sink().write('shard-1', [installRow()])).rejects.toMatchObject({
        name: 'LakeDeliveryError',
        message: `PutRecordBatch to ${STREAM} failed: ResourceNotFoundException`,
      });
      expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(1);
    });
  });

  describe('in the attribution consumer', () => {
    const decode = (records: PipelineRecord[]) =>
      kinesisEvent(
        records.map((r, i) => kinesisRecord(Buffer.from(encodeRecord(r)).toString('base64'), String(i + 1))),
      );

    it('sends install decisions and event credits only, and counts the records delivered', async () => {
      // Prepare: a click, an install it wins and a purchase credited to it.
      const records = [
        clickRecord(),
        eventRecord({ eventId: 'install-1' }),
        eventRecord({ eventId: 'purchase-1', type: 'purchase' }),
      ];
      const result: BatchResult = {
        outcomes: [
          { index: 0, status: 'processed' },
          { index: 1, status: 'processed', attribution: attribution({ eventId: 'install-1' }) },
          { index: 2, status: 'processed', eventAttribution: purchase() },
        ],
        failedRecordIndexes: [],
      };
      const metrics: Record<string, number> = {};
      const consume = kinesisBatchHandler(
        createAttributionConsumer({
          engine: { processBatch: async () => result },
          lake: sink(),
          metrics: { count: (name, value) => (metrics[name] = (metrics[name] ?? 0) + value) },
          now: () => DECIDED_AT,
        }),
      );

      // Act
      const response = await consume(decode(records));

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      const sent = sentRecords(firehose).flat();
      expect(sent.map((r) => [r.subject, r.event_id, r.tenant_id, r.app_id])).toEqual([
        ['install', 'install-1', 'acme', 'com.acme.game'],
        ['event', 'purchase-1', 'acme', 'com.acme.game'],
      ]);
      expect(sent.every((r) => !('record_type' in r))).toBe(true);
      expect(metrics[CONSUMER_METRICS.lakeRecords]).toBe(2);
      expect(metrics[CONSUMER_METRICS.lakeObjects]).toBeUndefined();
    });

    it('hands raw and attribution rows to a sink that carries every table (the S3 writer of local mode)', async () => {
      // Prepare
      const written: LakeRow[] = [];
      const consume = kinesisBatchHandler(
        createAttributionConsumer({
          engine: {
            processBatch: async () => ({
              outcomes: [{ index: 0, status: 'processed', attribution: attribution() }],
              failedRecordIndexes: [],
            }),
          },
          lake: {
            write: async (_batchId, rows) => {
              written.push(...rows);
              return { objects: 2, records: rows.length };
            },
          },
        }),
      );

      // Act
      await consume(decode([eventRecord()]));

      // Assess
      expect(written.map((r) => r.table)).toEqual(['events', 'attributions']);
    });
  });
});
