import { createApiCoreClients, createS3Client } from '../src/adapters/clients.js';
import { loadRuntimeConfig } from '../src/config/runtime.js';
import { ADMIN_FUNCTION_ROUTES } from '../src/http/app.js';
import { createApiFunction } from '../src/http/lambda.js';
import { s3SpendLake, s3Tombstones } from '../src/http/wiring.js';

const config = loadRuntimeConfig();

/**
 * API Gateway entry point of the `admin` routes (see `ROUTES`): DynamoDB (the tenant registry holds app
 * key hashes, replicated to every region) and S3 for erasure tombstones and spend (cost rows, FX rates).
 */
export const handler = createApiFunction('admin', {
  routes: ADMIN_FUNCTION_ROUTES,
  config,
  clients: {
    ...createApiCoreClients(config),
    s3: createS3Client(config.region, config.endpoints.s3),
  },
  adapters: { tombstones: s3Tombstones, spendLake: s3SpendLake },
});
