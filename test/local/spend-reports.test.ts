import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeObjectKey } from '../../src/adapters/s3/lake-writer.js';
import { costLakeRow, costObjectKey, fxRateObjectKey } from '../../src/adapters/s3/spend-lake.js';
import {
  deviceFactsOf,
  eventAttributionRow,
  installAttributionRow,
  rawRow,
} from '../../src/app/lake-rows.js';
import { cohortReport, performanceReport, type ReportLake } from '../../src/app/performance.js';
import { normaliseCostRow } from '../../src/domain/spend.js';
import { LocalLakeQueries } from '../../src/local/lake-sql.js';
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

/**
 * SPEC §8 reports: the SQL of `SPEND_QUERIES` on DuckDB over the Glue column schemas (the views of
 * `LocalLakeQueries`), with rows written by the real engine and lake-row mappers.
 */

const ADID_3 = '11111111-2222-4333-8444-555555555555';
const BOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const DAY_MS = 24 * HOUR_MS;
const day = (offset = 0) => new Date(T0 + offset * DAY_MS).toISOString().slice(0, 10);

let lakeDir: string;
let local: LocalLakeQueries;
let lake: ReportLake;
let organicDeviceId = '';

const write = (key: string, row: unknown) => {
  const path = join(lakeDir, key);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(row)}\n`, { flag: 'a' });
};

beforeAll(async () => {
  lakeDir = mkdtempSync(join(tmpdir(), 'spend-reports-'));
  local = new LocalLakeQueries(lakeDir);
  lake = { run: (query, parameters) => local.report(query, parameters) };
  const records = [
    click({ network: 'meta', campaign: 'spring', advertisingId: ADID, timestampMs: T0 - HOUR_MS }),
    click({
      network: 'tiktok',
      campaign: 'winter',
      advertisingId: ADID_3,
      userAgent: BOT,
      timestampMs: T0 - HOUR_MS,
    }),
    install({ eventId: 'i1', country: 'DE', timestampMs: T0 }),
    install({ eventId: 'i2', advertisingId: ADID_2, country: 'FR', timestampMs: T0 + 1000 }),
    install({ eventId: 'i3', advertisingId: ADID_3, timestampMs: T0 + 2000 }),
    appEvent({ eventId: 'p1', revenue: { amount: 10, currency: 'EUR' }, timestampMs: T0 + HOUR_MS }),
    appEvent({ eventId: 'o1', type: 'open', timestampMs: T0 + 25 * HOUR_MS }),
    appEvent({ eventId: 'p2', revenue: { amount: 5, currency: 'EUR' }, timestampMs: T0 + 49 * HOUR_MS }),
    appEvent({
      eventId: 'p3',
      advertisingId: ADID_2,
      revenue: { amount: 2, currency: 'USD' },
      timestampMs: T0 + 2 * HOUR_MS,
    }),
    appEvent({ eventId: 's2', advertisingId: ADID_2, type: 'session', timestampMs: T0 + 25 * HOUR_MS }),
    appEvent({
      eventId: 'p4',
      advertisingId: ADID_3,
      revenue: { amount: 100, currency: 'USD' },
      timestampMs: T0 + HOUR_MS,
    }),
  ].map(toRecord);
  const result = await harness().engine.processBatch(records);
  const rows = records.map(rawRow);
  for (const outcome of result.outcomes) {
    const facts = deviceFactsOf(records[outcome.index] ?? (records[0] as (typeof records)[0]));
    if (outcome.attribution) rows.push(installAttributionRow(outcome.attribution, T0, facts));
    if (outcome.eventAttribution) rows.push(eventAttributionRow(outcome.eventAttribution, T0, facts));
    if (outcome.attribution?.eventId === 'i2') organicDeviceId = outcome.attribution.deviceId;
  }
  for (const row of rows) write(lakeObjectKey(row, 'shard-0-1'), row.row);
  const costs = [
    { date: day(), network: 'meta', campaign: 'spring', country: 'DE', spend: 20, currency: 'EUR' },
    { date: day(), network: 'tiktok', campaign: 'winter', spend: 30, currency: 'USD' },
  ].map(normaliseCostRow);
  for (const c of costs) write(costObjectKey(TENANT, APP, c), costLakeRow(c, T0));
  // EUR has a rate on the install day only: the later purchase's day has none.
  const rate = { date: day(), from: 'EUR', to: 'USD', rate: 1.1 };
  write(fxRateObjectKey(TENANT, rate), {
    day: rate.date,
    from_currency: 'EUR',
    to_currency: 'USD',
    rate: 1.1,
  });
});

afterAll(async () => {
  await local.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

const scope = (overrides: Record<string, unknown> = {}) => ({
  tenantId: TENANT,
  appId: APP,
  fromDay: day(),
  toDay: day(),
  groupBy: ['network'] as const,
  currency: 'USD',
  ...overrides,
});

describe('performance report on DuckDB', () => {
  it('gives installs, spend, eCPI, revenue, ROAS and ARPU per network in the report currency', async () => {
    const rows = await performanceReport(lake, { ...scope(), groupBy: ['network'] });
    expect(rows).toEqual([
      {
        dimensions: { network: 'meta' },
        installs: 1,
        spend: 22,
        revenue: 11,
        ecpi: 22,
        roas: 0.5,
        arpu: 11,
        fxMissing: [],
      },
      {
        dimensions: { network: 'organic' },
        installs: 1,
        spend: 0,
        revenue: 2,
        ecpi: 0,
        roas: null,
        arpu: 2,
        fxMissing: [],
      },
      // The rejected install counts for nothing, nor does its device's revenue; its network's spend stays.
      {
        dimensions: { network: 'tiktok' },
        installs: 0,
        spend: 30,
        revenue: 0,
        ecpi: null,
        roas: 0,
        arpu: null,
        fxMissing: [],
      },
    ]);
  });

  it('groups by country, installs without one and spend not broken down under ZZ', async () => {
    const rows = await performanceReport(lake, { ...scope(), groupBy: ['country'] });
    expect(rows.map((r) => [r.dimensions.country, r.installs, r.spend])).toEqual([
      ['DE', 1, 22],
      ['FR', 1, 0],
      ['ZZ', 0, 30],
    ]);
  });

  it('shows a missing rate as missing, with no converted number', async () => {
    const rows = await performanceReport(lake, { ...scope({ toDay: day(2) }), groupBy: ['network'] });
    const meta = rows.find((r) => r.dimensions.network === 'meta');
    expect(meta).toMatchObject({ revenue: null, roas: null, fxMissing: [{ currency: 'EUR', date: day(2) }] });
  });
});

describe('cohort report on DuckDB', () => {
  it('gives retention by day since install, day 0 being the first 24 hours', async () => {
    const rows = await cohortReport(lake, {
      ...scope(),
      groupBy: ['network'],
      days: [0, 1, 2],
      metric: 'retention',
    });
    expect(rows.map((r) => [r.dimensions.network, r.installs, r.values])).toEqual([
      ['meta', 1, { 0: 1, 1: 1, 2: 1 }],
      ['organic', 1, { 0: 1, 1: 1, 2: 0 }],
    ]);
  });

  it('gives cumulative revenue and ROAS, missing once a day lacks its rate', async () => {
    const revenue = await cohortReport(lake, {
      ...scope(),
      groupBy: ['network'],
      days: [0, 2],
      metric: 'revenue',
    });
    expect(revenue.map((r) => [r.dimensions.network, r.values, r.fxMissing])).toEqual([
      ['meta', { 0: 11, 2: null }, [{ currency: 'EUR', date: day(2) }]],
      ['organic', { 0: 2, 2: 2 }, []],
    ]);
    const roas = await cohortReport(lake, { ...scope(), groupBy: ['network'], days: [0], metric: 'roas' });
    expect(roas.find((r) => r.dimensions.network === 'meta')?.values).toEqual({ 0: 0.5 });
  });

  it('gives every row its cohort spend, whatever the metric', async () => {
    for (const metric of ['retention', 'revenue', 'roas'] as const) {
      const rows = await cohortReport(lake, { ...scope(), groupBy: ['network'], days: [0], metric });

      expect(rows.find((r) => r.dimensions.network === 'meta')?.spend, metric).toBe(22);
    }
  });

  it('answers null for a day since install not over yet for every install of the cohort', async () => {
    const cohortStartMs = Date.parse(`${day()}T00:00:00Z`);
    const asOf = (ms: number) =>
      cohortReport(lake, { ...scope(), groupBy: ['network'], days: [0, 1], metric: 'retention', asOfMs: ms });

    const duringDay1 = await asOf(cohortStartMs + 2 * DAY_MS);
    const beforeDay0Ends = await asOf(cohortStartMs + 2 * DAY_MS - 1);

    expect(duringDay1.find((r) => r.dimensions.network === 'meta')?.values).toEqual({ 0: 1, 1: null });
    expect(beforeDay0Ends.find((r) => r.dimensions.network === 'meta')?.values).toEqual({ 0: null, 1: null });
  });

  it('leaves an erased identity out of installs, revenue and retention', async () => {
    write(`erasures/tenant_id=${TENANT}/app_id=${APP}/r1.json`, {
      request_id: 'r1',
      erased_at: new Date(T0 + 10 * DAY_MS).toISOString(),
      key_kind: 'device',
      device_id: organicDeviceId,
      identifier_hash: null,
    });
    const performance = await performanceReport(lake, { ...scope(), groupBy: ['network'] });
    expect(performance.map((r) => r.dimensions.network)).toEqual(['meta', 'tiktok']);
    const cohorts = await cohortReport(lake, {
      ...scope(),
      groupBy: ['network'],
      days: [1],
      metric: 'retention',
    });
    expect(cohorts.map((r) => r.dimensions.network)).toEqual(['meta']);
  });
});
