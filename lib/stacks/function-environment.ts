import { RUNTIME_ENV } from '../../src/config/runtime.js';
import { ENV } from '../../src/definitions/index.js';
import { resolveSettings } from '../../src/domain/settings.js';
import type { BearerAuth } from '../auth/bearer-auth.js';
import type { PlatformPlan } from '../platform-plan.js';

export interface RegionalResourceNames {
  readonly lakeBucketName: string;
  /** Set when the Timestream sink is enabled. */
  readonly timestream?: { readonly databaseName: string; readonly tableName: string };
}

/**
 * The environment every function of a region gets (names from `src/definitions/environment.ts`): where
 * the shared resources are, which tenants have their own stream, table or Athena workgroup, and the
 * attribution defaults. The API functions also get `bearerAuthEnvironment` (lib/auth) in the ingest stack.
 */
export function functionEnvironment(
  plan: PlatformPlan,
  regional: RegionalResourceNames,
): Record<string, string> {
  const { config, names } = plan;
  const environment: Record<string, string> = {
    [ENV.stage]: config.stage,
    [ENV.homeRegion]: config.homeRegion,
    [ENV.regions]: config.regions.join(','),
    // Each configured tenant's usage plan, enforced by the ingest handlers (API Gateway no longer meters keys).
    [ENV.tenantLimits]: JSON.stringify(
      Object.fromEntries(
        config.tenants.map((tenant) => [
          tenant.tenantId,
          {
            rateLimitPerSecond: tenant.usagePlan.rateLimit,
            monthlyRequestQuota: tenant.usagePlan.monthlyQuota,
          },
        ]),
      ),
    ),
    [ENV.identityGraphTable]: plan.identityTables[0]?.tableName ?? names.name('identity-graph'),
    [ENV.tenantRegistryTable]: plan.tenantRegistryTableName,
    [ENV.ingestStream]: names.name('ingest'),
    [ENV.lakeBucket]: regional.lakeBucketName,
    [ENV.athenaWorkgroup]: plan.sharedWorkgroup,
    [ENV.tenantWorkgroups]: JSON.stringify(plan.tenantWorkgroups),
    [ENV.glueDatabase]: names.glueDatabase,
    [ENV.attributionDeliveryStream]: plan.attributionDeliveryStreamName,
    [ENV.tenantStreams]: JSON.stringify(plan.tenantStreams),
    [ENV.tenantTables]: JSON.stringify(plan.tenantTables),
    [ENV.defaultSettings]: JSON.stringify(resolveSettings(config.attributionDefaults)),
  };
  if (config.dataCenterCidrs.length > 0) environment[ENV.dataCenterCidrs] = config.dataCenterCidrs.join(',');
  if (regional.timestream) {
    environment[ENV.timestreamDatabase] = regional.timestream.databaseName;
    environment[ENV.timestreamTable] = regional.timestream.tableName;
  }
  return environment;
}

/**
 * The variables a function needs to verify bearer tokens itself (`src/config/runtime.ts` reads them):
 * issuer, audience and either the JWKS URL or the name of the signing secret (never its value).
 */
export function bearerAuthEnvironment(auth: BearerAuth): Record<string, string> {
  const environment: Record<string, string> = { [RUNTIME_ENV.jwtIssuer]: auth.issuer };
  if (auth.audience) environment[RUNTIME_ENV.jwtAudience] = auth.audience;
  if (auth.kind === 'jwt-secret') environment[RUNTIME_ENV.jwtSecretId] = auth.secretName;
  else environment[RUNTIME_ENV.jwksUrl] = auth.jwksUrl;
  return environment;
}
