export * from './attribution.js';
export * from './keys.js';
export * from './model.js';
export * from './settings.js';
export * from './store.js';
export * from './validation.js';
