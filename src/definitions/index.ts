export * from './environment.js';
export * from './routes.js';
export * from './tables.js';
