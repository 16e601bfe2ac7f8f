import { authorizerFunction } from '../src/composition/functions.js';

/** API Gateway TOKEN authorizer of the bearer routes. */
export const handler = authorizerFunction();
