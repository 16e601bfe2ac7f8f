import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_LIVE_API_KEYS, TenantRegistry } from '../../src/adapters/dynamodb/tenant-registry.js';
import { MissingResourceError, TooManyApiKeysError } from '../../src/app/errors.js';
import { generateApiKey, hashApiKey } from '../../src/auth/api-keys.js';
import { createLocalResources, type LocalResources, localClients } from '../support/local.js';

const HOUR_MS = 3_600_000;

/** The registry's key rotation, signing secrets and IP hash keys against DynamoDB Local. */
describe('tenant registry: app credentials', () => {
  const clients = localClients();
  let resources: LocalResources;
  let clock = Date.parse('2026-11-29T06:00:00Z');
  let registry: TenantRegistry;

  beforeAll(async () => {
    resources = await createLocalResources(clients);
    registry = new TenantRegistry({
      documents: clients.documents,
      tableName: resources.tenantRegistryTable,
      now: () => clock,
    });
    await registry.createTenant('acme', 'Acme');
  });

  async function newApp(appId: string): Promise<string> {
    const key = generateApiKey();
    await registry.createApp(
      { tenantId: 'acme', appId, name: appId, storeUrls: {}, allowedRedirectHosts: [], settings: {} },
      hashApiKey(key),
    );
    return key;
  }

  describe('rotateApiKey', () => {
    it('adds a key that resolves at once and gives the old one a deadline, in the table', async () => {
      const oldKey = await newApp('com.acme.one');
      const newKey = generateApiKey();
      const rotation = await registry.rotateApiKey(
        'acme',
        'com.acme.one',
        hashApiKey(newKey),
        clock + HOUR_MS,
      );
      expect(rotation.created.keyId).toBe(hashApiKey(newKey).slice(0, 16));
      expect(rotation.previous).toEqual([
        {
          keyId: hashApiKey(oldKey).slice(0, 16),
          createdAt: expect.any(String),
          expiresAt: new Date(clock + HOUR_MS).toISOString(),
        },
      ]);
      const principal = { kind: 'app', tenantId: 'acme', appId: 'com.acme.one' };
      expect(await registry.resolveApiKeyHash(hashApiKey(newKey))).toEqual(principal);
      expect(await registry.resolveApiKeyHash(hashApiKey(oldKey))).toEqual(principal);
      // A fresh registry (another Lambda instance, empty cache) reads the deadline from the table.
      const other = new TenantRegistry({
        documents: clients.documents,
        tableName: resources.tenantRegistryTable,
        now: () => clock + HOUR_MS,
      });
      expect(await other.resolveApiKeyHash(hashApiKey(oldKey))).toBeUndefined();
      expect(await other.resolveApiKeyHash(hashApiKey(newKey))).toEqual(principal);
    });

    it('deletes keys past their deadline on the next rotation', async () => {
      await newApp('com.acme.two');
      const second = generateApiKey();
      await registry.rotateApiKey('acme', 'com.acme.two', hashApiKey(second), clock + HOUR_MS);
      clock += 2 * HOUR_MS;
      const third = generateApiKey();
      const rotation = await registry.rotateApiKey(
        'acme',
        'com.acme.two',
        hashApiKey(third),
        clock + 48 * HOUR_MS,
      );
      expect(rotation.previous.map((k) => k.keyId)).toEqual([hashApiKey(second).slice(0, 16)]);
      const keys = await registry.listApiKeys('com.acme.two');
      expect(keys.map((k) => k.keyId)).toEqual([
        hashApiKey(second).slice(0, 16),
        hashApiKey(third).slice(0, 16),
      ]);
      expect(keys[0]?.expiresAt).toBe(new Date(clock + 48 * HOUR_MS).toISOString());
      expect(keys[1]?.expiresAt).toBeUndefined();
    });

    it("refuses another tenant's app and writes nothing", async () => {
      const key = await newApp('com.acme.three');
      await registry.createTenant('globex', 'Globex');
      const intruder = generateApiKey();
      await expect(
        registry.rotateApiKey('globex', 'com.acme.three', hashApiKey(intruder), clock),
      ).rejects.toBeInstanceOf(MissingResourceError);
      await expect(
        registry.rotateApiKey('acme', 'com.acme.none', hashApiKey(intruder), clock),
      ).rejects.toBeInstanceOf(MissingResourceError);
      expect(await registry.resolveApiKeyHash(hashApiKey(intruder))).toBeUndefined();
      expect(await registry.resolveApiKeyHash(hashApiKey(key))).toMatchObject({ appId: 'com.acme.three' });
      expect((await registry.listApiKeys('com.acme.three')).map((k) => k.expiresAt)).toEqual([undefined]);
    });

    it(`refuses to leave more than ${MAX_LIVE_API_KEYS} live keys, and revoking makes room`, async () => {
      await newApp('com.acme.many');
      for (let i = 1; i < MAX_LIVE_API_KEYS; i++) {
        await registry.rotateApiKey('acme', 'com.acme.many', hashApiKey(generateApiKey()), clock + HOUR_MS);
      }
      const extra = hashApiKey(generateApiKey());
      await expect(
        registry.rotateApiKey('acme', 'com.acme.many', extra, clock + HOUR_MS),
      ).rejects.toBeInstanceOf(TooManyApiKeysError);
      const rotation = await registry.rotateApiKey('acme', 'com.acme.many', extra, clock);
      expect(rotation.previous).toEqual([]);
      expect(await registry.resolveApiKeyHash(extra)).toMatchObject({ appId: 'com.acme.many' });
    });
  });

  describe('setSigningSecret', () => {
    it('stores the secret on the app, removes it, and refuses another tenant', async () => {
      await newApp('com.acme.signed');
      const set = await registry.setSigningSecret('acme', 'com.acme.signed', 'ugps_secret');
      expect(set?.signing).toEqual({ secret: 'ugps_secret', createdAt: new Date(clock).toISOString() });
      expect((await registry.getApp('com.acme.signed'))?.signing?.secret).toBe('ugps_secret');
      expect(await registry.setSigningSecret('globex', 'com.acme.signed', undefined)).toBeUndefined();
      expect((await registry.getApp('com.acme.signed', { consistent: true }))?.signing?.secret).toBe(
        'ugps_secret',
      );
      const off = await registry.setSigningSecret('acme', 'com.acme.signed', undefined);
      expect(off?.signing).toBeUndefined();
      expect((await registry.getApp('com.acme.signed'))?.signing).toBeUndefined();
    });
  });

  describe('IP hash keys', () => {
    it('gives every new app its own key, and an older app one on its next update, never changing it', async () => {
      await newApp('com.acme.hashed');
      await newApp('com.acme.hashed2');
      const key = (await registry.getApp('com.acme.hashed', { consistent: true }))?.ipHashKey;
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect((await registry.getApp('com.acme.hashed2', { consistent: true }))?.ipHashKey).not.toBe(key);
      await registry.updateApp('acme', 'com.acme.hashed', { settings: { ipHandling: 'hashed' } });
      expect((await registry.getApp('com.acme.hashed', { consistent: true }))?.ipHashKey).toBe(key);
      // An app item from before IP hash keys existed.
      await clients.documents.send(
        new PutCommand({
          TableName: resources.tenantRegistryTable,
          Item: {
            pk: 'APP#com.acme.legacy',
            sk: 'APP',
            type: 'app',
            tenantId: 'acme',
            appId: 'com.acme.legacy',
          },
        }),
      );
      expect((await registry.getApp('com.acme.legacy', { consistent: true }))?.ipHashKey).toBeUndefined();
      const updated = await registry.updateApp('acme', 'com.acme.legacy', {
        settings: { ipHandling: 'hashed' },
      });
      expect(updated?.ipHashKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });
  });
});
