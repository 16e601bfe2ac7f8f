import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openEmbeddedDatabase } from '../../src/adapters/embedded/database.js';
import { EmbeddedTenantRegistry } from '../../src/adapters/embedded/tenant-registry.js';
import { tenantRegistryContract } from './tenant-registry.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'unmogrowp-registry-'));
const db = openEmbeddedDatabase(dir);
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

tenantRegistryContract(
  'embedded (LMDB)',
  async (now) => new EmbeddedTenantRegistry({ db: db.registry, now }),
);
