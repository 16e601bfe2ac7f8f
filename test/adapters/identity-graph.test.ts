import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { foldChain } from '../../src/adapters/dynamodb/identity-graph/fold.js';
import { IdentityGraph } from '../../src/adapters/dynamodb/identity-graph.js';
import { AttributionEngine, collectKeys, decideBatch, prepareBatch } from '../../src/domain/engine.js';
import { deviceIdFor } from '../../src/domain/identity.js';
import { eventKey, identifierKey, signatureKey } from '../../src/domain/keys.js';
import type { Touchpoint } from '../../src/domain/records.js';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.js';
import { installSignatures } from '../../src/domain/signature.js';
import type { Device, UnitOfWork } from '../../src/domain/store.js';
import { adid, clickRecord, eventRecord, HOUR, T0 } from '../support/factories.js';
import { createLocalResources, localClients } from '../support/local.js';

describe('identity graph on DynamoDB Local', () => {
  const clients = localClients();
  let graph: IdentityGraph;
  let engine: AttributionEngine;
  let tableName: string;

  beforeAll(async () => {
    const resources = await createLocalResources(clients);
    tableName = resources.identityGraphTable;
    graph = new IdentityGraph({ documents: clients.documents, tableName });
    engine = new AttributionEngine(graph, { settingsFor: () => DEFAULT_SETTINGS });
  });

  it('attributes an install to a click matched on the advertising id', async () => {
    const id = adid();
    const click = clickRecord({ advertisingId: id });
    await engine.processBatch([click]);
    const result = await engine.processBatch([eventRecord({ advertisingId: id, timestampMs: T0 + HOUR })]);
    expect(result.failedRecordIndexes).toEqual([]);
    expect(result.outcomes[0]?.attribution?.status).toBe('attributed');
    const device = await graph.findDevice('acme', 'com.acme.game', 'adid', id);
    expect(device?.currentAttribution?.source?.network).toBe('meta');
    expect(await graph.listAttributions(device ?? { tenantId: '', appId: '', deviceId: '' })).toHaveLength(1);
  });

  it('stores the first attribution once while it is current, and both after a reinstall', async () => {
    const id = adid();
    const click = clickRecord({ advertisingId: id, network: 'google' });
    const install = eventRecord({ advertisingId: id, timestampMs: T0 + HOUR });
    await engine.processBatch([click, install]);
    const installed = await graph.findDevice('acme', 'com.acme.game', 'adid', id);
    expect(installed?.firstAttribution).toEqual(installed?.currentAttribution);
    expect(installed?.firstAttribution?.explanation.length).toBeGreaterThan(3);
    await engine.processBatch([eventRecord({ advertisingId: id, timestampMs: T0 + 3 * HOUR })]);
    const reinstalled = await graph.findDevice('acme', 'com.acme.game', 'adid', id);
    expect(reinstalled?.installCount).toBe(2);
    expect(reinstalled?.firstAttribution?.kind).toBe('install');
    expect(reinstalled?.currentAttribution?.kind).toBe('reinstall');
    expect(reinstalled?.firstAttribution).toEqual(installed?.firstAttribution);
    const history = await graph.listAttributions(reinstalled ?? { tenantId: '', appId: '', deviceId: '' });
    expect(history.map((a) => a.kind)).toEqual(['install', 'reinstall']);
  });

  describe('links implied by a new device id', () => {
    const app = 'com.acme.game';
    const linkOf = async (tenant: string, id: string) =>
      (
        await clients.documents.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `I#${identifierKey(tenant, app, 'adid', id)}` },
          }),
        )
      ).Items ?? [];

    it('writes no link from a new device to the identifier its id comes from, and finds the device by it', async () => {
      const id = adid();
      await engine.processBatch([eventRecord({ advertisingId: id, tenantId: 'implied' })]);

      expect(await linkOf('implied', id)).toHaveLength(0);
      const device = await graph.findDevice('implied', app, 'adid', id);
      expect(device?.deviceId).toBe(deviceIdFor(identifierKey('implied', app, 'adid', id)));
      const later = await engine.processBatch([
        eventRecord({ advertisingId: id, tenantId: 'implied', type: 'session', timestampMs: T0 + 2 * HOUR }),
      ]);
      expect(later.failedRecordIndexes).toEqual([]);
      expect((await graph.findDevice('implied', app, 'adid', id))?.version).toBe(1);
    });

    it('writes the links of a new device’s other identifiers', async () => {
      const id = adid();
      const vendorId = adid();
      await engine.processBatch([eventRecord({ advertisingId: id, vendorId, tenantId: 'implied' })]);

      const byVendorId = await graph.findDevice('implied', app, 'idfv', vendorId);
      expect(byVendorId?.deviceId).toBe(deviceIdFor(identifierKey('implied', app, 'adid', id)));
    });

    it('falls back to the implied device when a link names a device that is gone', async () => {
      const id = adid();
      await engine.processBatch([eventRecord({ advertisingId: id, tenantId: 'implied' })]);
      await clients.documents.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: `I#${identifierKey('implied', app, 'adid', id)}`, sk: 'I', deviceId: 'dev_erased' },
        }),
      );

      expect((await graph.findDevice('implied', app, 'adid', id))?.deviceId).toBe(
        deviceIdFor(identifierKey('implied', app, 'adid', id)),
      );
    });

    it('relies on deviceIdFor staying the same function: stored devices are found by it', () => {
      // Changing it would lose every device whose first identifier has no link item.
      expect(deviceIdFor('acme#com.acme.game#adid#00000000-0000-4000-8000-000000000001')).toBe(
        'dev_688bd4fa160775b3',
      );
    });
  });

  it('keeps a settled first attribution in the device item only, and lists it with the history', async () => {
    const id = adid();
    await engine.processBatch([
      clickRecord({ advertisingId: id, tenantId: 'history' }),
      eventRecord({ advertisingId: id, tenantId: 'history', timestampMs: T0 + HOUR }),
    ]);
    const device = await graph.findDevice('history', 'com.acme.game', 'adid', id);
    if (!device) throw new Error('no device');
    const historyItems = async () =>
      (
        await clients.documents.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
            ExpressionAttributeValues: { ':pk': `D#history#com.acme.game#${device.deviceId}`, ':a': 'A#' },
          }),
        )
      ).Items ?? [];
    expect(await historyItems()).toHaveLength(0);
    expect((await graph.listAttributions(device)).map((a) => a.kind)).toEqual(['install']);

    await engine.processBatch([
      eventRecord({ advertisingId: id, tenantId: 'history', timestampMs: T0 + 3 * HOUR }),
    ]);

    expect(await historyItems()).toHaveLength(1);
    expect((await graph.listAttributions(device)).map((a) => a.kind)).toEqual(['install', 'reinstall']);
    // A history item for the first attribution too (written before this layout): listed once.
    await clients.documents.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: `D#history#com.acme.game#${device.deviceId}`,
          sk: `A#${String(device.firstAttribution?.installTimeMs).padStart(15, '0')}#${device.firstAttribution?.eventId}`,
          data: JSON.stringify(device.firstAttribution),
        },
      }),
    );
    expect((await graph.listAttributions(device)).map((a) => a.kind)).toEqual(['install', 'reinstall']);
    expect((await graph.eraseIdentity('history', 'com.acme.game', 'adid', id)).attributions).toBe(2);
  });

  it('writes a history item for a rejected first install, which a later install may replace', async () => {
    const id = adid();
    // A click two seconds before the install: click injection, rejected.
    await engine.processBatch([
      clickRecord({ advertisingId: id, tenantId: 'rejected', timestampMs: T0 + HOUR - 2000 }),
      eventRecord({ advertisingId: id, tenantId: 'rejected', timestampMs: T0 + HOUR }),
    ]);
    const device = await graph.findDevice('rejected', 'com.acme.game', 'adid', id);
    expect(device?.firstAttribution?.status).toBe('rejected');

    await engine.processBatch([
      eventRecord({ advertisingId: id, tenantId: 'rejected', timestampMs: T0 + 3 * HOUR }),
    ]);

    const history = await graph.listAttributions(device ?? { tenantId: '', appId: '', deviceId: '' });
    expect(history.map((a) => a.status)).toEqual(['rejected', expect.not.stringMatching('rejected')]);
  });

  it('reads counters back per metric and currency from one row per day, network and campaign', async () => {
    const id = adid();
    await engine.processBatch([
      clickRecord({ advertisingId: id, tenantId: 'counters', network: 'tiktok', campaign: 'spring' }),
      eventRecord({ advertisingId: id, tenantId: 'counters', timestampMs: T0 + HOUR }),
      eventRecord({
        advertisingId: id,
        tenantId: 'counters',
        type: 'purchase',
        timestampMs: T0 + 2 * HOUR,
        revenue: { amount: 2.5, currency: 'EUR' },
      }),
    ]);
    const rows = await graph.readCounters('counters', 'com.acme.game', '2026-11-01', '2026-11-30');
    expect(rows).toEqual(
      expect.arrayContaining([
        { day: '2026-11-20', network: 'tiktok', campaign: 'spring', metric: 'installs', value: 1 },
        { day: '2026-11-20', network: 'tiktok', campaign: 'spring', metric: 'events', value: 1 },
        {
          day: '2026-11-20',
          network: 'tiktok',
          campaign: 'spring',
          metric: 'revenue',
          currency: 'EUR',
          value: 2.5,
        },
      ]),
    );
  });

  it('fails only the unit that lost its condition in a packed transaction; the others commit', async () => {
    const raced = adid();
    await engine.processBatch([eventRecord({ advertisingId: raced, tenantId: 'race', timestampMs: T0 })]);
    const batch = [
      eventRecord({ advertisingId: adid(), tenantId: 'race', timestampMs: T0 + HOUR }),
      eventRecord({ advertisingId: raced, tenantId: 'race', type: 'session', timestampMs: T0 + HOUR }),
      eventRecord({ advertisingId: adid(), tenantId: 'race', timestampMs: T0 + HOUR }),
    ];
    const prepared = prepareBatch(batch);
    const snapshot = await graph.load(collectKeys(prepared));
    const { units } = decideBatch(prepared, snapshot, { settingsFor: () => DEFAULT_SETTINGS });
    // Another writer changes the raced device between this load and the commit.
    await engine.processBatch([
      eventRecord({ advertisingId: raced, tenantId: 'race', type: 'open', timestampMs: T0 + 2 * HOUR }),
    ]);
    const before = graph.meter.snapshot().byOperation.TransactWriteItems?.requests ?? 0;
    expect((await graph.commit(units)).failedRecordIndexes).toEqual([1]);
    // One transaction for the three units, cancelled, then resubmitted without the loser.
    expect((graph.meter.snapshot().byOperation.TransactWriteItems?.requests ?? 0) - before).toBe(2);
    const installs = (await graph.readCounters('race', 'com.acme.game', '2026-11-01', '2026-11-30'))
      .filter((c) => c.metric === 'installs')
      .reduce((sum, c) => sum + c.value, 0);
    expect(installs).toBe(3);
    // A redelivery of the two committed records changes nothing; the failed one now commits.
    const again = await engine.processBatch(batch);
    expect(again.failedRecordIndexes).toEqual([]);
    expect(again.outcomes.map((o) => o.status)).toEqual(['duplicate', 'processed', 'duplicate']);
  });

  describe("one device's units of a batch, folded", () => {
    it('folds consecutive units of one device at consecutive versions, each with its own event', () => {
      const unit = (recordIndex: number, deviceId: string, version: number, event = `e${recordIndex}`) => ({
        recordIndex,
        eventKey: event,
        devices: [{ deviceId, version } as Device],
        identifierLinks: [],
        touchpoints: [],
        attributions: [],
        eventAttributions: [],
        counters: [],
        ipHourIncrements: [],
      });
      const runs = (units: UnitOfWork[], limit?: number) =>
        foldChain(units, limit).map((run) => run.map((u) => u.recordIndex));

      expect(runs([unit(0, 'a', 0), unit(1, 'a', 1), unit(2, 'a', 2)])).toEqual([[0, 1, 2]]);
      expect(runs([unit(0, 'a', 0), unit(1, 'a', 0)])).toEqual([[0], [1]]);
      expect(runs([unit(0, 'a', 3), unit(1, 'b', 4), unit(2, 'b', 5)])).toEqual([[0], [1, 2]]);
      expect(runs([unit(0, 'a', 0), unit(1, 'a', 1, 'e0')])).toEqual([[0], [1]]);
      expect(runs([unit(0, 'a', 0), unit(1, 'a', 1), unit(2, 'a', 2)], 2)).toEqual([[0, 1], [2]]);
    });

    const app = 'com.acme.game';
    const transactions = (g: IdentityGraph) =>
      g.meter.snapshot().byOperation.TransactWriteItems?.requests ?? 0;

    it('commits an install and the later events of its device in one transaction, the device written once', async () => {
      const id = adid();
      const batch = [
        eventRecord({ advertisingId: id, tenantId: 'folded' }),
        eventRecord({ advertisingId: id, tenantId: 'folded', type: 'session', timestampMs: T0 + 2 * HOUR }),
        eventRecord({ advertisingId: id, tenantId: 'folded', type: 'session', timestampMs: T0 + 3 * HOUR }),
        eventRecord({
          advertisingId: id,
          tenantId: 'folded',
          type: 'purchase',
          timestampMs: T0 + 4 * HOUR,
          revenue: { amount: 3, currency: 'USD' },
        }),
      ];
      const before = transactions(graph);

      const result = await engine.processBatch(batch);

      expect(result.failedRecordIndexes).toEqual([]);
      expect(transactions(graph) - before).toBe(1);
      const device = await graph.findDevice('folded', app, 'adid', id);
      expect(device).toMatchObject({ version: 3, lastEventMs: T0 + 4 * HOUR, installCount: 1 });
      const rows = await graph.readCounters('folded', app, '2026-11-01', '2026-11-30');
      expect(rows.find((r) => r.metric === 'revenue')?.value).toBe(3);
      // Every event of the run is marked: a redelivery changes nothing.
      const again = await engine.processBatch(batch);
      expect(again.outcomes.map((o) => o.status)).toEqual([
        'duplicate',
        'duplicate',
        'duplicate',
        'duplicate',
      ]);
    });

    it('applies a refused run one unit at a time: the units before the refused one commit, it and the rest fail', async () => {
      const id = adid();
      await engine.processBatch([eventRecord({ advertisingId: id, tenantId: 'refused' })]);
      const batch = [1, 2, 3].map((h) =>
        eventRecord({
          advertisingId: id,
          tenantId: 'refused',
          type: 'session',
          timestampMs: T0 + (1 + h) * HOUR,
        }),
      );
      const prepared = prepareBatch(batch);
      const snapshot = await graph.load(collectKeys(prepared));
      const { units } = decideBatch(prepared, snapshot, { settingsFor: () => DEFAULT_SETTINGS });
      // Another writer marked the second event processed after this load.
      const second = batch[1];
      if (second?.kind !== 'event') throw new Error('factory');
      await clients.documents.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: `E#${eventKey('refused', app, second.event.eventId)}`, sk: 'E' },
        }),
      );

      const result = await graph.commit(units);

      expect(result.failedRecordIndexes).toEqual([1, 2]);
      expect((await graph.findDevice('refused', app, 'adid', id))?.version).toBe(1);
    });
  });

  describe('counter row shards', () => {
    it('spreads the counter writes of successive commits over the shards of a row', async () => {
      const sharded = new IdentityGraph({
        documents: clients.documents,
        tableName,
        counterShards: 4,
      });
      const shardedEngine = new AttributionEngine(sharded, { settingsFor: () => DEFAULT_SETTINGS });

      for (let i = 0; i < 8; i++)
        await shardedEngine.processBatch([
          eventRecord({ advertisingId: adid(), tenantId: 'shards', timestampMs: T0 + i * 1000 }),
        ]);

      const items = await clients.documents.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'C#shards#com.acme.game#2026-11' },
        }),
      );
      // Eight commits, each adding one install to the next shard in turn: two on each of the four.
      expect((items.Items ?? []).map((i) => i['m#installs']).sort()).toEqual([2, 2, 2, 2]);
    });

    it('sums the shards of a row on read, with rows written before sharding', async () => {
      const sharded = new IdentityGraph({ documents: clients.documents, tableName, counterShards: 3 });
      const shardedEngine = new AttributionEngine(sharded, { settingsFor: () => DEFAULT_SETTINGS });
      for (let i = 0; i < 5; i++)
        await shardedEngine.processBatch([
          eventRecord({ advertisingId: adid(), tenantId: 'summed', timestampMs: T0 + i * 1000 }),
        ]);
      // A row as written before sharding: the same attributes, no shard part in its sort key.
      const shard = await clients.documents.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'C#summed#com.acme.game#2026-11' },
          Limit: 1,
        }),
      );
      const written = shard.Items?.[0] ?? {};
      await clients.documents.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...written, sk: String(written.sk).replace(/#\d+$/, ''), 'm#installs': 10 },
        }),
      );

      const rows = await sharded.readCounters('summed', 'com.acme.game', '2026-11-01', '2026-11-30');
      const installs = rows.filter((r) => r.metric === 'installs');
      expect(installs).toHaveLength(1);
      expect(installs[0]).toMatchObject({ day: '2026-11-20', network: 'organic', value: 15 });
    });

    it('writes a row once per shard in a commit: each transaction of the commit takes its own shard', async () => {
      const oneUnitEach = new IdentityGraph({
        documents: clients.documents,
        tableName,
        counterShards: 4,
        unitsPerTransaction: 1,
      });
      const installs = Array.from({ length: 3 }, (_, i) =>
        eventRecord({ advertisingId: adid(), tenantId: 'per-commit', timestampMs: T0 + i * 1000 }),
      );

      const result = await new AttributionEngine(oneUnitEach, {
        settingsFor: () => DEFAULT_SETTINGS,
      }).processBatch(installs);

      expect(result.failedRecordIndexes).toEqual([]);
      const items = await clients.documents.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'C#per-commit#com.acme.game#2026-11' },
        }),
      );
      // Three transactions in one commit: three shard items of the row, one install each.
      expect((items.Items ?? []).map((i) => i['m#installs'])).toEqual([1, 1, 1]);
      const rows = await oneUnitEach.readCounters('per-commit', 'com.acme.game', '2026-11-01', '2026-11-30');
      expect(rows.find((r) => r.metric === 'installs')?.value).toBe(3);
    });

    it('refuses a shard count outside 1 to 256, naming the value', () => {
      expect(() => new IdentityGraph({ documents: clients.documents, tableName, counterShards: 0 })).toThrow(
        'counterShards must be a whole number from 1 to 256. Received 0',
      );
      expect(
        () => new IdentityGraph({ documents: clients.documents, tableName, counterShards: 257 }),
      ).toThrow('Received 257');
    });
  });
  describe('signature touchpoints, one partition per IP', () => {
    const app = 'com.acme.game';
    const install = {
      ip: '198.51.100.9',
      userAgent: 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UQ1A)',
    };
    const keysOf = (tenant: string) => installSignatures(install).map((s) => signatureKey(tenant, app, s));
    const clicks = (tenant: string, n: number, overrides: Partial<Touchpoint>) =>
      Array.from({ length: n }, (_, i) =>
        clickRecord({ tenantId: tenant, ip: install.ip, timestampMs: T0 + i * 60_000, ...overrides }),
      );
    const ids = (tps: readonly Touchpoint[] | undefined) => (tps ?? []).map((tp) => tp.id);
    const idsOf = (records: ReturnType<typeof clicks>) =>
      records.map((r) => (r.kind === 'touchpoint' ? r.touchpoint.id : ''));
    const queries = (g: IdentityGraph) => g.meter.snapshot().byOperation.Query?.requests ?? 0;
    const load = (g: IdentityGraph, keys: string[]) =>
      g.load({ deviceKeys: [], touchpointKeys: keys, eventKeys: [], ipHourKeys: [] });

    it("reads an install's three signatures with one Query and splits them by signature", async () => {
      const full = clicks('sig-one', 1, {});
      const reduced = clicks('sig-one', 1, {
        userAgent: undefined,
        platform: 'android',
        timestampMs: T0 + 5000,
      });
      const otherIp = clicks('sig-one', 1, { ip: '198.51.100.10' });
      await engine.processBatch([...full, ...reduced, ...otherIp]);
      const [ownKey, withoutModel, platformOnly] = keysOf('sig-one');
      const before = queries(graph);

      const snapshot = await load(graph, keysOf('sig-one'));

      expect(queries(graph) - before).toBe(1);
      expect(ids(snapshot.touchpoints.get(ownKey as string))).toEqual(idsOf(full));
      expect(snapshot.touchpoints.get(withoutModel as string)).toBeUndefined();
      expect(ids(snapshot.touchpoints.get(platformOnly as string))).toEqual(idsOf(reduced));
    });

    it('behind a busy IP reads each signature the first page did not finish on its own, newest first', async () => {
      const small = new IdentityGraph({ documents: clients.documents, tableName, touchpointsPerKey: 2 });
      const full = clicks('sig-busy', 3, {});
      const reduced = clicks('sig-busy', 3, { userAgent: undefined, platform: 'android' });
      await new AttributionEngine(small, { settingsFor: () => DEFAULT_SETTINGS }).processBatch([
        ...full,
        ...reduced,
      ]);
      const [ownKey, , platformOnly] = keysOf('sig-busy');

      const snapshot = await load(small, keysOf('sig-busy'));

      expect(ids(snapshot.touchpoints.get(ownKey as string))).toEqual(idsOf(full).slice(1).reverse());
      expect(ids(snapshot.touchpoints.get(platformOnly as string))).toEqual(
        idsOf(reduced).slice(1).reverse(),
      );
    });

    it('reads signature copies written before IP partitions when told to, each touchpoint once', async () => {
      const [ownKey] = keysOf('sig-old');
      const old = clicks('sig-old', 1, {})[0];
      const current = clicks('sig-old', 1, { timestampMs: T0 + HOUR })[0];
      if (old?.kind !== 'touchpoint' || current?.kind !== 'touchpoint') throw new Error('factory');
      await engine.processBatch([current]);
      // The earlier layout: one partition per signature key, the touchpoint's own sort key.
      await clients.documents.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: `M#${ownKey}`,
            sk: `${String(old.touchpoint.timestampMs).padStart(15, '0')}#${old.touchpoint.id}`,
            data: JSON.stringify(old.touchpoint),
            keys: [ownKey],
          },
        }),
      );
      const legacy = new IdentityGraph({
        documents: clients.documents,
        tableName,
        legacySignatureReads: true,
      });

      const both = await load(legacy, [ownKey as string]);
      const newOnly = await load(graph, [ownKey as string]);

      expect(ids(both.touchpoints.get(ownKey as string))).toEqual([current.touchpoint.id, old.touchpoint.id]);
      expect(ids(newOnly.touchpoints.get(ownKey as string))).toEqual([current.touchpoint.id]);
    });

    it("erases a device's touchpoints from its IP partition too", async () => {
      const id = adid();
      await engine.processBatch(clicks('sig-erase', 1, { advertisingId: id }));
      const partition = () =>
        clients.documents.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `S#sig-erase#${app}#${install.ip}` },
          }),
        );
      expect((await partition()).Items).toHaveLength(1);

      const erased = await graph.eraseIdentity('sig-erase', app, 'adid', id);

      expect(erased.touchpoints).toBe(1);
      expect((await partition()).Items).toHaveLength(0);
    });
  });
});
