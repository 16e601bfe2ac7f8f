/**
 * Physical definitions of the platform's stateful resources, shared by the CDK constructs and by local
 * mode so that there is one hand-kept copy of every key schema, index and TTL attribute.
 * Pure data: no AWS or CDK imports.
 */

export type AttributeType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface GlobalSecondaryIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface TableDefinition {
  /** Logical name, used in construct ids and as the local table name prefix. */
  readonly logicalName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalSecondaryIndexes: readonly GlobalSecondaryIndexDefinition[];
  /** Attribute holding an epoch-seconds expiry; items past it are deleted by DynamoDB TTL. */
  readonly timeToLiveAttribute?: string;
}

/**
 * The identity graph: one table, single-table design. Every key starts with the tenant id and app id
 * (`T#<tenant>#A#<app>#...`) so no query can cross tenants.
 */
export const IDENTITY_GRAPH_TABLE: TableDefinition = {
  logicalName: 'IdentityGraph',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
    },
  ],
  timeToLiveAttribute: 'expiresAt',
};

/**
 * Tenants, apps, their settings and hashed API keys; also the per-app usage counters of the ingest
 * limits (`LIMIT#…` items, deleted by TTL once their window is over).
 */
export const TENANT_REGISTRY_TABLE: TableDefinition = {
  logicalName: 'TenantRegistry',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'byApiKeyHash',
      partitionKey: { name: 'apiKeyHash', type: 'S' },
    },
  ],
  timeToLiveAttribute: 'expiresAtSeconds',
};

export const TABLES: readonly TableDefinition[] = [IDENTITY_GRAPH_TABLE, TENANT_REGISTRY_TABLE];

/**
 * Partition key prefix of the per-app usage counters (rate limit, daily quota) in the tenant registry:
 * the only items the ingest function may write there (the CDK grants `UpdateItem` on these alone).
 */
export const USAGE_COUNTER_KEY_PREFIX = 'LIMIT#';

/**
 * Partition key prefix of a tenant's audit log in the tenant registry (`AUDIT#<tenant>`, sort key
 * `<at ms, 15 digits>#<id>`), deleted by the table's TTL `AUDIT_LOG_TTL_DAYS` after it was written.
 */
export const AUDIT_LOG_KEY_PREFIX = 'AUDIT#';
/** How long an audit log entry is kept. */
export const AUDIT_LOG_TTL_DAYS = 400;
