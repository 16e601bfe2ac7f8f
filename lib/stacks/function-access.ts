import type { TableAccess } from '../storage/global-table.js';

/*
 * What each function does to the tables and the stream: the exact IAM actions its code issues (recorded
 * per function by test/lib/iam-coverage.test.ts against the local services), not aws-cdk-lib's grant
 * action groups. A new SDK call in a handler or adapter needs its action here, or that test fails.
 */

/** The ingest function: app and key look-ups in the tenant registry (its usage counters: api-stack.ts). */
export const INGEST_REGISTRY_ACCESS: TableAccess = {
  items: ['dynamodb:GetItem'],
  // Key-hash look-ups on the byApiKeyHash index after a cache miss.
  indexes: ['dynamodb:Query'],
};

/**
 * The ingest function reads the other regions' shards of a usage counter (BatchGetItem) only when the
 * platform has more than one region (src/adapters/dynamodb/usage-counters.ts).
 */
export const INGEST_MULTI_REGION_REGISTRY_ACCESS: TableAccess = { items: ['dynamodb:BatchGetItem'] };

/**
 * The query function: apps and key hashes (x-api-key look-ups) in the registry. It also puts a replay
 * run's audit log entry, on `AUDIT#…` items only (api-stack.ts).
 */
export const QUERY_REGISTRY_ACCESS: TableAccess = {
  items: ['dynamodb:GetItem'],
  indexes: ['dynamodb:Query'],
};

/** The query function: attribution look-ups (device and link items) and the counters of the install reports. */
export const QUERY_IDENTITY_GRAPH_ACCESS: TableAccess = {
  items: ['dynamodb:Query', 'dynamodb:BatchGetItem'],
};

/**
 * The admin function: tenants, apps, settings, key rotation (one transaction: condition check, put,
 * updates, deletes of expired keys), signing secrets and erasure records.
 */
export const ADMIN_REGISTRY_ACCESS: TableAccess = {
  items: [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
};

/** The admin function: privacy erasure finds an identity's items and deletes them in batches. */
export const ADMIN_IDENTITY_GRAPH_ACCESS: TableAccess = {
  items: ['dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
};

/** The consumer: app settings and each tenant's home region (src/adapters/dynamodb/tenant-homes.ts). */
export const CONSUMER_REGISTRY_ACCESS: TableAccess = { items: ['dynamodb:GetItem'] };

/** The consumer: the identity graph engine's reads, batch puts and transactions (puts and updates). */
export const CONSUMER_IDENTITY_GRAPH_ACCESS: TableAccess = {
  items: [
    'dynamodb:Query',
    'dynamodb:BatchGetItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
  ],
};

/** The ingest function's writes to its streams: batches only (src/adapters/kinesis/publisher.ts). */
export const INGEST_STREAM_ACTIONS = ['kinesis:PutRecords'] as const;

/**
 * The consumer's forwarding of a tenant's records to its home region's stream
 * (src/adapters/kinesis/forwarder.ts): batches only.
 */
export const CONSUMER_FORWARD_ACTIONS = ['kinesis:PutRecords'] as const;

/**
 * The postback sender: destinations, webhook secrets and delivery records in the registry (reads; its
 * only writes are the attempts on delivery records, `grantUpdateItemsWithLeadingKeys`).
 */
export const SENDER_REGISTRY_ACCESS: TableAccess = { items: ['dynamodb:GetItem'] };

/**
 * The postback sender: whether a job's identity was erased before it is sent (never sent afterwards),
 * the device looked up by identifier in batches (src/adapters/dynamodb/identity-graph/reads.ts).
 */
export const SENDER_IDENTITY_GRAPH_ACCESS: TableAccess = { items: ['dynamodb:BatchGetItem'] };
