import { TenantRegistry } from '../../src/adapters/dynamodb/tenant-registry.js';
import { createLocalResources, localClients } from '../support/local.js';
import { tenantRegistryContract } from './tenant-registry.contract.js';

tenantRegistryContract('DynamoDB (Local)', async (now) => {
  const clients = localClients();
  const resources = await createLocalResources(clients);
  // No cache: the contract reads its own writes at once, as the embedded registry always does.
  return new TenantRegistry({
    documents: clients.documents,
    tableName: resources.tenantRegistryTable,
    cacheTtlSeconds: 0,
    now,
  });
});
