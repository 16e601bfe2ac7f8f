import { createApiLambda } from '../src/http/lambda.js';

/** API Gateway entry point of the `ingest` routes (see `ROUTES`). */
export const handler = createApiLambda('ingest');
