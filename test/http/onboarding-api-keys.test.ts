import { beforeAll, describe, expect, it } from 'vitest';
import { UsagePlanKeys } from '../../src/adapters/apigateway/usage-plan-keys.js';
import { ApiKeyImportError } from '../../src/app/errors.js';
import type { ApiKeyImporter, AppKey } from '../../src/app/ports/api-key-importer.js';
import { ALL_API_ADAPTERS, createApiServices } from '../../src/composition/api.js';
import { loadRuntimeConfig } from '../../src/config/runtime.js';
import { ENV } from '../../src/definitions/environment.js';
import { createTestApi, jsonHeaders, type TestApi } from '../support/api.js';
import { localClients } from '../support/local.js';

/** An importer that records what it was asked and fails when told to. */
class FakeImporter implements ApiKeyImporter {
  readonly imported: AppKey[] = [];
  failWith: ApiKeyImportError | Error | undefined;
  /** Whether the registry already had the app when its key was imported, per import. */
  readonly appExistedAtImport: boolean[] = [];
  appExists: ((appId: string) => Promise<boolean>) | undefined;

  async importAppKey(key: AppKey) {
    if (this.appExists) this.appExistedAtImport.push(await this.appExists(key.appId));
    if (this.failWith) throw this.failWith;
    this.imported.push(key);
    return { apiKeyId: `id-${this.imported.length}`, usagePlanId: 'plan-default' };
  }
}

describe('app onboarding and API Gateway keys', () => {
  describe('with a REST API configured (the cloud)', () => {
    let api: TestApi;
    let owner: string;
    const importer = new FakeImporter();
    const createApp = (tenantId: string, appId: string) =>
      api.call({
        method: 'POST',
        path: `/v1/tenants/${tenantId}/apps`,
        headers: jsonHeaders({ authorization: `Bearer ${owner}` }),
        body: JSON.stringify({ app_id: appId }),
      });
    const appExists = async (appId: string) =>
      (await api.services.registry.getApp(appId, { consistent: true })) !== undefined;

    beforeAll(async () => {
      api = await createTestApi({ apiKeys: importer });
      owner = await api.token('owner', '*');
      importer.appExists = appExists;
      await api.call({
        method: 'POST',
        path: '/v1/tenants',
        headers: jsonHeaders({ authorization: `Bearer ${owner}` }),
        body: JSON.stringify({ tenant_id: 'acme' }),
      });
    });

    it('imports the key it answers, for the tenant and app, before the app exists', async () => {
      // Act
      const res = await createApp('acme', 'com.acme.game');

      // Assess
      expect(res.statusCode).toBe(201);
      const body = JSON.parse(res.body ?? '{}');
      expect(importer.imported).toEqual([{ tenantId: 'acme', appId: 'com.acme.game', apiKey: body.api_key }]);
      expect(importer.appExistedAtImport).toEqual([false]);
      // The same key authenticates at our handlers too (its hash is in the registry).
      const lookup = await api.call({
        method: 'GET',
        path: '/v1/attribution/com.acme.game',
        query: { advertising_id: 'nobody' },
        headers: { 'x-api-key': body.api_key },
      });
      expect(lookup.statusCode).not.toBe(401);
    });

    it('answers 503 and creates no app when API Gateway refuses the key', async () => {
      // Prepare
      importer.failWith = new ApiKeyImportError('throttled', 'create-api-key', { tenantId: 'acme' });

      // Act
      const res = await createApp('acme', 'com.acme.refused');
      importer.failWith = undefined;

      // Assess
      expect(res.statusCode).toBe(503);
      expect(res.headers?.['retry-after']).toBe('5');
      expect(JSON.parse(res.body ?? '{}').error.code).toBe('service_unavailable');
      expect(await appExists('com.acme.refused')).toBe(false);
      // A retry onboards the app with a fresh key.
      expect((await createApp('acme', 'com.acme.refused')).statusCode).toBe(201);
    });

    it('answers 503 and creates no app when the key could not join the usage plan', async () => {
      importer.failWith = new ApiKeyImportError('no link', 'link-usage-plan', { apiKeyId: 'orphan' });
      const res = await createApp('acme', 'com.acme.unlinked');
      importer.failWith = undefined;

      expect(res.statusCode).toBe(503);
      expect(await appExists('com.acme.unlinked')).toBe(false);
    });

    it('imports nothing for an app id that exists (409) or a tenant that does not (404)', async () => {
      const before = importer.imported.length;

      expect((await createApp('acme', 'com.acme.game')).statusCode).toBe(409);
      expect((await createApp('nobody', 'com.nobody.app')).statusCode).toBe(404);
      expect(importer.imported).toHaveLength(before);
    });

    it('lets an unexpected importer error surface as a 500, still without an app', async () => {
      importer.failWith = new Error('bug');
      const res = await createApp('acme', 'com.acme.bug');
      importer.failWith = undefined;

      expect(res.statusCode).toBe(500);
      expect(await appExists('com.acme.bug')).toBe(false);
    });
  });

  describe('without a REST API (local mode)', () => {
    it('onboards with the registry alone', async () => {
      // Prepare
      const api = await createTestApi();

      // Act
      const key = await api.onboard('initech', 'com.initech.app');

      // Assess
      expect(api.services.apiKeys).toBeUndefined();
      expect(key).toMatch(/^ugp_/);
    });
  });

  describe('wiring from the runtime config', () => {
    it('imports keys only when the config names the REST API', () => {
      const clients = localClients();
      const local = createApiServices(loadRuntimeConfig({}), clients, { adapters: ALL_API_ADAPTERS });
      const cloudConfig = loadRuntimeConfig({
        [ENV.restApiId]: 'a1b2c3',
        [ENV.usagePlans]: JSON.stringify({ '*': 'unmogrowp-dev-api-default' }),
      });
      const cloud = createApiServices(
        cloudConfig,
        {
          ...clients,
          apiGateway: {} as never,
        },
        { adapters: ALL_API_ADAPTERS },
      );

      expect(local.apiKeys).toBeUndefined();
      expect(cloud.apiKeys).toBeInstanceOf(UsagePlanKeys);
      expect(cloudConfig.usagePlans).toEqual({ '*': 'unmogrowp-dev-api-default' });
    });
  });
});
