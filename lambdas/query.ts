import { createApiLambda } from '../src/http/lambda.js';

/** API Gateway entry point of the `query` routes (see `ROUTES`). */
export const handler = createApiLambda('query');
