import { createApiCoreClients } from '../src/adapters/clients.js';
import { loadRuntimeConfig } from '../src/config/runtime.js';
import { INGEST_FUNCTION_ROUTES } from '../src/http/app.js';
import { createApiFunction } from '../src/http/lambda.js';

const config = loadRuntimeConfig();

/** API Gateway entry point of the `ingest` routes (see `ROUTES`): DynamoDB and Kinesis only. */
export const handler = createApiFunction('ingest', {
  routes: INGEST_FUNCTION_ROUTES,
  config,
  clients: createApiCoreClients(config),
});
