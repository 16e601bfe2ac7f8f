import { IdentityGraph } from '../../src/adapters/dynamodb/identity-graph.js';
import { createLocalResources, localClients } from '../support/local.js';
import { attributionStoreContract } from './attribution-store.contract.js';

// DynamoDB Local keeps expired items (it runs no TTL), as DynamoDB does until its sweep: no `expire`.
attributionStoreContract('DynamoDB (Local)', { reads: true, keepsEventOutcomes: true }, async () => {
  const clients = localClients();
  const resources = await createLocalResources(clients);
  const graph = new IdentityGraph({ documents: clients.documents, tableName: resources.identityGraphTable });
  return { store: graph, reads: graph };
});
