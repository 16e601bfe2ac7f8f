import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { type EmbeddedDatabase, openEmbeddedDatabase } from '../../src/adapters/embedded/database.js';
import { EmbeddedIdentityGraph } from '../../src/adapters/embedded/identity-graph.js';
import { attributionStoreContract } from './attribution-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'unmogrowp-contract-'));
let db: EmbeddedDatabase | undefined;
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

attributionStoreContract('embedded (LMDB)', { reads: true, keepsEventOutcomes: true }, async () => {
  db = openEmbeddedDatabase(dir);
  const graph = new EmbeddedIdentityGraph({ db: db.graph });
  return { store: graph, reads: graph, expire: (nowMs) => graph.sweepExpired(nowMs) };
});
