/**
 * The tenant audit log: one entry per successful admin change of a tenant (who, what, when), read with
 * `audit:read`. Entries never hold a secret, key or token: the recorder (`src/http/audit.ts`) builds
 * `details` from named, non-secret fields only.
 */

/** Who made a change: the bearer token's subject and role (never the token). */
export interface AuditActor {
  readonly subject: string;
  readonly role: string;
}

export interface AuditEntry {
  /** Unique within the tenant; orders entries of one millisecond. */
  readonly id: string;
  /** ISO 8601 time of the change. */
  readonly at: string;
  readonly tenantId: string;
  readonly actor: AuditActor;
  /** What was done, e.g. `apps.settings.update`. */
  readonly action: string;
  /** What it was done to (an app id, an erasure request id, a delivery id), when there is one. */
  readonly target?: string;
  /** A few non-secret facts of the change (counts, field names, flags). */
  readonly details: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

/** Where a page ends: the next page holds the entries strictly older (by time, then id). */
export interface AuditPosition {
  readonly atMs: number;
  readonly id: string;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  /** A tenant's entries, newest first, strictly before `before` when given; at most `limit`. */
  list(
    tenantId: string,
    options: { readonly limit: number; readonly before?: AuditPosition },
  ): Promise<AuditEntry[]>;
}
