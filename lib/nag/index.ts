export * from './acknowledge.js';
