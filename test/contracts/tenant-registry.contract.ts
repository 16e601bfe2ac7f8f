import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlreadyExistsError, MissingResourceError, TooManyApiKeysError } from '../../src/app/errors.js';
import type { TenantDirectory } from '../../src/app/ports/tenant-directory.js';
import type { ApiKeyRecord } from '../../src/app/records.js';
import { hashApiKey } from '../../src/auth/api-keys.js';

/** The tenant registry's contract (`TenantDirectory`, `src/app/ports/tenant-directory.ts`), run against every implementation. */
export type RegistryUnderTest = TenantDirectory & { listApiKeys(appId: string): Promise<ApiKeyRecord[]> };

export function tenantRegistryContract(
  name: string,
  setUp: (now: () => number) => Promise<RegistryUnderTest>,
): void {
  describe(`the tenant registry contract: ${name}`, () => {
    let registry: RegistryUnderTest;
    let nowMs = Date.UTC(2026, 10, 29, 12, 0, 0);
    const id = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
    const key = () => hashApiKey(`ugp_${randomUUID().replaceAll('-', '')}`);
    const app = (tenantId: string, appId: string) => ({
      tenantId,
      appId,
      name: appId,
      storeUrls: { android: `https://play.google.com/store/apps/details?id=${appId}` },
      allowedRedirectHosts: [],
      settings: {},
    });

    beforeAll(async () => {
      registry = await setUp(() => nowMs);
    });

    it('creates a tenant once; a second create of the same id is AlreadyExistsError', async () => {
      const tenantId = id('t');
      expect(await registry.createTenant(tenantId, 'Acme')).toMatchObject({ tenantId, name: 'Acme' });
      await expect(registry.createTenant(tenantId, 'Again')).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await registry.getTenant(tenantId)).toMatchObject({ name: 'Acme' });
    });

    it('creates an app only under an existing tenant, once across the platform', async () => {
      const tenantId = id('t');
      const appId = id('com.acme');
      await expect(registry.createApp(app(tenantId, appId), key())).rejects.toBeInstanceOf(
        MissingResourceError,
      );
      await registry.createTenant(tenantId, 'Acme');
      const created = await registry.createApp(app(tenantId, appId), key());
      expect(created.ipHashKey).toEqual(expect.any(String));
      const other = id('t');
      await registry.createTenant(other, 'Other');
      await expect(registry.createApp(app(other, appId), key())).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await registry.getTenantApp(other, appId)).toBeUndefined();
      expect(await registry.getTenantApp(tenantId, appId)).toMatchObject({ appId, tenantId });
    });

    it("resolves an app's key hash to its app, and an unknown hash to nothing", async () => {
      const tenantId = id('t');
      const appId = id('com.acme');
      const hash = key();
      await registry.createTenant(tenantId, 'Acme');
      await registry.createApp(app(tenantId, appId), hash);
      expect(await registry.resolveApiKeyHash(hash)).toEqual({ kind: 'app', tenantId, appId });
      expect(await registry.resolveApiKeyHash(key())).toBeUndefined();
    });

    it('updates settings of the tenant’s own app only', async () => {
      const tenantId = id('t');
      const appId = id('com.acme');
      await registry.createTenant(tenantId, 'Acme');
      await registry.createApp(app(tenantId, appId), key());
      expect(await registry.updateApp('someone-else', appId, { name: 'Stolen' })).toBeUndefined();
      const updated = await registry.updateApp(tenantId, appId, { settings: { clickLookbackHours: 48 } });
      expect(updated?.settings).toEqual({ clickLookbackHours: 48 });
      expect((await registry.getApp(appId, { consistent: true }))?.name).toBe(appId);
    });

    it('rotates a key: the old one works until its deadline, then stops', async () => {
      const tenantId = id('t');
      const appId = id('com.acme');
      const first = key();
      const second = key();
      await registry.createTenant(tenantId, 'Acme');
      await registry.createApp(app(tenantId, appId), first);
      nowMs += 1000;

      const rotation = await registry.rotateApiKey(tenantId, appId, second, nowMs + 60_000);

      expect(rotation.previous).toEqual([expect.objectContaining({ keyId: first.slice(0, 16) })]);
      expect(await registry.resolveApiKeyHash(first)).toMatchObject({ appId });
      expect(await registry.resolveApiKeyHash(second)).toMatchObject({ appId });
      nowMs += 60_000;
      expect(await registry.resolveApiKeyHash(first)).toBeUndefined();
      expect((await registry.listApiKeys(appId)).map((k) => k.keyId)).toEqual([
        first.slice(0, 16),
        second.slice(0, 16),
      ]);
      await expect(registry.rotateApiKey('someone-else', appId, key(), nowMs)).rejects.toBeInstanceOf(
        MissingResourceError,
      );
    });

    it('refuses a rotation that would leave more than 20 keys live', async () => {
      const tenantId = id('t');
      const appId = id('com.acme');
      await registry.createTenant(tenantId, 'Acme');
      await registry.createApp(app(tenantId, appId), key());
      for (let i = 0; i < 19; i++) await registry.rotateApiKey(tenantId, appId, key(), nowMs + 3_600_000);
      await expect(registry.rotateApiKey(tenantId, appId, key(), nowMs + 3_600_000)).rejects.toBeInstanceOf(
        TooManyApiKeysError,
      );
      // Revoking the others at once always fits.
      await expect(registry.rotateApiKey(tenantId, appId, key(), nowMs)).resolves.toMatchObject({
        previous: [],
      });
    });

    it('sets and removes a signing secret', async () => {
      const tenantId = id('t');
      const appId = id('com.acme');
      await registry.createTenant(tenantId, 'Acme');
      await registry.createApp(app(tenantId, appId), key());
      expect((await registry.setSigningSecret(tenantId, appId, 's3cret'))?.signing?.secret).toBe('s3cret');
      expect((await registry.setSigningSecret(tenantId, appId, undefined))?.signing).toBeUndefined();
      expect(await registry.setSigningSecret('someone-else', appId, 'x')).toBeUndefined();
    });

    it('records an erasure request and reads it back per tenant', async () => {
      const tenantId = id('t');
      const record = {
        requestId: id('req'),
        tenantId,
        appId: 'com.acme.game',
        status: 'completed' as const,
        identifierKind: 'adid',
        requestedBy: 'owner@acme',
        requestedAt: new Date(nowMs).toISOString(),
        completedAt: new Date(nowMs).toISOString(),
        erased: { devices: 1 },
      };
      await registry.recordErasure(record);
      expect(await registry.getErasure(tenantId, record.requestId)).toEqual(record);
      expect(await registry.getErasure('someone-else', record.requestId)).toBeUndefined();
    });
  });
}
