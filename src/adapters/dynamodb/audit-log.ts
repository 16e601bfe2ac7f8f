import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { auditSortKey, positionOf } from '../../app/audit.js';
import type { AuditEntry, AuditLog, AuditPosition } from '../../app/ports/audit-log.js';
import { AUDIT_LOG_KEY_PREFIX, AUDIT_LOG_TTL_DAYS } from '../../definitions/tables.js';

export interface DynamoAuditLogOptions {
  readonly documents: DynamoDBDocumentClient;
  /** The tenant registry table. */
  readonly tableName: string;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * The audit log in the tenant registry table: partition `AUDIT#<tenant>`, sort key `<at ms:15>#<id>` (one
 * Query reads a page newest first), deleted by the table's TTL `AUDIT_LOG_TTL_DAYS` after it was written.
 */
export class DynamoAuditLog implements AuditLog {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;

  constructor(options: DynamoAuditLogOptions) {
    this.documents = options.documents;
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
  }

  async append(entry: AuditEntry): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `${AUDIT_LOG_KEY_PREFIX}${entry.tenantId}`,
          sk: auditSortKey(positionOf(entry)),
          type: 'audit',
          entry: JSON.stringify(entry),
          expiresAtSeconds: Math.floor(this.now() / 1000) + AUDIT_LOG_TTL_DAYS * 86_400,
        },
      }),
    );
  }

  async list(
    tenantId: string,
    options: { readonly limit: number; readonly before?: AuditPosition },
  ): Promise<AuditEntry[]> {
    const { Items } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: options.before ? 'pk = :pk AND sk < :before' : 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': `${AUDIT_LOG_KEY_PREFIX}${tenantId}`,
          ...(options.before ? { ':before': auditSortKey(options.before) } : {}),
        },
        ScanIndexForward: false,
        Limit: options.limit,
      }),
    );
    return (Items ?? []).map((item) => JSON.parse(String(item.entry)) as AuditEntry);
  }
}
