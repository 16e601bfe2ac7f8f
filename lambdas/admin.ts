import { createApiLambda } from '../src/http/lambda.js';

/** API Gateway entry point of the `admin` routes (see `ROUTES`). */
export const handler = createApiLambda('admin');
