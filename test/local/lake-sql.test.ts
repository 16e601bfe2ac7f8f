import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeObjectKey } from '../../src/adapters/s3/lake-writer.js';
import { eventAttributionRow, installAttributionRow, rawRow } from '../../src/app/lake-rows.js';
import { NAMED_QUERY_LIST, REPORT_QUERIES } from '../../src/definitions/queries.js';
import type { PipelineRecord } from '../../src/domain/records.js';
import { duckDbType, LocalLakeQueries } from '../../src/local/lake-sql.js';
import {
  ADID,
  ADID_2,
  APP,
  appEvent,
  click,
  HOUR_MS,
  harness,
  install,
  T0,
  TENANT,
  toRecord,
} from '../domain/factories.js';

const day = new Date(T0).toISOString().slice(0, 10);
const params = { tenantId: TENANT, appId: APP, fromDay: day, toDay: day };
let lakeDir: string;
let lake: LocalLakeQueries;

beforeAll(async () => {
  lakeDir = mkdtempSync(join(tmpdir(), 'lake-sql-'));
  lake = new LocalLakeQueries(lakeDir);
  // Prepare: two installs decided by the real engine, one of them paid with a purchase; another tenant's
  // install that no query of this tenant may see.
  const h = harness();
  const records: PipelineRecord[] = [
    click({ id: 'c1', network: 'meta', campaign: 'spring', advertisingId: ADID, timestampMs: T0 - HOUR_MS }),
    install({ eventId: 'i1', timestampMs: T0 }),
    install({ eventId: 'i2', advertisingId: ADID_2, ip: '203.0.113.9', timestampMs: T0 + 1000 }),
    appEvent({
      eventId: 'p1',
      type: 'purchase',
      timestampMs: T0 + HOUR_MS,
      revenue: { amount: 4.99, currency: 'USD' },
    }),
  ].map(toRecord);
  const result = await h.engine.processBatch(records);
  const rows = records.map(rawRow);
  for (const outcome of result.outcomes) {
    if (outcome.attribution) rows.push(installAttributionRow(outcome.attribution, T0));
    if (outcome.eventAttribution) rows.push(eventAttributionRow(outcome.eventAttribution, T0));
  }
  const other = await harness().engine.processBatch([
    toRecord(install({ tenantId: 'other-tenant', eventId: 'x1', advertisingId: ADID, timestampMs: T0 })),
  ]);
  const otherAttribution = other.outcomes[0]?.attribution;
  if (otherAttribution) rows.push(installAttributionRow(otherAttribution, T0));
  for (const row of rows) {
    const path = join(lakeDir, lakeObjectKey(row, 'shard-0-1'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(row.row)}\n`, { flag: 'a' });
  }
});

afterAll(async () => {
  await lake.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

describe('local lake SQL (DuckDB over the Hive layout)', () => {
  it('maps Glue column types to DuckDB types', () => {
    expect(duckDbType('array<string>')).toBe('VARCHAR[]');
    expect(duckDbType('struct<amount:double,currency:string>')).toBe(
      'STRUCT("amount" DOUBLE, "currency" VARCHAR)',
    );
    expect(duckDbType('map<string,string>')).toBe('MAP(VARCHAR, VARCHAR)');
  });

  it('runs the installs-by-network-and-campaign named query and counts each install once', async () => {
    const rows = await lake.report(REPORT_QUERIES.installsByNetworkCampaignDaily, params);
    expect(rows).toEqual([
      { day, network: 'meta', campaign: 'spring', installs: '1', reinstalls: '0', rejected: '0' },
      { day, network: 'organic', campaign: '(none)', installs: '1', reinstalls: '0', rejected: '0' },
    ]);
  });

  it('credits in-app revenue to the install source', async () => {
    const rows = await lake.report(REPORT_QUERIES.inAppRevenueBySource, params);
    expect(rows).toEqual([
      { network: 'meta', campaign: 'spring', currency: 'USD', events: '1', revenue: 4.99 },
    ]);
  });

  it('runs every named query of the Athena workgroup without error', async () => {
    for (const query of NAMED_QUERY_LIST) {
      await expect(lake.report(query, params), query.name).resolves.toBeInstanceOf(Array);
    }
  });

  it('answers with empty results, not an error, for a table with no files yet', async () => {
    const empty = new LocalLakeQueries(join(lakeDir, 'nothing-here'));
    await expect(empty.report(REPORT_QUERIES.fraudRejectionsByReason, params)).resolves.toEqual([]);
    await empty.close();
  });

  it("never returns another tenant's rows", async () => {
    const rows = await lake.sql('SELECT DISTINCT tenant_id FROM attributions WHERE tenant_id = ?', [
      'other-tenant',
    ]);
    expect(rows).toHaveLength(1);
    const scoped = await lake.report(REPORT_QUERIES.installsByNetworkCampaignDaily, params);
    expect(scoped.reduce((n, r) => n + Number(r.installs), 0)).toBe(2);
  });
});

describe('reports by event day over partitions by arrival day', () => {
  const DAY_MS = 24 * HOUR_MS;
  let arrivalLake: LocalLakeQueries;
  let arrivalDir: string;

  beforeAll(async () => {
    arrivalDir = mkdtempSync(join(tmpdir(), 'lake-arrival-'));
    arrivalLake = new LocalLakeQueries(arrivalDir);
    // Prepare: an install of day T0 decided three days late (an offline device), and one whose device
    // clock runs ahead, decided 10 minutes before midnight of the day before its event day.
    const eventDayStart = Date.parse(`${day}T00:00:00Z`);
    const late = await harness().engine.processBatch([
      toRecord(install({ eventId: 'late', timestampMs: T0 })),
    ]);
    const ahead = await harness().engine.processBatch([
      toRecord(install({ eventId: 'ahead', advertisingId: ADID_2, timestampMs: eventDayStart + 5 * 60_000 })),
    ]);
    const rows = [
      installAttributionRow(late.outcomes[0]?.attribution ?? expect.fail('no decision'), T0 + 3 * DAY_MS),
      installAttributionRow(
        ahead.outcomes[0]?.attribution ?? expect.fail('no decision'),
        eventDayStart - 10 * 60_000,
      ),
    ];
    for (const row of rows) {
      const path = join(arrivalDir, lakeObjectKey(row, 'shard-0-1'));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify(row.row)}\n`, { flag: 'a' });
    }
  });

  afterAll(async () => {
    await arrivalLake.close();
    rmSync(arrivalDir, { recursive: true, force: true });
  });

  it('files each row under the day it arrived, not its event day', async () => {
    const rows = await arrivalLake.sql('SELECT dt FROM attributions ORDER BY dt', []);
    const plus = (days: number) =>
      new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
    expect(rows.map((r) => r.dt)).toEqual([plus(-1), plus(3)]);
  });

  it('counts a late install and a clock-ahead install on their event day', async () => {
    const rows = await arrivalLake.report(REPORT_QUERIES.installsByNetworkCampaignDaily, params);
    expect(rows).toEqual([
      { day, network: 'organic', campaign: '(none)', installs: '2', reinstalls: '0', rejected: '0' },
    ]);
  });
});
