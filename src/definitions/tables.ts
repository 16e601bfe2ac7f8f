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

/** The ingest stream that carries touchpoints and app events to the attribution consumer. */
export const INGEST_STREAM = {
  logicalName: 'IngestStream',
  /**
   * Hours a record stays on the stream: 7 days, well past the consumer's maximum record age (24 h by
   * default), so the records of a batch the consumer gave up on can still be read back and replayed
   * (`unmogrowp dlq capture|replay`), and a home region that was down can catch up on forwarded records.
   */
  retentionHours: 168,
} as const;

/** The data lake bucket and its partition layout (Hive style, read by Athena and by DuckDB locally). */
export const DATA_LAKE = {
  logicalName: 'DataLake',
  /** Prefixes, one per lake table. */
  tables: {
    events: 'events',
    touchpoints: 'touchpoints',
    attributions: 'attributions',
  },
  /** Partition keys, in path order: `<table>/tenant_id=…/app_id=…/dt=YYYY-MM-DD/`. */
  partitionKeys: ['tenant_id', 'app_id', 'dt'],
} as const;

/** Lambda handler entry points, relative to the project root; each exports `handler`. */
export const HANDLERS = {
  /** Tracking links, S2S touchpoints and SDK event batches: validates and puts on the stream. */
  ingest: 'lambdas/ingest.ts',
  /** Attribution look-ups and reports. */
  query: 'lambdas/query.ts',
  /** Tenant and app onboarding, app settings, privacy erasure. */
  admin: 'lambdas/admin.ts',
  /** The Kinesis attribution consumer. */
  consumer: 'lambdas/consumer.ts',
} as const;

export type HandlerName = keyof typeof HANDLERS;

/**
 * Partition key prefix of the per-app usage counters (rate limit, daily quota) in the tenant registry:
 * the only items the ingest function may write there (the CDK grants `UpdateItem` on these alone).
 */
export const USAGE_COUNTER_KEY_PREFIX = 'LIMIT#';
