import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type EmbeddedDatabase, openEmbeddedDatabase } from '../../src/adapters/embedded/database.js';
import { EmbeddedUsageCounters } from '../../src/adapters/embedded/usage-counters.js';
import { secondWindow } from '../../src/http/limits.js';
import { usageCountersContract } from './usage-counters.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'unmogrowp-counters-'));
const db: EmbeddedDatabase = openEmbeddedDatabase(dir);
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

usageCountersContract('embedded (LMDB)', async () => new EmbeddedUsageCounters({ db: db.registry }));

describe('embedded usage counters expiry', () => {
  it('deletes a counter a minute after its window ends, as DynamoDB TTL does, and not before', async () => {
    const counters = new EmbeddedUsageCounters({ db: db.registry });
    const startMs = Date.UTC(2026, 10, 29, 12, 0, 0);
    const window = { ...secondWindow('com.acme.expiring', startMs), shard: 0 };
    await counters.add(window, 1, 1);

    expect(await counters.sweepExpired(window.endsAtMs + 59_000)).toBe(0);
    expect((await counters.add(window, 1, 1)).admitted).toBe(false);
    expect(await counters.sweepExpired(window.endsAtMs + 61_000)).toBeGreaterThanOrEqual(1);
    expect(await counters.add(window, 1, 1)).toEqual({ admitted: true, total: 1 });
  });
});
