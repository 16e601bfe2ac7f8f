import type { QueryParameter, ReportQueryDefinition } from '../../definitions/queries.js';

/** Runs a saved report query on the lake (Athena in the cloud, DuckDB locally). */
export interface LakeQueryRunner {
  run(
    query: ReportQueryDefinition,
    parameters: Readonly<Record<QueryParameter, string>>,
  ): Promise<Record<string, string | null>[]>;
}
