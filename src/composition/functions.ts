import {
  createApiCoreClients,
  createAthenaClient,
  createS3Client,
  createStsClient,
} from '../adapters/clients.js';
import { shippedCountryLookup } from '../adapters/geoip/ip-location-db.js';
import { createTokenAuthorizer } from '../auth/token-authorizer.js';
import { loadRuntimeConfig, type RuntimeConfig } from '../config/runtime.js';
import { ADMIN_FUNCTION_ROUTES, INGEST_FUNCTION_ROUTES, QUERY_FUNCTION_ROUTES } from '../http/app.js';
import {
  athenaLakeQueries,
  createApiFunction,
  lakeReplayHistory,
  postbackServices,
  s3SpendLake,
  s3Tombstones,
  spendReportLake,
} from './api.js';
import { tokenVerifierFor } from './token-verifier.js';

/*
 * The deployed functions, one builder each: what `lambdas/<name>.ts` exports as its `handler`. Each
 * builds only the clients and optional adapters its routes use, which keeps its bundle small.
 */

/**
 * Tracking links, S2S touchpoints and SDK event batches: DynamoDB and Kinesis only, and no bearer token
 * verification (its routes take API keys or nothing), so jose and Secrets Manager stay out of its bundle.
 */
export function ingestFunction(config: RuntimeConfig = loadRuntimeConfig()) {
  return createApiFunction('ingest', {
    routes: INGEST_FUNCTION_ROUTES,
    config,
    clients: createApiCoreClients(config),
    adapters: { countries: shippedCountryLookup },
  });
}

/** Attribution look-ups, reports, replay and the API document: DynamoDB, plus Athena for old ranges and replay. */
export function queryFunction(config: RuntimeConfig = loadRuntimeConfig()) {
  return createApiFunction('query', {
    routes: QUERY_FUNCTION_ROUTES,
    config,
    clients: {
      ...createApiCoreClients(config),
      athena: createAthenaClient(config),
      // The lake reader sessions, one per tenant (see `athenaLakeQueries`).
      ...(config.lakeReaderRoleArn ? { sts: createStsClient(config) } : {}),
    },
    adapters: {
      lakeQueries: athenaLakeQueries,
      replayHistory: lakeReplayHistory,
      reportLake: spendReportLake,
      bearerTokens: tokenVerifierFor,
    },
  });
}

/**
 * Onboarding, settings, keys, privacy, spend and postbacks: DynamoDB (the tenant registry holds app
 * key hashes, replicated to every region, and the postback destinations and delivery log), S3 for
 * erasure tombstones and spend (cost rows, FX rates), and SQS for the postback queue (a retry by hand
 * re-enqueues a delivery).
 */
export function adminFunction(config: RuntimeConfig = loadRuntimeConfig()) {
  return createApiFunction('admin', {
    routes: ADMIN_FUNCTION_ROUTES,
    config,
    clients: {
      ...createApiCoreClients(config),
      s3: createS3Client(config.region, config.endpoints.s3),
    },
    adapters: {
      tombstones: s3Tombstones,
      spendLake: s3SpendLake,
      postbacks: postbackServices,
      bearerTokens: tokenVerifierFor,
    },
  });
}

/** The API Gateway TOKEN authorizer of the bearer routes (JWKS or service-token secret; see `lib/auth`). */
export function authorizerFunction(config: RuntimeConfig = loadRuntimeConfig()) {
  return createTokenAuthorizer(tokenVerifierFor(config));
}
