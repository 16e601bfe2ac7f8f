import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { counterKey, DynamoUsageCounters } from '../../src/adapters/dynamodb/usage-counters.js';
import { TENANT_REGISTRY_TABLE } from '../../src/definitions/tables.js';
import { secondWindow } from '../../src/http/limits.js';
import { createLocalResources, type LocalResources, localClients } from '../support/local.js';

/** The DynamoDB usage counters' own layout against DynamoDB Local (the behaviour is the port's contract). */
describe('DynamoUsageCounters', () => {
  const clients = localClients();
  let resources: LocalResources;
  let counters: DynamoUsageCounters;
  const nowMs = Date.UTC(2026, 10, 29, 12, 0, 0, 400);

  beforeAll(async () => {
    resources = await createLocalResources(clients);
    counters = new DynamoUsageCounters({
      documents: clients.documents,
      tableName: resources.tenantRegistryTable,
    });
  });

  const item = async (key: ReturnType<typeof counterKey>) =>
    (await clients.documents.send(new GetCommand({ TableName: resources.tenantRegistryTable, Key: key })))
      .Item;

  it('keeps each shard of a window in an item of its own', async () => {
    const window = secondWindow('com.acme.one', nowMs);
    await counters.add({ ...window, shard: 0 }, 2, 3);
    await counters.add({ ...window, shard: 63 }, 3, 3);
    expect(counterKey({ ...window, shard: 63 }).pk).toBe(`LIMIT#${window.key}#63`);
    expect((await item(counterKey({ ...window, shard: 0 })))?.total).toBe(2);
    expect((await item(counterKey({ ...window, shard: 63 })))?.total).toBe(3);
  });

  it('stamps the TTL attribute of the table a minute past the window', async () => {
    const window = { ...secondWindow('com.acme.six', nowMs), shard: 1 };
    await counters.add(window, 1, 10);
    const attribute = TENANT_REGISTRY_TABLE.timeToLiveAttribute ?? '';
    expect(attribute).not.toBe('');
    expect((await item(counterKey(window)))?.[attribute]).toBe(Math.ceil(window.endsAtMs / 1000) + 60);
  });
});
