import { createApiCoreClients, createAthenaClient } from '../src/adapters/clients.js';
import { loadRuntimeConfig } from '../src/config/runtime.js';
import { createApiFunction } from '../src/http/lambda.js';
import { athenaLakeQueries, lakeReplayHistory } from '../src/http/wiring.js';

const config = loadRuntimeConfig();

/** API Gateway entry point of the `query` routes (see `ROUTES`): DynamoDB, plus Athena for old report ranges and replay. */
export const handler = createApiFunction('query', {
  config,
  clients: { ...createApiCoreClients(config), athena: createAthenaClient(config) },
  adapters: { lakeQueries: athenaLakeQueries, replayHistory: lakeReplayHistory },
});
