import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  GetUsagePlansCommand,
  type UsagePlan,
} from '@aws-sdk/client-api-gateway';
import { ApiKeyImportError } from '../../app/errors.js';
import type { ApiKeyImporter, AppKey, ImportedAppKey } from '../../app/ports/api-key-importer.js';
import { TtlCache } from '../cache.js';

/**
 * Imports app API keys into API Gateway. The REST API requires an API key on the SDK routes and meters
 * each tenant by its usage plan, so a key the admin API generates must also exist in API Gateway,
 * linked to the tenant's plan, or API Gateway answers 403 before our handler runs. Local mode has no
 * API Gateway and no importer (see `ApiKeyImporter`).
 */

export interface UsagePlanKeysOptions {
  readonly client: APIGatewayClient;
  /** The REST API whose stages the usage plans cover (`UNMOGROWP_REST_API_ID`). */
  readonly restApiId: string;
  /** Usage plan name by tenant id; `*` names the plan of tenants without their own (`UNMOGROWP_USAGE_PLANS`). */
  readonly usagePlans: Readonly<Record<string, string>>;
  /**
   * Seconds a usage plan name → id resolution stays cached (plans change only on deploy).
   * @default 900
   */
  readonly planCacheTtlSeconds?: number;
}

/** Tag keys put on every imported key, so an operator can tell whose key it is. */
export const API_KEY_TAGS = {
  tenantId: 'unmogrowp:tenant-id',
  appId: 'unmogrowp:app-id',
  createdBy: 'unmogrowp:created-by',
} as const;

/** Name of an app's key in API Gateway. */
export const apiKeyName = (tenantId: string, appId: string): string => `${tenantId}/${appId}`;

const errorName = (error: unknown) => (error instanceof Error ? error.name : String(error));

/**
 * The API Gateway importer: `CreateApiKey` then `CreateUsagePlanKey`, with the tenant's plan id resolved
 * by name through `GetUsagePlans` (cached).
 * @example
 * const keys = new UsagePlanKeys({ client, restApiId: 'a1b2c3', usagePlans: { '*': 'unmogrowp-dev-api-default' } });
 * await keys.importAppKey({ tenantId: 'acme', appId: 'com.acme.game', apiKey });
 */
export class UsagePlanKeys implements ApiKeyImporter {
  private readonly planIds: TtlCache<string, string>;

  constructor(private readonly options: UsagePlanKeysOptions) {
    this.planIds = new TtlCache((options.planCacheTtlSeconds ?? 900) * 1000, 1000);
  }

  /** The usage plan name of a tenant: its own plan, else the plan of tenants onboarded live. */
  planNameFor(tenantId: string): string | undefined {
    return this.options.usagePlans[tenantId] ?? this.options.usagePlans['*'];
  }

  async importAppKey(key: AppKey): Promise<ImportedAppKey> {
    const usagePlanId = await this.resolvePlanId(key.tenantId);
    const context = { tenantId: key.tenantId, appId: key.appId, usagePlanId };
    let apiKeyId: string | undefined;
    try {
      const created = await this.options.client.send(
        new CreateApiKeyCommand({
          name: apiKeyName(key.tenantId, key.appId),
          description: `UnMoGrowP app ${key.appId} of tenant ${key.tenantId}`,
          value: key.apiKey,
          enabled: true,
          tags: {
            [API_KEY_TAGS.tenantId]: key.tenantId,
            [API_KEY_TAGS.appId]: key.appId,
            [API_KEY_TAGS.createdBy]: 'admin-api',
          },
        }),
      );
      apiKeyId = created.id;
    } catch (error) {
      throw new ApiKeyImportError(
        `API Gateway did not create the key of app ${key.appId}: ${errorName(error)}`,
        'create-api-key',
        context,
        { cause: error },
      );
    }
    if (!apiKeyId) {
      throw new ApiKeyImportError(
        `API Gateway created the key of app ${key.appId} but returned no id`,
        'create-api-key',
        context,
      );
    }
    try {
      await this.options.client.send(
        new CreateUsagePlanKeyCommand({ usagePlanId, keyId: apiKeyId, keyType: 'API_KEY' }),
      );
    } catch (error) {
      // The key exists but belongs to no plan: API Gateway refuses it on every route, so it grants nothing.
      throw new ApiKeyImportError(
        `API Gateway did not link the key of app ${key.appId} to usage plan ${usagePlanId}: ${errorName(error)}`,
        'link-usage-plan',
        { ...context, apiKeyId },
        { cause: error },
      );
    }
    return { apiKeyId, usagePlanId };
  }

  private async resolvePlanId(tenantId: string): Promise<string> {
    const name = this.planNameFor(tenantId);
    if (name === undefined) {
      throw new ApiKeyImportError(
        `no usage plan for tenant ${tenantId}: UNMOGROWP_USAGE_PLANS names neither it nor "*"`,
        'resolve-usage-plan',
        { tenantId },
      );
    }
    const cached = this.planIds.get(name);
    if (cached !== undefined) return cached;
    let plans: UsagePlan[];
    try {
      plans = await this.listUsagePlans();
    } catch (error) {
      throw new ApiKeyImportError(
        `API Gateway did not list the usage plans: ${errorName(error)}`,
        'resolve-usage-plan',
        { tenantId, usagePlanName: name },
        { cause: error },
      );
    }
    // Plan names are unique per deployment, but another API may reuse one: prefer a plan on our API.
    const named = plans.filter((plan) => plan.name === name && plan.id);
    const ours = named.find((plan) => plan.apiStages?.some((s) => s.apiId === this.options.restApiId));
    const id = (ours ?? named[0])?.id;
    if (id === undefined) {
      throw new ApiKeyImportError(
        `usage plan ${JSON.stringify(name)} of tenant ${tenantId} does not exist in API Gateway`,
        'resolve-usage-plan',
        { tenantId, usagePlanName: name },
      );
    }
    this.planIds.set(name, id);
    return id;
  }

  private async listUsagePlans(): Promise<UsagePlan[]> {
    const plans: UsagePlan[] = [];
    let position: string | undefined;
    // GetUsagePlans pages by `position`; a bounded loop guards against a service that never stops paging.
    for (let page = 0; page < 100; page++) {
      const response = await this.options.client.send(
        new GetUsagePlansCommand({ limit: 500, ...(position ? { position } : {}) }),
      );
      plans.push(...(response.items ?? []));
      position = response.position;
      if (!position) break;
    }
    return plans;
  }
}
