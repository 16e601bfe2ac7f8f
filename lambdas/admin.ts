import { adminFunction } from '../src/composition/functions.js';

/** API Gateway entry point of the `admin` routes (see `ROUTES`). */
export const handler = adminFunction();
