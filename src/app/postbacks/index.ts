export * from './alarm-notifier.js';
export * from './dispatcher.js';
export * from './errors.js';
export * from './policy.js';
export * from './ports.js';
export * from './resume.js';
export * from './sender.js';
