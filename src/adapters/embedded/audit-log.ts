import type { Database } from 'lmdb';
import { auditSortKey, positionOf } from '../../app/audit.js';
import type { AuditEntry, AuditLog, AuditPosition } from '../../app/ports/audit-log.js';
import { AUDIT_LOG_TTL_DAYS } from '../../definitions/tables.js';
import { key, under } from './database.js';

/**
 * The audit log in the embedded database (the `registry` database), with the DynamoDB log's order
 * (`src/adapters/dynamodb/audit-log.ts`): key `A <tenant> <at ms:15>#<id>`, read newest first. Entries
 * older than `AUDIT_LOG_TTL_DAYS` are not listed (the table's TTL deletes them in the cloud).
 */

export interface EmbeddedAuditLogOptions {
  /** The `registry` database of `openEmbeddedDatabase`. */
  readonly db: Database;
  /** @default Date.now */
  readonly now?: () => number;
}

const DAY_MS = 86_400_000;

export class EmbeddedAuditLog implements AuditLog {
  private readonly db: Database;
  private readonly now: () => number;

  constructor(options: EmbeddedAuditLogOptions) {
    this.db = options.db;
    this.now = options.now ?? Date.now;
  }

  async append(entry: AuditEntry): Promise<void> {
    await this.db.put(key('A', entry.tenantId, auditSortKey(positionOf(entry))), JSON.stringify(entry));
    await this.db.flushed;
  }

  async list(
    tenantId: string,
    options: { readonly limit: number; readonly before?: AuditPosition },
  ): Promise<AuditEntry[]> {
    const range = under('A', tenantId);
    const start = options.before ? key('A', tenantId, auditSortKey(options.before)) : range.end;
    const oldest = this.now() - AUDIT_LOG_TTL_DAYS * DAY_MS;
    const entries: AuditEntry[] = [];
    for (const { key: at, value } of this.db.getRange({ start, end: range.start, reverse: true })) {
      // A `before` position is exclusive.
      if (options.before && at === start) continue;
      const entry = JSON.parse(String(value)) as AuditEntry;
      if (Date.parse(entry.at) < oldest) break;
      entries.push(entry);
      if (entries.length >= options.limit) break;
    }
    return entries;
  }
}
