import { RUNTIME_ENV } from '../../src/config/runtime.js';
import { ENV } from '../../src/definitions/index.js';
import { resolveSettings } from '../../src/domain/settings.js';
import type { PlatformPlan } from '../platform-plan.js';

export interface RegionalResourceNames {
  readonly lakeBucketName: string;
  /** Set when the Timestream sink is enabled. */
  readonly timestream?: { readonly databaseName: string; readonly tableName: string };
}

/**
 * The environment every function of a region gets (names from `src/definitions/environment.ts`): where
 * the shared resources are, which tenants have their own stream or table, and the attribution defaults.
 */
export function functionEnvironment(
  plan: PlatformPlan,
  regional: RegionalResourceNames,
): Record<string, string> {
  const { config, names } = plan;
  const environment: Record<string, string> = {
    [ENV.stage]: config.stage,
    [ENV.homeRegion]: config.homeRegion,
    [ENV.identityGraphTable]: plan.identityTables[0]?.tableName ?? names.name('identity-graph'),
    [ENV.tenantRegistryTable]: plan.tenantRegistryTableName,
    [ENV.ingestStream]: names.name('ingest'),
    [ENV.lakeBucket]: regional.lakeBucketName,
    [ENV.athenaWorkgroup]: names.name('reports'),
    [ENV.glueDatabase]: names.glueDatabase,
    [ENV.attributionDeliveryStream]: plan.attributionDeliveryStreamName,
    [ENV.tenantStreams]: JSON.stringify(plan.tenantStreams),
    [ENV.tenantTables]: JSON.stringify(plan.tenantTables),
    [ENV.defaultSettings]: JSON.stringify(resolveSettings(config.attributionDefaults)),
  };
  if (config.dataCenterCidrs.length > 0) environment[ENV.dataCenterCidrs] = config.dataCenterCidrs.join(',');
  if (config.auth) {
    environment[RUNTIME_ENV.jwksUrl] = config.auth.jwksUrl;
    environment[RUNTIME_ENV.jwtIssuer] = config.auth.issuer;
    if (config.auth.audience) environment[RUNTIME_ENV.jwtAudience] = config.auth.audience;
  }
  if (regional.timestream) {
    environment[ENV.timestreamDatabase] = regional.timestream.databaseName;
    environment[ENV.timestreamTable] = regional.timestream.tableName;
  }
  return environment;
}
