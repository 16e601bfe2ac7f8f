import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  GetUsagePlansCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY_TAGS, UsagePlanKeys } from '../../src/adapters/apigateway/usage-plan-keys.js';
import { generateApiKey } from '../../src/auth/api-keys.js';

const REST_API_ID = 'a1b2c3d4e5';
const USAGE_PLANS = { demo: 'unmogrowp-dev-api-demo', '*': 'unmogrowp-dev-api-default' };

const keys = (usagePlans: Record<string, string> = USAGE_PLANS) =>
  new UsagePlanKeys({
    client: new APIGatewayClient({ region: 'us-east-1' }),
    restApiId: REST_API_ID,
    usagePlans,
  });

describe('importing app API keys into API Gateway usage plans', () => {
  const apigateway = mockClient(APIGatewayClient);

  beforeEach(() => {
    apigateway.reset();
    apigateway.on(GetUsagePlansCommand).resolves({
      items: [
        {
          id: 'plan-demo',
          name: 'unmogrowp-dev-api-demo',
          apiStages: [{ apiId: REST_API_ID, stage: 'dev' }],
        },
        {
          id: 'plan-default',
          name: 'unmogrowp-dev-api-default',
          apiStages: [{ apiId: REST_API_ID, stage: 'dev' }],
        },
      ],
    });
    apigateway.on(CreateApiKeyCommand).resolves({ id: 'key-1' });
    apigateway.on(CreateUsagePlanKeyCommand).resolves({ id: 'key-1', type: 'API_KEY' });
  });
  afterEach(() => apigateway.reset());

  it("creates the enabled key with its value, name and tags, then links it to the tenant's own plan", async () => {
    // Prepare
    const apiKey = generateApiKey();

    // Act
    const imported = await keys().importAppKey({ tenantId: 'demo', appId: 'com.demo.game', apiKey });

    // Assess
    expect(imported).toEqual({ apiKeyId: 'key-1', usagePlanId: 'plan-demo' });
    expect(apigateway.commandCalls(CreateApiKeyCommand)[0]?.args[0].input).toEqual({
      name: 'demo/com.demo.game',
      description: 'UnMoGrowP app com.demo.game of tenant demo',
      value: apiKey,
      enabled: true,
      tags: {
        [API_KEY_TAGS.tenantId]: 'demo',
        [API_KEY_TAGS.appId]: 'com.demo.game',
        [API_KEY_TAGS.createdBy]: 'admin-api',
      },
    });
    expect(apigateway.commandCalls(CreateUsagePlanKeyCommand)[0]?.args[0].input).toEqual({
      usagePlanId: 'plan-demo',
      keyId: 'key-1',
      keyType: 'API_KEY',
    });
  });

  it('puts the key of a tenant onboarded live into the "*" plan', async () => {
    const imported = await keys().importAppKey({
      tenantId: 'acme',
      appId: 'com.acme.game',
      apiKey: generateApiKey(),
    });

    expect(imported.usagePlanId).toBe('plan-default');
  });

  it('resolves each plan name once and then serves it from the cache', async () => {
    // Act
    const importer = keys();
    await importer.importAppKey({ tenantId: 'acme', appId: 'a1', apiKey: generateApiKey() });
    await importer.importAppKey({ tenantId: 'globex', appId: 'a2', apiKey: generateApiKey() });

    // Assess
    expect(apigateway.commandCalls(GetUsagePlansCommand)).toHaveLength(1);
    expect(apigateway.commandCalls(CreateUsagePlanKeyCommand)).toHaveLength(2);
  });

  it('pages through GetUsagePlans and prefers the plan on our REST API when names collide', async () => {
    // Prepare
    apigateway
      .on(GetUsagePlansCommand)
      .resolvesOnce({
        items: [{ id: 'other-api-plan', name: 'unmogrowp-dev-api-default', apiStages: [{ apiId: 'zzz' }] }],
        position: 'page-2',
      })
      .resolvesOnce({
        items: [{ id: 'our-plan', name: 'unmogrowp-dev-api-default', apiStages: [{ apiId: REST_API_ID }] }],
      });

    // Act
    const imported = await keys().importAppKey({ tenantId: 'acme', appId: 'a1', apiKey: generateApiKey() });

    // Assess
    expect(imported.usagePlanId).toBe('our-plan');
    const pages = apigateway.commandCalls(GetUsagePlansCommand).map((call) => call.args[0].input);
    expect(pages).toEqual([{ limit: 500 }, { limit: 500, position: 'page-2' }]);
  });

  describe('failures (onboarding answers 503 and creates no app)', () => {
    it('names the missing plan when the config has none for the tenant', async () => {
      await expect(
        keys({ demo: 'unmogrowp-dev-api-demo' }).importAppKey({
          tenantId: 'acme',
          appId: 'a1',
          apiKey: generateApiKey(),
        }),
      ).rejects.toMatchObject({ name: 'ApiKeyImportError', step: 'resolve-usage-plan' });
      expect(apigateway.commandCalls(CreateApiKeyCommand)).toHaveLength(0);
    });

    it('refuses a plan name API Gateway does not know, before creating any key', async () => {
      apigateway.on(GetUsagePlansCommand).resolves({ items: [] });

      await expect(
        keys().importAppKey({ tenantId: 'acme', appId: 'a1', apiKey: generateApiKey() }),
      ).rejects.toMatchObject({
        name: 'ApiKeyImportError',
        step: 'resolve-usage-plan',
        message: 'usage plan "unmogrowp-dev-api-default" of tenant acme does not exist in API Gateway',
      });
      expect(apigateway.commandCalls(CreateApiKeyCommand)).toHaveLength(0);
    });

    it('reports a key API Gateway would not create', async () => {
      apigateway
        .on(CreateApiKeyCommand)
        .rejects(new TooManyRequestsException({ message: 'slow down', $metadata: {} }));

      await expect(
        keys().importAppKey({ tenantId: 'acme', appId: 'a1', apiKey: generateApiKey() }),
      ).rejects.toMatchObject({
        name: 'ApiKeyImportError',
        step: 'create-api-key',
        cause: expect.objectContaining({ name: 'TooManyRequestsException' }),
      });
      expect(apigateway.commandCalls(CreateUsagePlanKeyCommand)).toHaveLength(0);
    });

    it('reports a key it could not link to the plan, with the orphan key id for the logs', async () => {
      apigateway
        .on(CreateUsagePlanKeyCommand)
        .rejects(new TooManyRequestsException({ message: 'slow down', $metadata: {} }));

      await expect(
        keys().importAppKey({ tenantId: 'acme', appId: 'a1', apiKey: generateApiKey() }),
      ).rejects.toMatchObject({
        name: 'ApiKeyImportError',
        step: 'link-usage-plan',
        context: expect.objectContaining({ apiKeyId: 'key-1', usagePlanId: 'plan-default' }),
      });
    });
  });
});
