import { ingestFunction } from '../src/composition/functions.js';

/** API Gateway entry point of the `ingest` routes (see `ROUTES`). */
export const handler = ingestFunction();
