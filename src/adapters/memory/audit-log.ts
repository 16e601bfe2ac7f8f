import { auditSortKey, positionOf } from '../../app/audit.js';
import type { AuditEntry, AuditLog, AuditPosition } from '../../app/ports/audit-log.js';

/**
 * The audit log in memory, with the DynamoDB log's order (`src/adapters/dynamodb/audit-log.ts`): per
 * tenant, newest first by time then id. For tests and tools; entries live as long as the process.
 */
export class InMemoryAuditLog implements AuditLog {
  private readonly entries = new Map<string, AuditEntry[]>();

  async append(entry: AuditEntry): Promise<void> {
    const list = this.entries.get(entry.tenantId) ?? [];
    list.push(structuredClone(entry));
    this.entries.set(entry.tenantId, list);
  }

  async list(
    tenantId: string,
    options: { readonly limit: number; readonly before?: AuditPosition },
  ): Promise<AuditEntry[]> {
    const before = options.before ? auditSortKey(options.before) : undefined;
    return (this.entries.get(tenantId) ?? [])
      .map((entry) => ({ entry, sort: auditSortKey(positionOf(entry)) }))
      .filter(({ sort }) => before === undefined || sort < before)
      .sort((a, b) => (a.sort < b.sort ? 1 : a.sort > b.sort ? -1 : 0))
      .slice(0, options.limit)
      .map(({ entry }) => structuredClone(entry));
  }
}
