/**
 * The application layer: the ports the routes and the consumer need, the records they speak in, the
 * application errors, and the use cases that are neither HTTP nor AWS. No SDK import.
 */
export * from './attribution-consumer.js';
export * from './errors.js';
export * from './lake-rows.js';
export * from './pipeline-record.js';
export * from './ports/index.js';
export type * from './records.js';
export * from './settings.js';
