import { DynamoUsageCounters } from '../../src/adapters/dynamodb/usage-counters.js';
import { createLocalResources, localClients } from '../support/local.js';
import { usageCountersContract } from './usage-counters.contract.js';

const clients = localClients();
const resources = createLocalResources(clients);

usageCountersContract(
  'DynamoDB (Local)',
  async () =>
    new DynamoUsageCounters({
      documents: clients.documents,
      tableName: (await resources).tenantRegistryTable,
    }),
  async () => {
    // One table stands for the global table: each region writes its own items and reads the others'.
    const tableName = (await resources).tenantRegistryTable;
    const regions = ['us-east-1', 'eu-west-1'];
    const counters = (region: string) =>
      new DynamoUsageCounters({ documents: clients.documents, tableName, region, otherRegions: regions });
    return { us: counters('us-east-1'), eu: counters('eu-west-1') };
  },
);
