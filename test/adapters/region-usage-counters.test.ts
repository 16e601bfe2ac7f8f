import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { counterKey, DynamoUsageCounters } from '../../src/adapters/dynamodb/usage-counters.js';
import { loadRuntimeConfig } from '../../src/config/runtime.js';
import { ENV } from '../../src/definitions/environment.js';
import { dayWindow } from '../../src/http/limits.js';
import { createLocalResources, type LocalResources, localClients } from '../support/local.js';

/**
 * Per-app limits across regions (issue 12, item 2): in a global table two regions adding to one counter
 * item settle by last writer wins and lose an addition, so each region counts in items only it writes,
 * and a long window's limit applies to the sum of every region's count (the contract's multi-region cases).
 */
describe('usage counters of several regions', () => {
  const clients = localClients();
  let resources: LocalResources;
  const nowMs = Date.UTC(2026, 10, 29, 12, 0, 0);
  const regions = ['us-east-1', 'eu-west-1'];
  let us: DynamoUsageCounters;
  let eu: DynamoUsageCounters;

  beforeAll(async () => {
    resources = await createLocalResources(clients);
    const counters = (region: string) =>
      new DynamoUsageCounters({
        documents: clients.documents,
        tableName: resources.tenantRegistryTable,
        region,
        otherRegions: regions,
      });
    us = counters('us-east-1');
    eu = counters('eu-west-1');
  });

  const item = async (key: ReturnType<typeof counterKey>) =>
    (await clients.documents.send(new GetCommand({ TableName: resources.tenantRegistryTable, Key: key })))
      .Item;

  it('writes each region into its own items, never one item from two regions', async () => {
    // Prepare
    const window = { ...dayWindow('com.acme.regions', nowMs), shard: 3 };

    // Act
    await us.add(window, 3, 100);
    await eu.add(window, 4, 100);

    // Assess
    expect((await item(counterKey(window, 'us-east-1')))?.total).toBe(3);
    expect((await item(counterKey(window, 'eu-west-1')))?.total).toBe(4);
    expect(await item(counterKey(window))).toBeUndefined();
  });

  it('reads the other regions of more shards than one BatchGetItem takes', async () => {
    const window = dayWindow('com.acme.many-shards', nowMs);
    await us.add({ ...window, shard: 0 }, 1, 10);
    await us.add({ ...window, shard: 149 }, 2, 10);

    expect(await eu.otherRegionsTotal(window, 150)).toBe(3);
  });

  it('counts per region only when the deployment has several regions', () => {
    const single = loadRuntimeConfig({ [ENV.region]: 'us-east-1' });
    const multi = loadRuntimeConfig({ [ENV.region]: 'eu-west-1', [ENV.regions]: 'us-east-1, eu-west-1' });

    expect(single.regions).toEqual(['us-east-1']);
    expect(multi.regions).toEqual(['us-east-1', 'eu-west-1']);
  });
});
