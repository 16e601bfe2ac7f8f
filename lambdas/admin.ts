import { createApiCoreClients, createS3Client } from '../src/adapters/clients.js';
import { loadRuntimeConfig } from '../src/config/runtime.js';
import { ADMIN_FUNCTION_ROUTES } from '../src/http/app.js';
import { createApiFunction } from '../src/http/lambda.js';
import { postbackServices, s3Tombstones } from '../src/http/wiring.js';

const config = loadRuntimeConfig();

/**
 * API Gateway entry point of the `admin` routes (see `ROUTES`): DynamoDB (the tenant registry holds app
 * key hashes, replicated to every region), S3 for erasure tombstones, and the postback queue.
 */
export const handler = createApiFunction('admin', {
  routes: ADMIN_FUNCTION_ROUTES,
  config,
  clients: {
    ...createApiCoreClients(config),
    s3: createS3Client(config.region, config.endpoints.s3),
  },
  adapters: { tombstones: s3Tombstones, postbacks: postbackServices },
});
