export * from './bearer-auth.js';
export * from './jwt-token-authorizer.js';
export * from './platform-user-pool.js';
export * from './service-token-secret.js';
