import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { LakeQueryError } from '../../app/errors.js';
import type { LakeQueryRunner } from '../../app/ports/lake-queries.js';
import {
  type QueryParameter,
  type ReportQueryDefinition,
  reportParameterValues,
} from '../../definitions/queries.js';

/**
 * Runs one of the saved report queries on Athena: start it with its parameters bound, poll until it
 * ends, then page through the results. Rows come back as objects keyed by column name (strings).
 *
 * Tenant isolation has two layers: the SQL always binds `tenant_id` as a parameter (never spliced in),
 * and each query runs in the tenant's own workgroup, whose enforced settings keep its results under
 * its own prefix and cap what one query may scan (the cost of one tenant never lands on another).
 */

export interface AthenaQueryRunnerOptions {
  /**
   * The client, or the client of each tenant (the cloud: credentials of a lake reader session tagged
   * with the tenant, so S3 serves Athena only that tenant's partitions).
   */
  readonly client: AthenaClient | ((tenantId: string) => AthenaClient);
  /** Workgroup of tenants without their own. */
  readonly workgroup: string;
  /**
   * The tenant's own workgroup, if it has one.
   * @default every tenant uses `workgroup`
   */
  readonly tenantWorkgroups?: Readonly<Record<string, string>>;
  readonly database: string;
  /** Poll interval. @default 250 */
  readonly pollIntervalMs?: number;
  /** Give up after this long. @default 25000 (under API Gateway's 29 s) */
  readonly timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Athena execution parameters are SQL literals: strings are quoted with `'` doubled. */
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

export class AthenaQueryRunner implements LakeQueryRunner {
  constructor(private readonly options: AthenaQueryRunnerOptions) {}

  /** The workgroup a tenant's queries run in. */
  workgroupFor(tenantId: string): string {
    return this.options.tenantWorkgroups?.[tenantId] ?? this.options.workgroup;
  }

  async run(
    query: ReportQueryDefinition,
    parameters: Readonly<Record<QueryParameter, string>>,
  ): Promise<Record<string, string | null>[]> {
    const client =
      typeof this.options.client === 'function'
        ? this.options.client(parameters.tenantId)
        : this.options.client;
    const started = await client.send(
      new StartQueryExecutionCommand({
        QueryString: query.sql,
        WorkGroup: this.workgroupFor(parameters.tenantId),
        QueryExecutionContext: { Database: this.options.database },
        ExecutionParameters: reportParameterValues(query, parameters).map(literal),
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new LakeQueryError('Athena returned no query execution id', undefined);
    const deadline = Date.now() + (this.options.timeoutMs ?? 25_000);
    for (;;) {
      const { QueryExecution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = QueryExecution?.Status?.State;
      if (state === 'SUCCEEDED') break;
      if (state === 'FAILED' || state === 'CANCELLED') {
        throw new LakeQueryError(
          `Athena query ${query.name} ${state}: ${QueryExecution?.Status?.StateChangeReason ?? 'no reason given'}`,
          id,
        );
      }
      if (Date.now() > deadline) throw new LakeQueryError(`Athena query ${query.name} timed out`, id);
      await sleep(this.options.pollIntervalMs ?? 250);
    }
    const rows: Record<string, string | null>[] = [];
    let columns: string[] | undefined;
    let nextToken: string | undefined;
    let first = true;
    do {
      const page = await client.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: nextToken, MaxResults: 1000 }),
      );
      columns ??= (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '');
      const data = page.ResultSet?.Rows ?? [];
      // The first row of the first page repeats the column names.
      for (const row of first ? data.slice(1) : data) {
        const out: Record<string, string | null> = {};
        (row.Data ?? []).forEach((cell, i) => {
          out[columns?.[i] ?? String(i)] = cell.VarCharValue ?? null;
        });
        rows.push(out);
      }
      first = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }
}
