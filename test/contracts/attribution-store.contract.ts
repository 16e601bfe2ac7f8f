import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CounterRow, ErasureCounts } from '../../src/app/records.js';
import { AttributionEngine, collectKeys, decideBatch, prepareBatch } from '../../src/domain/engine.js';
import { eventKey, type IdentifierKind, identifierKey } from '../../src/domain/keys.js';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.js';
import type { AttributionStore, Device } from '../../src/domain/store.js';
import { unitOfWork } from '../domain/factories.js';
import { adid, clickRecord, eventRecord, HOUR, T0 } from '../support/factories.js';

/**
 * The contract of the engine's storage port (`src/domain/store.ts`) and of the API's graph reader,
 * run against every implementation: in memory, embedded (LMDB) and DynamoDB (Local). The same cases
 * prove the three behave the same.
 */

/** The API's reads of the identity graph (`IdentityGraphReader`), where an implementation has them. */
export interface GraphReads {
  findDevice(
    tenantId: string,
    appId: string,
    kind: IdentifierKind,
    value: string,
  ): Promise<Device | undefined>;
  readCounters(tenantId: string, appId: string, fromDay: string, toDay: string): Promise<CounterRow[]>;
  eraseIdentity(tenantId: string, appId: string, kind: IdentifierKind, value: string): Promise<ErasureCounts>;
}

export interface StoreUnderTest {
  readonly store: AttributionStore;
  /** @default the implementation has no API reads (the in-memory store) */
  readonly reads?: GraphReads;
  /**
   * Deletes what is past its expiry as of `nowMs`, as DynamoDB's TTL eventually does.
   * @default the implementation keeps expired items readable until its own sweep (DynamoDB Local never runs TTL)
   */
  readonly expire?: (nowMs: number) => Promise<unknown>;
}

/** What an implementation offers beyond the port's core (cases for the rest are not registered). */
export interface StoreFeatures {
  /** Has the API's reads (`reads`): counters, erasure. */
  readonly reads: boolean;
  /**
   * Keeps what an event's commit decided with its marker (`processedEventOutcomes`), which the port
   * leaves optional.
   */
  readonly keepsEventOutcomes: boolean;
}

const APP = 'com.acme.game';
const DAY_MS = 24 * HOUR;

const device = (tenantId: string, overrides: Partial<Device> = {}): Device => ({
  deviceId: randomUUID(),
  tenantId,
  appId: APP,
  advertisingIds: [],
  vendorIds: [],
  customerUserIds: [],
  firstSeenMs: T0,
  lastEventMs: T0,
  installCount: 0,
  version: 0,
  ...overrides,
});

const noKeys = { deviceKeys: [], touchpointKeys: [], eventKeys: [], ipHourKeys: [] };

export function attributionStoreContract(
  name: string,
  features: StoreFeatures,
  setUp: () => Promise<StoreUnderTest>,
): void {
  // A case an implementation cannot meet is left out (not skipped: CI fails on skipped tests).
  type Case = (title: string, body: () => Promise<void>) => void;
  const registerIf = (on: boolean): Case => (on ? (title, body) => it(title, body) : () => undefined);
  const whenOutcomes = registerIf(features.keepsEventOutcomes);
  const whenReads = registerIf(features.reads);
  describe(`the storage port contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let engine: AttributionEngine;
    /** Each case its own tenant: the cases share one store. */
    const tenant = () => `t${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      subject = await setUp();
      engine = new AttributionEngine(subject.store, { settingsFor: () => DEFAULT_SETTINGS });
    });

    describe('conditional units', () => {
      it('applies a new device only where none is stored (version 0 expects none)', async () => {
        const t = tenant();
        const d = device(t);
        const link = { key: identifierKey(t, APP, 'adid', adid()), deviceId: d.deviceId };
        const first = unitOfWork({ recordIndex: 0, devices: [d], identifierLinks: [link] });
        const again = unitOfWork({ recordIndex: 1, devices: [{ ...d, installCount: 9 }] });

        const result = await subject.store.commit([first, again]);

        expect(result.failedRecordIndexes).toEqual([1]);
        const loaded = await subject.store.load({ ...noKeys, deviceKeys: [link.key] });
        expect(loaded.devices.get(link.key)?.installCount).toBe(0);
      });

      it('fails a unit whose device version is not the stored version + 1, and applies nothing of it', async () => {
        const t = tenant();
        const d = device(t);
        const link = { key: identifierKey(t, APP, 'adid', adid()), deviceId: d.deviceId };
        await subject.store.commit([unitOfWork({ devices: [d], identifierLinks: [link] })]);
        const counter = { tenantId: t, appId: APP, day: '2026-11-20', network: 'meta', campaign: 'c' };
        const stale = unitOfWork({
          recordIndex: 4,
          eventKey: eventKey(t, APP, 'stale-event'),
          devices: [{ ...d, version: 2, installCount: 5 }],
          counters: [{ ...counter, metric: 'installs', value: 1 }],
        });

        expect((await subject.store.commit([stale])).failedRecordIndexes).toEqual([4]);

        const loaded = await subject.store.load({
          ...noKeys,
          deviceKeys: [link.key],
          eventKeys: [eventKey(t, APP, 'stale-event')],
        });
        expect(loaded.devices.get(link.key)?.version).toBe(0);
        expect(loaded.processedEvents.size).toBe(0);
        if (subject.reads)
          expect(await subject.reads.readCounters(t, APP, '2026-11-01', '2026-11-30')).toEqual([]);
      });

      it('applies units of one device in record order within one commit (v1 then v2)', async () => {
        const t = tenant();
        const d = device(t);
        const link = { key: identifierKey(t, APP, 'adid', adid()), deviceId: d.deviceId };
        await subject.store.commit([unitOfWork({ devices: [d], identifierLinks: [link] })]);

        const result = await subject.store.commit([
          unitOfWork({ recordIndex: 0, devices: [{ ...d, version: 1, installCount: 1 }] }),
          unitOfWork({ recordIndex: 1, devices: [{ ...d, version: 2, installCount: 2 }] }),
        ]);

        expect(result.failedRecordIndexes).toEqual([]);
        const loaded = await subject.store.load({ ...noKeys, deviceKeys: [link.key] });
        expect(loaded.devices.get(link.key)).toMatchObject({ version: 2, installCount: 2 });
      });

      it('reports a version conflict when another writer moved the device between load and commit', async () => {
        const t = tenant();
        const raced = adid();
        await engine.processBatch([eventRecord({ tenantId: t, advertisingId: raced, timestampMs: T0 })]);
        const prepared = prepareBatch([
          eventRecord({ tenantId: t, advertisingId: adid(), timestampMs: T0 + HOUR }),
          eventRecord({ tenantId: t, advertisingId: raced, type: 'session', timestampMs: T0 + HOUR }),
        ]);
        const snapshot = await subject.store.load(collectKeys(prepared));
        const { units } = decideBatch(prepared, snapshot, { settingsFor: () => DEFAULT_SETTINGS });
        await engine.processBatch([
          eventRecord({ tenantId: t, advertisingId: raced, type: 'open', timestampMs: T0 + 2 * HOUR }),
        ]);

        expect((await subject.store.commit(units)).failedRecordIndexes).toEqual([1]);
      });
    });

    describe('duplicate events', () => {
      it('marks an event processed once: a second unit of the same event key fails', async () => {
        const t = tenant();
        const key = eventKey(t, APP, 'e-1');
        const unit = unitOfWork({
          eventKey: key,
          counters: [
            {
              tenantId: t,
              appId: APP,
              day: '2026-11-20',
              network: 'organic',
              campaign: '(none)',
              metric: 'events',
              value: 1,
            },
          ],
        });

        expect((await subject.store.commit([unit])).failedRecordIndexes).toEqual([]);
        expect((await subject.store.commit([{ ...unit, recordIndex: 3 }])).failedRecordIndexes).toEqual([3]);

        const loaded = await subject.store.load({ ...noKeys, eventKeys: [key] });
        expect([...loaded.processedEvents]).toEqual([key]);
        if (subject.reads) {
          const rows = await subject.reads.readCounters(t, APP, '2026-11-20', '2026-11-20');
          expect(rows).toEqual([
            { day: '2026-11-20', network: 'organic', campaign: '(none)', metric: 'events', value: 1 },
          ]);
        }
      });

      whenOutcomes('keeps the committing record and its decision with the event marker', async () => {
        const t = tenant();
        const record = eventRecord({ tenantId: t, advertisingId: adid(), timestampMs: T0 });
        await engine.processBatch([record], ['shardId-000000000000:0001']);
        const key = record.kind === 'event' ? eventKey(t, APP, record.event.eventId) : '';

        const loaded = await subject.store.load({ ...noKeys, eventKeys: [key] });

        expect(loaded.processedEvents.has(key)).toBe(true);
        expect(loaded.processedEventOutcomes?.get(key)).toMatchObject({
          sourceId: 'shardId-000000000000:0001',
          attribution: { status: 'organic' },
        });
      });

      it('counts an install sent twice once, through the engine', async () => {
        const t = tenant();
        const install = eventRecord({ tenantId: t, advertisingId: adid(), timestampMs: T0 });
        await engine.processBatch([install]);
        await engine.processBatch([install]);
        const loaded = await subject.store.load({
          ...noKeys,
          deviceKeys: [
            identifierKey(
              t,
              APP,
              'adid',
              install.kind === 'event' ? (install.event.advertisingId ?? '') : '',
            ),
          ],
        });
        expect([...loaded.devices.values()][0]?.installCount).toBe(1);
        if (subject.reads) {
          const installs = (await subject.reads.readCounters(t, APP, '2026-11-01', '2026-11-30'))
            .filter((r) => r.metric === 'installs')
            .reduce((n, r) => n + r.value, 0);
          expect(installs).toBe(1);
        }
      });
    });

    describe('touchpoints and counters', () => {
      it('attributes an install to a click stored under its advertising id', async () => {
        const t = tenant();
        const id = adid();
        await engine.processBatch([
          clickRecord({ tenantId: t, advertisingId: id, network: 'tiktok', timestampMs: T0 }),
        ]);
        const result = await engine.processBatch([
          eventRecord({ tenantId: t, advertisingId: id, timestampMs: T0 + HOUR }),
        ]);
        expect(result.outcomes[0]).toMatchObject({
          attribution: { status: 'attributed', source: { network: 'tiktok' } },
        });
      });

      it('adds counter increments of many units and commits, per metric and currency', async () => {
        const t = tenant();
        const row = { tenantId: t, appId: APP, day: '2026-11-21', network: 'meta', campaign: 'winter' };
        await subject.store.commit([
          unitOfWork({ counters: [{ ...row, metric: 'revenue', currency: 'USD', value: 1.5 }] }),
          unitOfWork({
            counters: [
              { ...row, metric: 'revenue', currency: 'USD', value: 2 },
              { ...row, metric: 'revenue', currency: 'EUR', value: 3 },
            ],
          }),
        ]);
        await subject.store.commit([unitOfWork({ counters: [{ ...row, metric: 'events', value: 2 }] })]);
        if (!subject.reads) return;

        const rows = await subject.reads.readCounters(t, APP, '2026-11-21', '2026-11-21');

        expect(rows).toHaveLength(3);
        expect(rows).toEqual(
          expect.arrayContaining([
            {
              day: '2026-11-21',
              network: 'meta',
              campaign: 'winter',
              metric: 'revenue',
              currency: 'USD',
              value: 3.5,
            },
            {
              day: '2026-11-21',
              network: 'meta',
              campaign: 'winter',
              metric: 'revenue',
              currency: 'EUR',
              value: 3,
            },
            { day: '2026-11-21', network: 'meta', campaign: 'winter', metric: 'events', value: 2 },
          ]),
        );
        expect(await subject.reads.readCounters(t, APP, '2026-11-22', '2026-12-31')).toEqual([]);
      });

      it('adds installs per IP and hour across commits', async () => {
        const t = tenant();
        const key = `${t}#${APP}#ip#203.0.113.9#2026112010`;
        await subject.store.commit([unitOfWork({ ipHourIncrements: [{ key, delta: 1 }] })]);
        await subject.store.commit([unitOfWork({ ipHourIncrements: [{ key, delta: 2 }] })]);
        const loaded = await subject.store.load({ ...noKeys, ipHourKeys: [key] });
        expect(loaded.ipInstallCounts.get(key)).toBe(3);
      });
    });

    describe("TTL'd items", () => {
      it('keeps a touchpoint readable until its expiry passes, then (where the store expires items) drops it', async () => {
        const t = tenant();
        const id = adid();
        const click = clickRecord({ tenantId: t, advertisingId: id, timestampMs: Date.now() });
        const matchKey = identifierKey(t, APP, 'adid', id);
        await engine.processBatch([click]);

        expect(
          (await subject.store.load({ ...noKeys, touchpointKeys: [matchKey] })).touchpoints.get(matchKey),
        ).toHaveLength(1);
        if (!subject.expire) return;
        await subject.expire(Date.now() + 30 * DAY_MS);
        expect(
          (await subject.store.load({ ...noKeys, touchpointKeys: [matchKey] })).touchpoints.get(matchKey),
        ).toHaveLength(1);
        await subject.expire(Date.now() + 32 * DAY_MS);
        expect(
          (await subject.store.load({ ...noKeys, touchpointKeys: [matchKey] })).touchpoints.has(matchKey),
        ).toBe(false);
      });

      it('keeps devices, their links and counters past every expiry', async () => {
        const t = tenant();
        const id = adid();
        await engine.processBatch([eventRecord({ tenantId: t, advertisingId: id, timestampMs: T0 })]);
        await subject.expire?.(Date.now() + 500 * DAY_MS);
        const loaded = await subject.store.load({
          ...noKeys,
          deviceKeys: [identifierKey(t, APP, 'adid', id)],
        });
        expect(loaded.devices.size).toBe(1);
        if (subject.reads)
          expect(
            (await subject.reads.readCounters(t, APP, '2026-11-01', '2026-11-30')).length,
          ).toBeGreaterThan(0);
      });
    });

    // An empty describe counts as skipped: leave the block out where the implementation has no reads.
    if (features.reads)
      describe('erasure', () => {
        it('erases the device, its identifiers, its touchpoints and attributions; counters stay', async ({
          skip,
        }) => {
          if (!subject.reads) return skip();
          const t = tenant();
          const id = adid();
          const vendor = randomUUID();
          await engine.processBatch([clickRecord({ tenantId: t, advertisingId: id, timestampMs: T0 })]);
          await engine.processBatch([
            eventRecord({ tenantId: t, advertisingId: id, vendorId: vendor, timestampMs: T0 + HOUR }),
          ]);

          const erased = await subject.reads.eraseIdentity(t, APP, 'adid', id);

          expect(erased).toEqual({ devices: 1, identifiers: 2, touchpoints: 1, attributions: 1 });
          expect(await subject.reads.findDevice(t, APP, 'idfv', vendor)).toBeUndefined();
          const matchKey = identifierKey(t, APP, 'adid', id);
          expect(
            (await subject.store.load({ ...noKeys, touchpointKeys: [matchKey] })).touchpoints.has(matchKey),
          ).toBe(false);
          const installs = (await subject.reads.readCounters(t, APP, '2026-11-01', '2026-11-30')).filter(
            (r) => r.metric === 'installs',
          );
          expect(installs.reduce((n, r) => n + r.value, 0)).toBe(1);
        });

        whenReads('answers an erasure of an unknown identity with zero counts', async () => {
          if (!subject.reads) throw new Error('reads expected');
          expect(await subject.reads.eraseIdentity(tenant(), APP, 'cuid', 'nobody')).toEqual({
            devices: 0,
            identifiers: 0,
            touchpoints: 0,
            attributions: 0,
          });
        });
      });
  });
}
