export * from './environment.js';
export * from './handlers.js';
export * from './lake.js';
export * from './observability.js';
export * from './queries.js';
export * from './routes.js';
export * from './stream.js';
export * from './tables.js';
