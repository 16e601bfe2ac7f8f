import { beforeAll, describe, expect, it } from 'vitest';
import { IdentityGraph } from '../../src/adapters/dynamodb/identity-graph.js';
import { AttributionEngine } from '../../src/domain/engine.js';
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
});
