export * from './address.js';
export * from './backoff.js';
export * from './destinations.js';
export * from './jobs.js';
export * from './macros.js';
export * from './slack.js';
export * from './subjects.js';
