import type { AwsClients } from '../adapters/clients.js';
import { TenantRegistry } from '../adapters/dynamodb/tenant-registry.js';
import type { RuntimeConfig } from '../config/runtime.js';

/** The tenant registry of the config's table, with its API key and app cache. */
export function tenantRegistry(
  config: Pick<RuntimeConfig, 'tenantRegistryTable' | 'apiKeyCacheTtlSeconds'>,
  clients: Pick<AwsClients, 'documents'>,
): TenantRegistry {
  return new TenantRegistry({
    documents: clients.documents,
    tableName: config.tenantRegistryTable,
    cacheTtlSeconds: config.apiKeyCacheTtlSeconds,
  });
}
