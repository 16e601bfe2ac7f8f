import { beforeAll, describe, expect, it } from 'vitest';
import { IdentityGraph } from '../../src/adapters/dynamodb/identity-graph.js';
import { AttributionEngine, collectKeys, decideBatch, prepareBatch } from '../../src/domain/engine.js';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.js';
import { adid, clickRecord, eventRecord, HOUR, T0 } from '../support/factories.js';
import { createLocalResources, localClients } from '../support/local.js';

describe('identity graph on DynamoDB Local', () => {
  const clients = localClients();
  let graph: IdentityGraph;
  let engine: AttributionEngine;

  beforeAll(async () => {
    const resources = await createLocalResources(clients);
    graph = new IdentityGraph({ documents: clients.documents, tableName: resources.identityGraphTable });
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
});
