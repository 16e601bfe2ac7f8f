/**
 * The composition root: the only place that builds adapters and wires them into the API, the
 * attribution consumer and local mode. Entry points (`lambdas/`, local mode, tests) start here.
 */
export * from './api.js';
export * from './consumer.js';
export * from './embedded.js';
export * from './functions.js';
export * from './identity-graphs.js';
export * from './observability.js';
export * from './postback-sender.js';
export * from './postbacks.js';
export * from './registry.js';
export * from './slack-alarms.js';
export * from './token-verifier.js';
