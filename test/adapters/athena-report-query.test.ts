import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryRunner } from '../../src/adapters/athena/report-query.js';
import { LakeQueryError } from '../../src/app/errors.js';
import { REPORT_QUERIES, reportParameterValues } from '../../src/definitions/queries.js';

/** The Athena report runner: polling to the end state, then rows keyed by column, header row dropped. */

const athena = mockClient(AthenaClient);
const runner = new AthenaQueryRunner({
  client: new AthenaClient({ region: 'eu-west-1' }),
  workgroup: 'shared',
  database: 'lake',
  pollIntervalMs: 1,
  // Far longer than any test: a test that polls until it gives up would show in its call count.
  timeoutMs: 60_000,
});
const PARAMETERS = { tenantId: 'acme', appId: 'com.acme.game', fromDay: '2026-11-01', toDay: '2026-11-30' };
const query = REPORT_QUERIES.installsByNetworkCampaignDaily;

const columns = (...names: string[]) => ({ ColumnInfo: names.map((Name) => ({ Name, Type: 'varchar' })) });
const row = (...values: (string | undefined)[]) => ({
  Data: values.map((VarCharValue) => ({ VarCharValue })),
});

beforeEach(() => {
  athena.reset();
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
});

describe('AthenaQueryRunner', () => {
  it('drops the header row of the first page only and keys every row by column, across pages', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        ResultSet: {
          ResultSetMetadata: columns('network', 'installs'),
          Rows: [row('network', 'installs'), row('meta', '12')],
        },
        NextToken: 'page-2',
      })
      .resolvesOnce({
        ResultSet: {
          ResultSetMetadata: columns('network', 'installs'),
          Rows: [row('tiktok', '3'), row(undefined, '1')],
        },
      });
    const rows = await runner.run(query, PARAMETERS);
    expect(rows).toEqual([
      { network: 'meta', installs: '12' },
      { network: 'tiktok', installs: '3' },
      { network: null, installs: '1' },
    ]);
    const pages = athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken);
    expect(pages).toEqual([undefined, 'page-2']);
  });

  it('answers no rows for a result that is only the header row', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: { ResultSetMetadata: columns('network'), Rows: [row('network')] },
    });
    expect(await runner.run(query, PARAMETERS)).toEqual([]);
  });

  it('polls a running query until it succeeds, then reads the results once', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: columns('n'), Rows: [row('n'), row('1')] } });
    expect(await runner.run(query, PARAMETERS)).toEqual([{ n: '1' }]);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(3);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(1);
  });

  it.each(['FAILED', 'CANCELLED'] as const)(
    'throws on a %s query at once, with its reason and id, reading no results',
    async (state) => {
      athena.on(GetQueryExecutionCommand).resolves({
        QueryExecution: { Status: { State: state, StateChangeReason: 'SYNTAX_ERROR: line 1' } },
      });
      const error = await runner.run(query, PARAMETERS).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LakeQueryError);
      expect((error as LakeQueryError).message).toBe(
        `Athena query ${query.name} ${state}: SYNTAX_ERROR: line 1`,
      );
      expect((error as LakeQueryError).queryExecutionId).toBe('q-1');
      expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(1);
      expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
    },
  );

  it('binds every parameter as a quoted SQL literal, quotes doubled', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [] } });
    await runner.run(query, { ...PARAMETERS, appId: "com.o'hara.app" });
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(input?.ExecutionParameters).toEqual(
      reportParameterValues(query, PARAMETERS).map((value, i) =>
        query.parameters[i] === 'appId' ? "'com.o''hara.app'" : `'${value}'`,
      ),
    );
    expect(input?.QueryExecutionContext).toEqual({ Database: 'lake' });
  });
});
