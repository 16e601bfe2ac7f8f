import { tokenVerifierFor } from '../src/auth/runtime-verifier.js';
import { createTokenAuthorizer } from '../src/auth/token-authorizer.js';
import { loadRuntimeConfig } from '../src/config/runtime.js';

/** API Gateway TOKEN authorizer of the bearer routes (JWKS or service-token secret; see `lib/auth`). */
export const handler = createTokenAuthorizer(tokenVerifierFor(loadRuntimeConfig()));
