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
 * and a limit applies to the sum of every region's count.
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

  it('writes each region into its own item, never one item from two regions', async () => {
    // Prepare
    const window = dayWindow('com.acme.regions', nowMs);

    // Act
    await us.add(window, 3, 100);
    await eu.add(window, 4, 100);

    // Assess
    expect((await item(counterKey(window, 'us-east-1')))?.total).toBe(3);
    expect((await item(counterKey(window, 'eu-west-1')))?.total).toBe(4);
    expect(await item(counterKey(window))).toBeUndefined();
  });

  it('applies a daily quota to the sum of the regions, and answers the sum', async () => {
    // Prepare
    const window = dayWindow('com.acme.quota', nowMs);
    await us.add(window, 6, 10);

    // Act
    const overflowing = await eu.add(window, 5, 10);
    const fitting = await eu.add(window, 4, 10);
    const full = await us.add(window, 1, 10);

    // Assess
    expect(overflowing).toEqual({ admitted: false, total: 6 });
    expect(fitting).toEqual({ admitted: true, total: 10 });
    expect(full.admitted).toBe(false);
  });

  it('counts per region only when the deployment has several regions', () => {
    const single = loadRuntimeConfig({ [ENV.region]: 'us-east-1' });
    const multi = loadRuntimeConfig({ [ENV.region]: 'eu-west-1', [ENV.regions]: 'us-east-1, eu-west-1' });

    expect(single.regions).toEqual(['us-east-1']);
    expect(multi.regions).toEqual(['us-east-1', 'eu-west-1']);
  });
});
