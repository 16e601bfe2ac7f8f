import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, open, type RootDatabase } from 'lmdb';

/**
 * The embedded database of local mode: one LMDB environment under the data directory (memory-mapped,
 * ordered keys, ACID write transactions that survive a `kill -9`), with one named database per concern.
 * Any number of threads of one process (the HTTP thread and the consumer worker) may open it at once:
 * LMDB serialises the write transactions and gives every reader a consistent snapshot.
 *
 * Keys are strings whose parts are joined by `SEP` (U+0001, a character no id, key or name of ours
 * holds), so a prefix scan of `a SEP b SEP` never strays into `a SEP bc`.
 */

export const SEP = '\u0001';
/** Ends a prefix range: every key that starts with `prefix SEP` sorts below `prefix END`. */
export const END = '\u0002';

/** Joins key parts. */
export const key = (...parts: readonly string[]): string => parts.join(SEP);
/** The range of every key under a prefix (the prefix's own parts, then anything). */
export const under = (...parts: readonly string[]) => ({
  start: `${key(...parts)}${SEP}`,
  end: `${key(...parts)}${END}`,
});

export interface EmbeddedDatabase {
  readonly root: RootDatabase;
  /** Identity graph: devices, links, touchpoints, event markers, counters. */
  readonly graph: Database;
  /** Tenant registry and usage counters. */
  readonly registry: Database;
  /** The ordered log (ingest stream) and its consumer's checkpoints. */
  readonly log: Database;
  close(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /**
   * Commit without waiting for the disk (`noSync`): faster, but a power cut (not a process crash) may
   * lose the latest commits. For benchmarks and throw-away state only.
   * @default false: every commit is flushed before it resolves
   */
  readonly noSync?: boolean;
}

/** Opens (creating if needed) the embedded database in `<dataDir>/db`. */
export function openEmbeddedDatabase(
  dataDir: string,
  options: EmbeddedDatabaseOptions = {},
): EmbeddedDatabase {
  const path = join(dataDir, 'db');
  mkdirSync(path, { recursive: true });
  const root = open({
    path,
    // A sparse 64 GiB map: only what is written takes disk; LMDB grows the file as it fills.
    mapSize: 64 * 1024 ** 3,
    maxDbs: 8,
    noSync: options.noSync ?? false,
  });
  return {
    root,
    graph: root.openDB({ name: 'graph' }),
    registry: root.openDB({ name: 'registry' }),
    log: root.openDB({ name: 'log' }),
    close: () => root.close(),
  };
}
