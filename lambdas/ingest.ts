import { createApiCoreClients } from '../src/adapters/clients.js';
import { loadRuntimeConfig } from '../src/config/runtime.js';
import { createApiFunction } from '../src/http/lambda.js';

const config = loadRuntimeConfig();

/** API Gateway entry point of the `ingest` routes (see `ROUTES`): DynamoDB and Kinesis only. */
export const handler = createApiFunction('ingest', { config, clients: createApiCoreClients(config) });
