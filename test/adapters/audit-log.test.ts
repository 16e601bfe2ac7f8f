import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DynamoAuditLog } from '../../src/adapters/dynamodb/audit-log.js';
import { createTables } from '../../src/adapters/dynamodb/create-tables.js';
import { EmbeddedAuditLog } from '../../src/adapters/embedded/audit-log.js';
import { type EmbeddedDatabase, openEmbeddedDatabase } from '../../src/adapters/embedded/database.js';
import { InMemoryAuditLog } from '../../src/adapters/memory/audit-log.js';
import { auditCursor, readAuditCursor } from '../../src/app/audit.js';
import type { AuditEntry, AuditLog } from '../../src/app/ports/audit-log.js';
import { AUDIT_LOG_TTL_DAYS, TENANT_REGISTRY_TABLE } from '../../src/definitions/tables.js';
import { localClients } from '../support/local.js';

/**
 * The audit log port's contract (`src/app/ports/audit-log.ts`) on the memory log, the embedded (LMDB)
 * log of `npm start` and the DynamoDB log on the tenant registry table (DynamoDB Local).
 */

const START_MS = Date.parse('2026-11-20T10:00:00Z');

const entry = (n: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  id: `a${String(n).padStart(4, '0')}`,
  at: new Date(START_MS + n * 1000).toISOString(),
  tenantId: 't1',
  actor: { subject: 'alice', role: 'admin' },
  action: 'apps.settings.update',
  target: 'com.app',
  details: { fields: ['settings'], count: n },
  ...overrides,
});

type Factory = (now: () => number) => Promise<AuditLog>;

function describeAuditLogContract(name: string, make: Factory) {
  describe(`audit log contract: ${name}`, () => {
    const now = () => START_MS + 3_600_000;

    it('gives back what was appended, whole', async () => {
      const log = await make(now);
      await log.append(entry(1));
      expect(await log.list('t1', { limit: 10 })).toEqual([entry(1)]);
    });

    it('lists newest first, at most limit', async () => {
      const log = await make(now);
      for (const n of [2, 5, 1, 4, 3]) await log.append(entry(n));
      const page = await log.list('t1', { limit: 3 });
      expect(page.map((e) => e.id)).toEqual(['a0005', 'a0004', 'a0003']);
    });

    it('orders entries of one millisecond by id, and a page after `before` starts strictly after it', async () => {
      const log = await make(now);
      const at = new Date(START_MS).toISOString();
      for (const id of ['b', 'a', 'c']) await log.append(entry(0, { id, at }));
      const first = await log.list('t1', { limit: 2 });
      expect(first.map((e) => e.id)).toEqual(['c', 'b']);
      const before = readAuditCursor(auditCursor(first[1] as AuditEntry));
      expect(before).toBeDefined();
      const rest = await log.list('t1', { limit: 2, ...(before ? { before } : {}) });
      expect(rest.map((e) => e.id)).toEqual(['a']);
    });

    it('pages through every entry once', async () => {
      const log = await make(now);
      for (let n = 1; n <= 7; n++) await log.append(entry(n));
      const seen: string[] = [];
      let before: ReturnType<typeof readAuditCursor>;
      for (;;) {
        const page = await log.list('t1', { limit: 3, ...(before ? { before } : {}) });
        seen.push(...page.map((e) => e.id));
        if (page.length < 3) break;
        before = readAuditCursor(auditCursor(page.at(-1) as AuditEntry));
      }
      expect(seen).toEqual(['a0007', 'a0006', 'a0005', 'a0004', 'a0003', 'a0002', 'a0001']);
    });

    it("keeps tenants apart: one tenant's list holds none of another's (not even one whose id it prefixes)", async () => {
      const log = await make(now);
      await log.append(entry(1, { tenantId: 't1' }));
      await log.append(entry(2, { tenantId: 't10' }));
      await log.append(entry(3, { tenantId: 't2' }));
      expect((await log.list('t1', { limit: 10 })).map((e) => e.id)).toEqual(['a0001']);
      expect((await log.list('t10', { limit: 10 })).map((e) => e.id)).toEqual(['a0002']);
      expect(await log.list('t3', { limit: 10 })).toEqual([]);
    });
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'ugp-audit-log-'));
const opened: EmbeddedDatabase[] = [];
let n = 0;
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describeAuditLogContract('memory', async () => new InMemoryAuditLog());
describeAuditLogContract('embedded', async (now) => {
  const db = openEmbeddedDatabase(join(dataDir, String(n++)), { noSync: true });
  opened.push(db);
  return new EmbeddedAuditLog({ db: db.registry, now });
});
describeAuditLogContract('DynamoDB', async (now) => {
  const clients = localClients();
  const tableName = `registry-${randomUUID().slice(0, 8)}`;
  await createTables(clients.dynamodb as DynamoDBClient, [TENANT_REGISTRY_TABLE], {
    [TENANT_REGISTRY_TABLE.logicalName]: tableName,
  });
  return new DynamoAuditLog({ documents: clients.documents, tableName, now });
});

describe('audit log retention', () => {
  it(`the embedded log lists no entry older than ${AUDIT_LOG_TTL_DAYS} days`, async () => {
    const db = openEmbeddedDatabase(join(dataDir, String(n++)), { noSync: true });
    opened.push(db);
    const now = () => START_MS + (AUDIT_LOG_TTL_DAYS * 86_400 + 10) * 1000;
    const log = new EmbeddedAuditLog({ db: db.registry, now });
    await log.append(entry(1));
    await log.append(entry(20));
    expect((await log.list('t1', { limit: 10 })).map((e) => e.id)).toEqual(['a0020']);
  });

  it(`DynamoDB entries carry the table's TTL attribute, ${AUDIT_LOG_TTL_DAYS} days on`, async () => {
    const sent: Record<string, unknown>[] = [];
    const documents = {
      send: async (command: { input: { Item?: Record<string, unknown> } }) => {
        if (command.input.Item) sent.push(command.input.Item);
        return {};
      },
    } as unknown as ConstructorParameters<typeof DynamoAuditLog>[0]['documents'];
    await new DynamoAuditLog({ documents, tableName: 'registry', now: () => START_MS }).append(entry(1));
    expect(sent[0]).toMatchObject({
      pk: 'AUDIT#t1',
      [TENANT_REGISTRY_TABLE.timeToLiveAttribute as string]: START_MS / 1000 + AUDIT_LOG_TTL_DAYS * 86_400,
    });
  });

  it('a cursor that is not ours reads as none', () => {
    expect(readAuditCursor('bm90LWEtY3Vyc29y')).toBeUndefined();
    expect(readAuditCursor('')).toBeUndefined();
  });
});
