import { describe, expect, it } from 'vitest';
import { DEFAULT_PLATFORM_CONFIG, parsePlatformConfig } from '../../lib/config/index.js';
import {
  APP_ID_PATTERN,
  DEPLOYED_TENANT_ID_MAX_LENGTH,
  TENANT_ID_PATTERN,
} from '../../src/definitions/ids.js';

const deploy = (tenantId: string, appId = 'com.acme.game') =>
  parsePlatformConfig({ ...DEFAULT_PLATFORM_CONFIG, tenants: [{ tenantId, apps: [{ appId }] }] });

describe('tenant and app ids, one pattern each', () => {
  it('accepts in the deployment config every tenant id the API accepts, up to the resource-name length', () => {
    for (const id of ['acme', '9lives', 'a-b-c', 'x'.repeat(DEPLOYED_TENANT_ID_MAX_LENGTH)]) {
      expect(TENANT_ID_PATTERN.test(id)).toBe(true);
      expect(() => deploy(id)).not.toThrow();
    }
  });

  it('refuses in the deployment config a tenant id longer than resource names allow', () => {
    const id = 'x'.repeat(DEPLOYED_TENANT_ID_MAX_LENGTH + 1);

    expect(TENANT_ID_PATTERN.test(id)).toBe(true);
    expect(() => deploy(id)).toThrow(/tenantId: expected 2-20 lowercase/);
  });

  it('refuses the same app ids in the API and the deployment config', () => {
    for (const appId of ['.hidden', '-dash', 'a b', 'x'.repeat(129)]) {
      expect(APP_ID_PATTERN.test(appId)).toBe(false);
      expect(() => deploy('acme', appId)).toThrow(/appId: expected a bundle id/);
    }
  });
});
