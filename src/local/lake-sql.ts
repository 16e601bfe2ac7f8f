import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  COST_COLUMNS,
  DATA_LAKE,
  ERASURE_COLUMNS,
  FX_RATE_COLUMNS,
  LAKE_COSTS,
  LAKE_ERASURES,
  LAKE_FX_RATES,
  LAKE_TABLE_COLUMNS,
  type LakeColumn,
} from '../definitions/lake.js';
import {
  type QueryParameter,
  type ReportQueryDefinition,
  reportParameterValues,
} from '../definitions/queries.js';

/**
 * Athena-style SQL over the local lake files with DuckDB: every lake table becomes a view over its Hive
 * layout, typed from the same column schema the Glue tables get, so the named queries of the Athena
 * workgroup run unchanged.
 */

/** Hive/Glue type → DuckDB type. */
export function duckDbType(hiveType: string): string {
  const t = hiveType.trim();
  const simple: Record<string, string> = {
    string: 'VARCHAR',
    double: 'DOUBLE',
    bigint: 'BIGINT',
    int: 'INTEGER',
    boolean: 'BOOLEAN',
    timestamp: 'TIMESTAMP',
  };
  const known = simple[t];
  if (known) return known;
  const inner = (prefix: string) => t.slice(prefix.length, -1);
  if (t.startsWith('array<')) return `${duckDbType(inner('array<'))}[]`;
  if (t.startsWith('map<')) {
    const [k, v] = splitTopLevel(inner('map<'));
    return `MAP(${duckDbType(k ?? 'string')}, ${duckDbType(v ?? 'string')})`;
  }
  if (t.startsWith('struct<')) {
    const fields = splitTopLevel(inner('struct<')).map((field) => {
      const colon = field.indexOf(':');
      return `"${field.slice(0, colon)}" ${duckDbType(field.slice(colon + 1))}`;
    });
    return `STRUCT(${fields.join(', ')})`;
  }
  throw new Error(`no DuckDB type for lake column type '${hiveType}'`);
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '<') depth++;
    else if (c === '>') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function hasFiles(dir: string, suffix: string): boolean {
  try {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory() ? hasFiles(path, suffix) : entry.endsWith(suffix)) return true;
    }
  } catch {
    return false;
  }
  return false;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

function viewSql(
  lakeDir: string,
  suffix: string,
  table: string,
  columns: readonly LakeColumn[],
  partitionKeys: readonly string[] = DATA_LAKE.partitionKeys,
): string {
  const dir = join(lakeDir, table);
  if (!hasFiles(dir, suffix)) {
    const typed = columns.map((c) => `CAST(NULL AS ${duckDbType(c.type)}) AS "${c.name}"`);
    typed.push(...partitionKeys.map((key) => `CAST(NULL AS VARCHAR) AS ${key}`));
    return `CREATE OR REPLACE VIEW "${table}" AS SELECT ${typed.join(', ')} WHERE false`;
  }
  const spec = columns.map((c) => `${quote(c.name)}: ${quote(duckDbType(c.type))}`).join(', ');
  return `CREATE OR REPLACE VIEW "${table}" AS SELECT * FROM read_json(${quote(`${dir}/**/*${suffix}`)},
    format = 'newline_delimited', hive_partitioning = true, hive_types_autocast = false, columns = {${spec}})`;
}

export interface LocalLakeQueriesOptions {
  /**
   * Ending of object files. s3rver keeps an object `k` as the file `k._S3rver_object`.
   * @default '.json'
   */
  readonly objectSuffix?: string;
}

/**
 * Trino functions the lake queries use that DuckDB lacks. DuckDB strings are UTF-8 already, and its
 * `sha256` answers the digest as hex where Trino's answers bytes: so here `to_base64url` takes that hex.
 * `identifierHashSql` (in `src/definitions/queries.ts`) relies on the first two, the cohort query on the others.
 */
const TRINO_SHIMS = [
  'CREATE OR REPLACE MACRO to_utf8(s) AS s',
  "CREATE OR REPLACE MACRO to_base64url(hex) AS replace(replace(to_base64(unhex(hex)), '+', '-'), '/', '_')",
  // The cohort query measures days since install in seconds (Trino and DuckDB count date_diff days apart).
  'CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)',
  'CREATE OR REPLACE MACRO to_unixtime(t) AS epoch(t)',
];

/** s3rver's on-disk name of an object's content. */
export const S3RVER_OBJECT_SUFFIX = '.json._S3rver_object';

export class LocalLakeQueries {
  private connection?: Promise<DuckDBConnection>;
  private readonly suffix: string;

  /** @param lakeDir the directory holding the lake tables (for s3rver: `<s3 dir>/<bucket>`). */
  constructor(
    private readonly lakeDir: string,
    options: LocalLakeQueriesOptions = {},
  ) {
    this.suffix = options.objectSuffix ?? '.json';
  }

  private connect(): Promise<DuckDBConnection> {
    this.connection ??= DuckDBInstance.create(':memory:').then(async (db) => {
      const connection = await db.connect();
      for (const shim of TRINO_SHIMS) await connection.run(shim);
      return connection;
    });
    return this.connection;
  }

  /** Runs SQL over the lake tables; `?` placeholders take `values` in order. */
  async sql(sql: string, values: readonly (string | number)[] = []): Promise<Record<string, unknown>[]> {
    const connection = await this.connect();
    // Views are rebuilt per query: new partitions appear as the consumer writes.
    for (const [table, columns] of Object.entries(LAKE_TABLE_COLUMNS)) {
      await connection.run(
        viewSql(this.lakeDir, this.suffix, DATA_LAKE.tables[table as keyof typeof DATA_LAKE.tables], columns),
      );
    }
    for (const [table, columns] of [
      [LAKE_ERASURES, ERASURE_COLUMNS],
      [LAKE_COSTS, COST_COLUMNS],
      [LAKE_FX_RATES, FX_RATE_COLUMNS],
    ] as const) {
      await connection.run(viewSql(this.lakeDir, this.suffix, table.table, columns, table.partitionKeys));
    }
    const reader = await connection.runAndReadAll(sql, [...values]);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }

  /** Runs one of the standard report queries (the Athena workgroup's named queries). */
  async report(
    query: ReportQueryDefinition,
    parameters: Readonly<Record<QueryParameter, string>>,
  ): Promise<Record<string, unknown>[]> {
    return this.sql(query.sql, reportParameterValues(query, parameters));
  }

  async close(): Promise<void> {
    const connection = await this.connection;
    connection?.closeSync();
    this.connection = undefined;
  }
}
