import {
  createApiCoreClients,
  createApiGatewayClient,
  createAthenaClient,
  createS3Client,
} from '../adapters/clients.js';
import { createTokenAuthorizer } from '../auth/token-authorizer.js';
import { loadRuntimeConfig, type RuntimeConfig } from '../config/runtime.js';
import { athenaLakeQueries, createApiFunction, s3Tombstones, usagePlanApiKeys } from './api.js';
import { tokenVerifierFor } from './token-verifier.js';

/*
 * The deployed functions, one builder each: what `lambdas/<name>.ts` exports as its `handler`. Each
 * builds only the clients and optional adapters its routes use, which keeps its bundle small.
 */

/** Tracking links, S2S touchpoints and SDK event batches: DynamoDB and Kinesis only. */
export function ingestFunction(config: RuntimeConfig = loadRuntimeConfig()) {
  return createApiFunction('ingest', { config, clients: createApiCoreClients(config) });
}

/** Attribution look-ups and reports: DynamoDB, plus Athena for old report ranges. */
export function queryFunction(config: RuntimeConfig = loadRuntimeConfig()) {
  return createApiFunction('query', {
    config,
    clients: { ...createApiCoreClients(config), athena: createAthenaClient(config) },
    adapters: { lakeQueries: athenaLakeQueries },
  });
}

/**
 * Onboarding, settings, keys and privacy: DynamoDB, S3 for erasure tombstones, and API Gateway usage
 * plans for app keys when the config names the REST API.
 */
export function adminFunction(config: RuntimeConfig = loadRuntimeConfig()) {
  const apiGateway = createApiGatewayClient(config);
  return createApiFunction('admin', {
    config,
    clients: {
      ...createApiCoreClients(config),
      s3: createS3Client(config.region, config.endpoints.s3),
      ...(apiGateway ? { apiGateway } : {}),
    },
    adapters: { apiKeys: usagePlanApiKeys, tombstones: s3Tombstones },
  });
}

/** The API Gateway TOKEN authorizer of the bearer routes (JWKS or service-token secret; see `lib/auth`). */
export function authorizerFunction(config: RuntimeConfig = loadRuntimeConfig()) {
  return createTokenAuthorizer(tokenVerifierFor(config));
}
