import { createApiCoreClients, createAthenaClient } from '../src/adapters/clients.js';
import { loadRuntimeConfig } from '../src/config/runtime.js';
import { QUERY_FUNCTION_ROUTES } from '../src/http/app.js';
import { createApiFunction } from '../src/http/lambda.js';
import { athenaLakeQueries, lakeReplayHistory } from '../src/http/wiring.js';

const config = loadRuntimeConfig();

/** API Gateway entry point of the `query` routes (see `ROUTES`): DynamoDB, plus Athena for old report ranges and replay. */
export const handler = createApiFunction('query', {
  routes: QUERY_FUNCTION_ROUTES,
  config,
  clients: { ...createApiCoreClients(config), athena: createAthenaClient(config) },
  adapters: { lakeQueries: athenaLakeQueries, replayHistory: lakeReplayHistory },
});
