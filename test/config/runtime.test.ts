import { describe, expect, it } from 'vitest';
import { loadRuntimeConfig } from '../../src/config/runtime.js';
import { ENV } from '../../src/definitions/environment.js';

const BASE = {
  [ENV.region]: 'us-east-1',
  [ENV.identityGraphTable]: 'graph',
  [ENV.tenantRegistryTable]: 'registry',
  [ENV.ingestStream]: 'stream',
  [ENV.lakeBucket]: 'lake',
  [ENV.athenaWorkgroup]: 'wg',
  [ENV.glueDatabase]: 'db',
};

describe('runtime configuration', () => {
  it('reads signature touchpoints of the earlier layout only when UNMOGROWP_LEGACY_SIGNATURE_READS is 1', () => {
    expect(loadRuntimeConfig(BASE).legacySignatureReads).toBe(false);
    expect(loadRuntimeConfig({ ...BASE, [ENV.legacySignatureReads]: '1' }).legacySignatureReads).toBe(true);
    expect(loadRuntimeConfig({ ...BASE, [ENV.legacySignatureReads]: 'yes' }).legacySignatureReads).toBe(
      false,
    );
  });
});
