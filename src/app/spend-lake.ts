import type { CostRow, FxRate } from '../domain/spend.js';

/**
 * The port of the spend routes (SPEC §8): where cost rows and FX rates go. The lake adapter keeps each
 * under its idempotency key, so writing a row or rate again replaces it.
 */
export interface SpendLake {
  /** Writes an app's cost rows; each replaces any earlier row of the same key. */
  putCosts(tenantId: string, appId: string, rows: readonly CostRow[], loadedAtMs: number): Promise<void>;
  /** Writes a tenant's rates; each replaces any earlier rate of the same date and pair. */
  putFxRates(tenantId: string, rates: readonly FxRate[], loadedAtMs: number): Promise<void>;
}
