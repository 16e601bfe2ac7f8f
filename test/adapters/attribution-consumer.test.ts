import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { KinesisStreamRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, createDynamoDbClient } from '../../src/adapters/clients.js';
import { IdentityGraph } from '../../src/adapters/dynamodb/identity-graph.js';
import { decodeKinesisRecord } from '../../src/adapters/kinesis/decode.js';
import { encodeRecord } from '../../src/adapters/kinesis/publisher.js';
import { kinesisBatchHandler } from '../../src/adapters/kinesis/stream-batch.js';
import { S3LakeWriter } from '../../src/adapters/s3/lake-writer.js';
import { createAttributionConsumer, QUARANTINE_PREFIX } from '../../src/app/attribution-consumer.js';
import { eventAttributionRow, rawRow } from '../../src/app/lake-rows.js';
import { ATTRIBUTION_METRICS } from '../../src/definitions/observability.js';
import { AttributionEngine } from '../../src/domain/engine.js';
import type { PipelineRecord } from '../../src/domain/records.js';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.js';
import type { StoreLoadRequest, UnitOfWork } from '../../src/domain/store.js';
import { kinesisEvent, kinesisRecord } from '../support/api.js';
import { adid, clickRecord, eventRecord, HOUR, MINUTE, T0 } from '../support/factories.js';
import { createLocalResources, type LocalResources, localClients } from '../support/local.js';

let sequence = 1000;
const toKinesis = (records: PipelineRecord[]): KinesisStreamRecord[] =>
  records.map((r) => kinesisRecord(Buffer.from(encodeRecord(r)).toString('base64'), String(sequence++)));

function throttlingError() {
  return Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
    name: 'ProvisionedThroughputExceededException',
    $fault: 'client',
    $metadata: {},
  });
}

describe('attribution consumer against DynamoDB Local and s3rver', () => {
  const clients = localClients();
  let resources: LocalResources;
  let graph: IdentityGraph;
  const metrics = new Map<string, number>();
  const endpoint = () => clients.dynamodb.config.endpoint;

  const consumerFor = (store: ConstructorParameters<typeof AttributionEngine>[0]) =>
    kinesisBatchHandler(
      createAttributionConsumer({
        engine: new AttributionEngine(store, { settingsFor: () => DEFAULT_SETTINGS }),
        lake: new S3LakeWriter({ client: clients.s3, bucket: resources.bucket }),
        quarantine: (key, body) =>
          new S3LakeWriter({ client: clients.s3, bucket: resources.bucket }).quarantine(key, body),
        metrics: { count: (name, value) => metrics.set(name, (metrics.get(name) ?? 0) + value) },
      }),
    );

  const installs = async (tenantId = 'acme', appId = 'com.acme.game') =>
    (await graph.readCounters(tenantId, appId, '2026-11-01', '2026-11-30'))
      .filter((c) => c.metric === 'installs')
      .reduce((sum, c) => sum + c.value, 0);

  const decode = (r: KinesisStreamRecord): PipelineRecord => {
    const decoded = decodeKinesisRecord(r);
    if (!decoded.ok) throw new Error(decoded.reason);
    return decoded.value;
  };

  /** Every row of a lake table (objects listed and read from s3rver). */
  async function lakeRows(table: string): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    let token: string | undefined;
    do {
      const page = await clients.s3.send(
        new ListObjectsV2Command({ Bucket: resources.bucket, Prefix: `${table}/`, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const body = await clients.s3.send(
          new GetObjectCommand({ Bucket: resources.bucket, Key: object.Key }),
        );
        for (const line of (await body.Body?.transformToString())?.split('\n') ?? [])
          if (line) rows.push(JSON.parse(line) as Record<string, unknown>);
      }
      token = page.NextContinuationToken;
    } while (token);
    return rows;
  }
  const lakeRow = async (table: string, eventId: string) =>
    (await lakeRows(table)).find((r) => r.event_id === eventId);
  const lakeRowsOf = async (eventId: string) => ({
    events: (await lakeRows('events')).filter((r) => r.event_id === eventId).length,
    attributions: (await lakeRows('attributions')).filter((r) => r.event_id === eventId).length,
  });

  beforeAll(async () => {
    resources = await createLocalResources(clients);
    graph = new IdentityGraph({ documents: clients.documents, tableName: resources.identityGraphTable });
    void endpoint;
  });

  it('attributes a batch, writes the lake by partition and counts outcomes', async () => {
    const id = adid();
    const organic = adid();
    const batch = [
      clickRecord({ advertisingId: id, network: 'meta', campaign: 'winter' }),
      eventRecord({ advertisingId: id, timestampMs: T0 + HOUR }),
      eventRecord({ advertisingId: organic, timestampMs: T0 + HOUR, ip: '198.51.100.200' }),
      eventRecord({
        advertisingId: id,
        type: 'purchase',
        timestampMs: T0 + 2 * HOUR,
        revenue: { amount: 4.99, currency: 'USD' },
      }),
    ];
    const today = () => new Date().toISOString().slice(0, 10);
    const decidedFrom = today();
    const response = await consumerFor(graph)(kinesisEvent(toKinesis(batch)));
    const decidedDays = `(${decidedFrom}|${today()})`;
    expect(response.batchItemFailures).toEqual([]);
    const device = await graph.findDevice('acme', 'com.acme.game', 'adid', id);
    expect(device?.currentAttribution).toMatchObject({ status: 'attributed', match: 'device_id' });
    expect(metrics.get(ATTRIBUTION_METRICS.attributed)).toBe(1);
    expect(metrics.get(ATTRIBUTION_METRICS.organic)).toBe(1);
    expect(metrics.get(ATTRIBUTION_METRICS.inAppEvents)).toBe(1);
    const { Contents } = await clients.s3.send(new ListObjectsV2Command({ Bucket: resources.bucket }));
    const keys = (Contents ?? []).map((c) => c.Key);
    expect(keys).toEqual(
      expect.arrayContaining([
        // Raw rows are partitioned by the day they were received, attributions by the day decided.
        expect.stringMatching(/^events\/tenant_id=acme\/app_id=com\.acme\.game\/dt=2026-11-20\/.+\.json$/),
        expect.stringMatching(/^touchpoints\/tenant_id=acme\/app_id=com\.acme\.game\/dt=2026-11-20\//),
        expect.stringMatching(
          new RegExp(`^attributions/tenant_id=acme/app_id=com\\.acme\\.game/dt=${decidedDays}/`),
        ),
      ]),
    );
  });

  it('changes nothing when a batch is redelivered', async () => {
    const id = adid();
    const batch = toKinesis([
      clickRecord({ advertisingId: id, network: 'google', timestampMs: T0 + 3 * HOUR }),
      eventRecord({ advertisingId: id, timestampMs: T0 + 4 * HOUR }),
      eventRecord({
        advertisingId: id,
        type: 'purchase',
        timestampMs: T0 + 5 * HOUR,
        revenue: { amount: 10, currency: 'EUR' },
      }),
    ]);
    const consume = consumerFor(graph);
    await consume(kinesisEvent(batch));
    const before = await graph.readCounters('acme', 'com.acme.game', '2026-11-01', '2026-11-30');
    const duplicatesBefore = metrics.get(ATTRIBUTION_METRICS.duplicates) ?? 0;
    const again = await consume(kinesisEvent(batch));
    expect(again.batchItemFailures).toEqual([]);
    expect(await graph.readCounters('acme', 'com.acme.game', '2026-11-01', '2026-11-30')).toEqual(
      expect.arrayContaining(before),
    );
    expect((await graph.readCounters('acme', 'com.acme.game', '2026-11-01', '2026-11-30')).length).toBe(
      before.length,
    );
    // The same stream records again: redeliveries of committed records, not new duplicates.
    expect((metrics.get(ATTRIBUTION_METRICS.duplicates) ?? 0) - duplicatesBefore).toBe(0);
    // The same events in new stream records (a client's re-send): duplicates.
    const resent = await consume(kinesisEvent(toKinesis(batch.map((r) => decode(r)))));
    expect(resent.batchItemFailures).toEqual([]);
    expect((metrics.get(ATTRIBUTION_METRICS.duplicates) ?? 0) - duplicatesBefore).toBe(2);
    const device = await graph.findDevice('acme', 'com.acme.game', 'adid', id);
    expect(device?.installCount).toBe(1);
    // Each event's rows are in the lake once: the redelivery overwrote its batch's objects.
    const install = decode(batch[1] as KinesisStreamRecord);
    const installId = install.kind === 'event' ? install.event.eventId : '';
    expect(await lakeRowsOf(installId)).toEqual({ events: 1, attributions: 1 });
  });

  it('writes the lake rows of a batch whose lake write failed after the graph commit, once', async () => {
    const id = adid();
    const batch = toKinesis([
      clickRecord({ advertisingId: id, network: 'tiktok', timestampMs: T0 + 3 * HOUR }),
      eventRecord({ advertisingId: id, timestampMs: T0 + 4 * HOUR }),
      eventRecord({
        advertisingId: id,
        type: 'purchase',
        timestampMs: T0 + 5 * HOUR,
        revenue: { amount: 3, currency: 'USD' },
      }),
    ]);
    const writer = new S3LakeWriter({ client: clients.s3, bucket: resources.bucket });
    let crash = true;
    const consume = kinesisBatchHandler(
      createAttributionConsumer({
        engine: new AttributionEngine(graph, { settingsFor: () => DEFAULT_SETTINGS }),
        lake: {
          write: async (batchId, rows) => {
            if (crash) throw new Error('injected: crash after the graph commit');
            return writer.write(batchId, rows);
          },
        },
      }),
    );
    await expect(consume(kinesisEvent(batch))).rejects.toThrow(/injected/);
    crash = false;
    // The event source mapping retries the whole batch: every event is a redelivery now.
    expect((await consume(kinesisEvent(batch))).batchItemFailures).toEqual([]);
    const purchase = decode(batch[2] as KinesisStreamRecord);
    const purchaseId = purchase.kind === 'event' ? purchase.event.eventId : '';
    expect(await lakeRowsOf(purchaseId)).toEqual({ events: 1, attributions: 1 });
    const attribution = await lakeRow('attributions', purchaseId);
    expect(attribution).toMatchObject({ network: 'tiktok', revenue_amount: 3, status: 'attributed' });
  });

  it('counts an event sent twice in one batch once', async () => {
    const install = eventRecord({ advertisingId: adid(), timestampMs: T0 + 6 * HOUR });
    const before = await installs();
    const response = await consumerFor(graph)(kinesisEvent(toKinesis([install, install])));
    expect(response.batchItemFailures).toEqual([]);
    expect(await installs()).toBe(before + 1);
  });

  it('quarantines a poisoned record without blocking the rest of the batch', async () => {
    const good = toKinesis([eventRecord({ advertisingId: adid(), timestampMs: T0 + 7 * HOUR })]);
    const poisoned = kinesisRecord(
      Buffer.from('{"kind":"event","event":').toString('base64'),
      String(sequence++),
    );
    const before = await installs();
    const response = await consumerFor(graph)(kinesisEvent([poisoned, ...good]));
    expect(response.batchItemFailures).toEqual([]);
    expect(await installs()).toBe(before + 1);
    const { Contents } = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: resources.bucket, Prefix: QUARANTINE_PREFIX }),
    );
    expect((Contents ?? []).map((c) => c.Key)).toEqual([
      expect.stringContaining(`${poisoned.kinesis.sequenceNumber}.json`),
    ]);
    expect(metrics.get('PoisonedRecords')).toBe(1);
  });

  it('leaves no object of a lake write that failed part-way', async () => {
    const failing = localClients().s3;
    failing.middlewareStack.add(
      (next, context) => async (args) => {
        const key = String((args.input as { Key?: string }).Key ?? '');
        if (context.commandName === 'PutObjectCommand' && key.startsWith('attributions/'))
          throw new Error('injected: attributions put failed');
        return next(args);
      },
      { step: 'initialize', name: 'failAttributionPuts' },
    );
    const writer = new S3LakeWriter({ client: failing, bucket: resources.bucket });
    const record = eventRecord({ advertisingId: adid(), timestampMs: T0 + 12 * HOUR });
    const event = record.kind === 'event' ? record.event : undefined;
    const rows = [
      rawRow(record),
      eventAttributionRow(
        {
          tenantId: 'acme',
          appId: 'com.acme.game',
          eventId: event?.eventId ?? '',
          deviceId: 'd1',
          type: 'session',
          timestampMs: T0 + 12 * HOUR,
          creditedAs: 'organic',
        } as Parameters<typeof eventAttributionRow>[0],
        T0,
      ),
    ];
    await expect(writer.write('partial-write-batch', rows)).rejects.toThrow(/injected/);
    const { Contents } = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: resources.bucket, Prefix: 'events/' }),
    );
    expect((Contents ?? []).filter((c) => c.Key?.includes('partial-write-batch'))).toEqual([]);
  });

  it('reports only the records a throttled transaction failed, and their retry completes them', async () => {
    // A client whose transactions for one event keep failing with a throttling error (injected).
    const victim = eventRecord({ advertisingId: adid(), timestampMs: T0 + 8 * HOUR });
    const victimId = victim.kind === 'event' ? victim.event.eventId : '';
    let throttle = true;
    const raw = createDynamoDbClient(
      'us-east-1',
      await clients.dynamodb.config.endpoint?.().then((e) => `${e.protocol}//${e.hostname}:${e.port}`),
    );
    raw.middlewareStack.add(
      (next, context) => async (args) => {
        const input = JSON.stringify((args as { input?: unknown }).input ?? {});
        if (throttle && context.commandName === 'TransactWriteItemsCommand' && input.includes(victimId)) {
          throw throttlingError();
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectThrottling' },
    );
    const throttled = new IdentityGraph({
      documents: createDocumentClient(raw),
      tableName: resources.identityGraphTable,
      baseDelayMs: 1,
    });
    const others = [1, 2, 3].map((i) =>
      eventRecord({ advertisingId: adid(), timestampMs: T0 + 8 * HOUR + i * MINUTE }),
    );
    const batch = toKinesis([others[0] as PipelineRecord, victim, ...others.slice(1)]);
    const before = await installs();
    const response = await consumerFor(throttled)(kinesisEvent(batch));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: batch[1]?.kinesis.sequenceNumber }]);
    expect(await installs()).toBe(before + 3);
    throttle = false;
    // Kinesis redelivers from the failed record on: the rest are duplicates now.
    const retry = await consumerFor(throttled)(kinesisEvent(batch.slice(1)));
    expect(retry.batchItemFailures).toEqual([]);
    expect(await installs()).toBe(before + 4);
  });

  it('fails a unit that lost a conditional write race, and its retry decides again', async () => {
    const id = adid();
    await consumerFor(graph)(
      kinesisEvent(toKinesis([eventRecord({ advertisingId: id, timestampMs: T0 + 9 * HOUR })])),
    );
    // A store that lets another writer change the device between this batch's load and its commit.
    const racing = {
      load: (request: StoreLoadRequest) => graph.load(request),
      commit: async (units: readonly UnitOfWork[]) => {
        await consumerFor(graph)(
          kinesisEvent(
            toKinesis([eventRecord({ advertisingId: id, type: 'open', timestampMs: T0 + 10 * HOUR })]),
          ),
        );
        return graph.commit(units);
      },
    };
    const session = toKinesis([
      eventRecord({ advertisingId: id, type: 'session', timestampMs: T0 + 11 * HOUR }),
    ]);
    const response = await consumerFor(racing)(kinesisEvent(session));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: session[0]?.kinesis.sequenceNumber }]);
    const retry = await consumerFor(graph)(kinesisEvent(session));
    expect(retry.batchItemFailures).toEqual([]);
  });

  it('measures DynamoDB requests and capacity per 1,000 attributed events', async () => {
    const measured = new IdentityGraph({
      documents: clients.documents,
      tableName: resources.identityGraphTable,
    });
    const records: PipelineRecord[] = [];
    // 100 devices (200 events, normalised to 1,000): 70% clicked (half of them on a second network too), each installs and buys once.
    for (let i = 0; i < 100; i++) {
      const id = adid();
      const base = T0 + 20 * HOUR + i * 1000;
      if (i % 10 < 7)
        records.push(
          clickRecord({ advertisingId: id, timestampMs: base, network: 'meta', campaign: `c${i % 5}` }),
        );
      if (i % 10 < 3)
        records.push(clickRecord({ advertisingId: id, timestampMs: base + 1000, network: 'google' }));
      records.push(
        eventRecord({
          advertisingId: id,
          timestampMs: base + HOUR,
          ip: `10.0.${Math.floor(i / 250)}.${i % 250}`,
        }),
      );
      records.push(
        eventRecord({
          advertisingId: id,
          type: 'purchase',
          timestampMs: base + 2 * HOUR,
          revenue: { amount: 1.99, currency: 'USD' },
        }),
      );
    }
    // Clicks first, as they arrive before installs on the stream; then batches of 100 like the event source.
    records.sort(
      (a, b) =>
        (a.kind === 'event' ? a.event.timestampMs : a.touchpoint.timestampMs) -
        (b.kind === 'event' ? b.event.timestampMs : b.touchpoint.timestampMs),
    );
    const consume = consumerFor(measured);
    const started = performance.now();
    for (let i = 0; i < records.length; i += 100) {
      const response = await consume(kinesisEvent(toKinesis(records.slice(i, i + 100))));
      expect(response.batchItemFailures).toEqual([]);
    }
    const elapsedMs = performance.now() - started;
    const events = records.filter((r) => r.kind === 'event').length;
    // `reported`: what DynamoDB Local answered in ConsumedCapacity (it counts one item per transaction);
    // `billed`: the units DynamoDB bills, from item sizes (src/adapters/dynamodb/billing.ts).
    const reported = measured.meter.snapshot();
    const billed = measured.billed.snapshot();
    const per1000 = (n: number) => Math.round((n * 1000 * 100) / events) / 100;
    const figures = (m: typeof reported) => ({
      requests: per1000(m.requests),
      readCapacityUnits: per1000(m.readCapacityUnits),
      writeCapacityUnits: per1000(m.writeCapacityUnits),
    });
    // The same workload through the adapter before the compact layout and packed transactions
    // (commit 97a63b5, one transaction per record), for the ratio; see docs/identity-graph.md.
    const before = {
      elapsedMs: 24_338,
      reported: { requests: 3535, readCapacityUnits: 1500, writeCapacityUnits: 24_200 },
      billed: { requests: 3535, readCapacityUnits: 5500, writeCapacityUnits: 19_700 },
    };
    const now = figures(billed);
    console.log(
      JSON.stringify({
        records: records.length,
        events,
        touchpoints: records.length - events,
        elapsedMs: Math.round(elapsedMs),
        per1000Events: { reported: figures(reported), billed: now },
        before,
        ratio: {
          elapsed: Math.round((elapsedMs / before.elapsedMs) * 1000) / 1000,
          requests: Math.round((now.requests / before.billed.requests) * 1000) / 1000,
          billedReadCapacityUnits:
            Math.round((now.readCapacityUnits / before.billed.readCapacityUnits) * 1000) / 1000,
          billedWriteCapacityUnits:
            Math.round((now.writeCapacityUnits / before.billed.writeCapacityUnits) * 1000) / 1000,
        },
        byOperation: { reported: reported.byOperation, billed: billed.byOperation },
      }),
    );
    expect(reported.requests).toBeGreaterThan(0);
  }, 120_000);
});
