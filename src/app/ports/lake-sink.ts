import type { LakeRow, LakeTable } from '../lake-rows.js';

/**
 * Where the attribution consumer sends lake rows. Two implementations: the S3 NDJSON writer (local mode
 * and tests: raw and attribution rows) and the attribution Firehose (the cloud: attribution rows only,
 * raw records reach the lake through the ingest stream's own delivery stream).
 */
export interface LakeSink {
  /**
   * Lake tables this sink carries; the consumer builds no rows for the others.
   * @default every table
   */
  readonly tables?: ReadonlySet<LakeTable>;
  write(batchId: string, rows: readonly LakeRow[]): Promise<LakeWriteResult>;
}

export interface LakeWriteResult {
  /** S3 objects written (0 when a delivery stream writes the objects). */
  readonly objects: number;
  /** Rows handed to the lake. */
  readonly records: number;
}

/** True when a sink takes rows of a table. */
export function sinkCarries(sink: LakeSink, table: LakeTable): boolean {
  return sink.tables === undefined || sink.tables.has(table);
}
