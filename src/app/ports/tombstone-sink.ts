import type { Tombstone } from '../../domain/erasure.js';

/** Port of the privacy route: where tombstones go. */
export interface TombstoneSink {
  /** Writes the tombstone; answers the number of rows (erased keys) written. */
  write(tombstone: Tombstone): Promise<number>;
}
