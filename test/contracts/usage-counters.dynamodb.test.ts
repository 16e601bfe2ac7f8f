import { DynamoUsageCounters } from '../../src/adapters/dynamodb/usage-counters.js';
import { createLocalResources, localClients } from '../support/local.js';
import { usageCountersContract } from './usage-counters.contract.js';

usageCountersContract('DynamoDB (Local)', async () => {
  const clients = localClients();
  const resources = await createLocalResources(clients);
  return new DynamoUsageCounters({ documents: clients.documents, tableName: resources.tenantRegistryTable });
});
