import type { AuditEntry, AuditPosition } from './ports/audit-log.js';

/** The ordering of the audit log, shared by its adapters and the cursor of its list route. */

/** Milliseconds since 1970 as 15 digits: they sort as numbers until the year 33658. */
const ms15 = (value: number) => String(Math.max(0, Math.floor(value))).padStart(15, '0');

/** An entry's sort key: newest first is descending order of it. */
export const auditSortKey = (position: AuditPosition): string => `${ms15(position.atMs)}#${position.id}`;

export const positionOf = (entry: Pick<AuditEntry, 'at' | 'id'>): AuditPosition => ({
  atMs: Date.parse(entry.at),
  id: entry.id,
});

/** The opaque cursor of the page after `entry` (base64url of its sort key). */
export const auditCursor = (entry: Pick<AuditEntry, 'at' | 'id'>): string =>
  Buffer.from(auditSortKey(positionOf(entry))).toString('base64url');

/** The position a cursor names, or undefined when it is not one of ours. */
export function readAuditCursor(cursor: string): AuditPosition | undefined {
  const match = /^(\d{15})#([A-Za-z0-9_-]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) return undefined;
  return { atMs: Number(match[1]), id: match[2] as string };
}
