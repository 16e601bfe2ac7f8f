import { createApiCoreClients, createApiGatewayClient, createS3Client } from '../src/adapters/clients.js';
import { loadRuntimeConfig } from '../src/config/runtime.js';
import { ADMIN_FUNCTION_ROUTES } from '../src/http/app.js';
import { createApiFunction } from '../src/http/lambda.js';
import { postbackServices, s3Tombstones, usagePlanApiKeys } from '../src/http/wiring.js';

const config = loadRuntimeConfig();
const apiGateway = createApiGatewayClient(config);

/**
 * API Gateway entry point of the `admin` routes (see `ROUTES`): DynamoDB, S3 for erasure tombstones,
 * API Gateway usage plans for app keys when the config names the REST API, and the postback queue.
 */
export const handler = createApiFunction('admin', {
  routes: ADMIN_FUNCTION_ROUTES,
  config,
  clients: {
    ...createApiCoreClients(config),
    s3: createS3Client(config.region, config.endpoints.s3),
    ...(apiGateway ? { apiGateway } : {}),
  },
  adapters: { apiKeys: usagePlanApiKeys, tombstones: s3Tombstones, postbacks: postbackServices },
});
