import type { AwsClients } from '../adapters/clients.js';
import { IdentityGraph } from '../adapters/dynamodb/identity-graph.js';
import type { RuntimeConfig } from '../config/runtime.js';

/** Identity graph per table: silo tenants have their own table, the others share the platform's. */
export function graphResolver(
  config: Pick<RuntimeConfig, 'tenantTables' | 'identityGraphTable' | 'legacySignatureReads'>,
  clients: Pick<AwsClients, 'documents'>,
): (tenantId: string) => IdentityGraph {
  const graphs = new Map<string, IdentityGraph>();
  return (tenantId) => {
    const tableName = config.tenantTables[tenantId] ?? config.identityGraphTable;
    let graph = graphs.get(tableName);
    if (!graph) {
      graph = new IdentityGraph({
        documents: clients.documents,
        tableName,
        legacySignatureReads: config.legacySignatureReads,
      });
      graphs.set(tableName, graph);
    }
    return graph;
  };
}
