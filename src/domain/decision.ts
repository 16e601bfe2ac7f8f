import type { Attribution, EventAttribution } from './attribution.js';
import type { DataCenterMatcher } from './fraud.js';
import type { AppSettings } from './settings.js';
import type { StoredEventOutcome, UnitOfWork } from './store.js';

/** What every decision step shares: the context of a batch and the outcome of one record. */

export interface RecordOutcome {
  /** Index of the record in the batch. */
  readonly index: number;
  /** `duplicate`: the event was processed before (no writes); `failed`: its unit was not committed, retry it. */
  readonly status: 'processed' | 'duplicate' | 'failed';
  /** The install, reinstall, reattribution or re-engagement decision the record caused. */
  readonly attribution?: Attribution;
  /** How an in-app event, open or session was credited. */
  readonly eventAttribution?: EventAttribution;
  /**
   * Of a `duplicate`: what the event's earlier commit recorded, when the store kept it. Its `sourceId`
   * equal to this record's source means this is a redelivery of the very record that was committed.
   */
  readonly previous?: StoredEventOutcome;
}

/** What the pure decision needs besides the records and the snapshot. */
export interface DecisionContext {
  settingsFor(tenantId: string, appId: string): AppSettings;
  readonly dataCenter?: DataCenterMatcher;
  /** Identity of each input record by batch index, kept with its event's marker (`UnitOfWork.sourceId`). */
  readonly sourceIds?: readonly (string | undefined)[];
}

/** One record's decision: its outcome and, unless it was a duplicate, its unit of work. */
export interface RecordDecision {
  readonly outcome: RecordOutcome;
  readonly unit?: UnitOfWork;
}

/** The empty list every unit shares for what it does not write (frozen: never written to). */
export const NONE: readonly never[] = Object.freeze([]);

/**
 * Makes each line one flat string. Template literals build a tree of string pieces (V8 cons strings),
 * several objects per line; an attribution keeps its explanation as long as the device lives, so the
 * lines are flattened (reading a character flattens a cons string in place) while they are still young:
 * far less memory is then retained and copied by the garbage collector.
 */
export function flattenLines(lines: string[]): void {
  for (let i = 0; i < lines.length; i++) (lines[i] as string).charCodeAt(0);
}
