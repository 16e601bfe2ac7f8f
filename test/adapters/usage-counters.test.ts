import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { counterKey, DynamoUsageCounters } from '../../src/adapters/dynamodb/usage-counters.js';
import { TENANT_REGISTRY_TABLE } from '../../src/definitions/tables.js';
import { dayWindow, secondWindow } from '../../src/http/limits.js';
import { createLocalResources, type LocalResources, localClients } from '../support/local.js';

/** The DynamoDB usage counters against DynamoDB Local. */
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

  it('adds up to the limit, then refuses with the total found and writes nothing', async () => {
    const window = secondWindow('com.acme.one', nowMs);
    expect(await counters.add(window, 2, 3)).toEqual({ admitted: true, total: 2 });
    expect(await counters.add(window, 1, 3)).toEqual({ admitted: true, total: 3 });
    const refused = await counters.add(window, 1, 3);
    expect(refused.admitted).toBe(false);
    expect(refused.total).toBe(3);
    expect((await item(counterKey(window)))?.total).toBe(3);
  });

  it('refuses a batch that would pass the remaining quota, and admits one that fits', async () => {
    const window = dayWindow('com.acme.two', nowMs);
    await counters.add(window, 8, 10);
    expect((await counters.add(window, 3, 10)).admitted).toBe(false);
    expect(await counters.add(window, 2, 10)).toEqual({ admitted: true, total: 10 });
  });

  it('keeps apps and windows apart', async () => {
    const a = secondWindow('com.acme.three', nowMs);
    await counters.add(a, 1, 1);
    expect((await counters.add(a, 1, 1)).admitted).toBe(false);
    expect((await counters.add(secondWindow('com.acme.four', nowMs), 1, 1)).admitted).toBe(true);
    expect((await counters.add(secondWindow('com.acme.three', nowMs + 1000), 1, 1)).admitted).toBe(true);
  });

  it('gives units back, and ignores a window already gone', async () => {
    const window = dayWindow('com.acme.five', nowMs);
    await counters.add(window, 4, 4);
    await counters.remove(window, 4);
    expect((await item(counterKey(window)))?.total).toBe(0);
    await counters.remove(dayWindow('com.acme.never', nowMs), 4);
    expect(await item(counterKey(dayWindow('com.acme.never', nowMs)))).toBeUndefined();
  });

  it('stamps the TTL attribute of the table a minute past the window', async () => {
    const window = secondWindow('com.acme.six', nowMs);
    await counters.add(window, 1, 10);
    const attribute = TENANT_REGISTRY_TABLE.timeToLiveAttribute ?? '';
    expect(attribute).not.toBe('');
    expect((await item(counterKey(window)))?.[attribute]).toBe(Math.ceil(window.endsAtMs / 1000) + 60);
  });
});
