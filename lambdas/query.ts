import { queryFunction } from '../src/composition/functions.js';

/** API Gateway entry point of the `query` routes (see `ROUTES`). */
export const handler = queryFunction();
