export { type EmbeddedDatabase, type EmbeddedDatabaseOptions, openEmbeddedDatabase } from './database.js';
export { FileLakeWriter, FileTombstoneWriter } from './file-lake.js';
export { EmbeddedIdentityGraph, type EmbeddedIdentityGraphOptions } from './identity-graph.js';
export { EmbeddedLog, type EmbeddedLogOptions, EmbeddedLogPublisher, type LogRecord } from './ordered-log.js';
export { EmbeddedPostbackStore, type EmbeddedPostbackStoreOptions } from './postback-store.js';
export { EmbeddedTenantRegistry, type EmbeddedTenantRegistryOptions } from './tenant-registry.js';
export { EmbeddedUsageCounters, type EmbeddedUsageCountersOptions } from './usage-counters.js';
