import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, open, type RootDatabase } from 'lmdb';

/**
 * The embedded database of local mode: LMDB under the data directory (memory-mapped, ordered keys, ACID
 * write transactions that survive a `kill -9`), with one named database per concern. Any number of
 * threads of one process (the HTTP thread and the consumer worker) may open it at once: LMDB serialises
 * the write transactions and gives every reader a consistent snapshot.
 *
 * Two environments, one per writer, so neither waits for the other's write lock: `ingest` (the log, the
 * tenant registry, usage counters and postbacks: written by the HTTP thread) and `store` (the identity graph and
 * the consumer's checkpoints: written by the consumer). The checkpoints live with the graph, so a
 * checkpoint is never on disk before the commit it covers.
 *
 * Keys are strings whose parts are joined by `SEP` (U+001E, the record separator: a character no id,
 * key or name of ours holds), so a prefix scan of `a SEP b SEP` never strays into `a SEP bc`. Not U+0001:
 * the key encoding (ordered-binary) uses that byte between array elements, and long keys holding it
 * read back as arrays.
 */

export const SEP = '\u001e';
/** Ends a prefix range: every key that starts with `prefix SEP` sorts below `prefix END`. */
export const END = '\u001f';

/** Joins key parts. */
export const key = (...parts: readonly string[]): string => parts.join(SEP);
/** The range of every key under a prefix (the prefix's own parts, then anything). */
export const under = (...parts: readonly string[]) => ({
  start: `${key(...parts)}${SEP}`,
  end: `${key(...parts)}${END}`,
});

export interface EmbeddedDatabase {
  /** Identity graph: devices, links, touchpoints, event markers, counters. */
  readonly graph: Database;
  /** The consumer's checkpoints on the log (beside the graph). */
  readonly checkpoints: Database;
  /** Tenant registry and usage counters. */
  readonly registry: Database;
  /** The ordered log (ingest stream). */
  readonly log: Database;
  /** Postback destinations and the delivery log (written by the HTTP thread, which sends them). */
  readonly postbacks: Database;
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
  const environment = (name: string): RootDatabase => {
    const path = join(dataDir, 'db', name);
    mkdirSync(path, { recursive: true });
    return open({
      path,
      // A sparse map: only what is written takes disk; LMDB grows the file as it fills.
      mapSize: 64 * 1024 ** 3,
      maxDbs: 4,
      noSync: options.noSync ?? false,
      // A write resolves once committed and visible to every thread (a process crash, even `kill -9`,
      // cannot lose it: the pages are the kernel's); what must also survive a power cut awaits `flushed`.
      separateFlushed: true,
    });
  };
  const store = environment('store');
  const ingest = environment('ingest');
  return {
    graph: store.openDB({ name: 'graph' }),
    checkpoints: store.openDB({ name: 'checkpoints' }),
    registry: ingest.openDB({ name: 'registry' }),
    log: ingest.openDB({ name: 'log' }),
    postbacks: ingest.openDB({ name: 'postbacks' }),
    close: async () => {
      await Promise.all([store.close(), ingest.close()]);
    },
  };
}
