import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeObjectKey } from '../../src/adapters/s3/lake-writer.js';
import { tombstoneObjectKey } from '../../src/adapters/s3/tombstones.js';
import { eventAttributionRow, installAttributionRow, type LakeRow, rawRow } from '../../src/app/lake-rows.js';
import { identifierHashSql, REPORT_QUERIES, REPORT_QUERY_LIST } from '../../src/definitions/queries.js';
import { identifierHash, type Tombstone, tombstoneRows } from '../../src/domain/erasure.js';
import type { PipelineRecord } from '../../src/domain/records.js';
import { LocalLakeQueries } from '../../src/local/lake-sql.js';
import {
  ADID,
  ADID_2,
  APP,
  appEvent,
  click,
  HOUR_MS,
  harness,
  IDFV,
  install,
  T0,
  TENANT,
} from '../domain/factories.js';

/**
 * The erasure tombstones as the lake queries see them: DuckDB over the Hive layout, the same SQL Athena
 * runs. Identity X (meta click, install, purchase) is erased; identity Y (organic) is not.
 */

const day = new Date(T0).toISOString().slice(0, 10);
const params = { tenantId: TENANT, appId: APP, fromDay: day, toDay: day };
const ERASED_AT_MS = T0 + 2 * HOUR_MS;
const CUID_X = 'user-x';
let lakeDir: string;
let lake: LocalLakeQueries;
let deviceX = '';
let deviceY = '';

const received = (item: ReturnType<typeof appEvent>, receivedAtMs: number): PipelineRecord => ({
  kind: 'event',
  receivedAtMs,
  event: item,
});

function put(key: string, line: unknown): void {
  const path = join(lakeDir, key);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(line)}\n`, { flag: 'a' });
}

function putRows(rows: readonly LakeRow[]): void {
  for (const row of rows) put(lakeObjectKey(row, 'shard-0-1'), row.row);
}

function putTombstone(tombstone: Tombstone): void {
  for (const row of tombstoneRows(tombstone)) put(tombstoneObjectKey(tombstone), row);
}

beforeAll(async () => {
  lakeDir = mkdtempSync(join(tmpdir(), 'lake-erasure-'));
  lake = new LocalLakeQueries(lakeDir);
  // Prepare: X spells its advertising id in capitals on the wire (the graph lower-cases it) and sends one
  // event with only its customer user id; Y installs organically and buys.
  const h = harness();
  const clickX = click({
    network: 'meta',
    campaign: 'spring',
    advertisingId: ADID,
    timestampMs: T0 - HOUR_MS,
  });
  const before: PipelineRecord[] = [
    { kind: 'touchpoint', receivedAtMs: clickX.timestampMs, touchpoint: clickX },
    received(
      install({ eventId: 'x-install', advertisingId: ADID.toUpperCase(), customerUserId: CUID_X }),
      T0,
    ),
    received(
      appEvent({ eventId: 'x-buy', revenue: { amount: 4.99, currency: 'USD' }, timestampMs: T0 + HOUR_MS }),
      T0 + HOUR_MS,
    ),
    received(
      appEvent({
        eventId: 'x-cuid-only',
        type: 'session',
        advertisingId: undefined,
        customerUserId: CUID_X,
        timestampMs: T0 + HOUR_MS,
      }),
      T0 + HOUR_MS,
    ),
    received(install({ eventId: 'y-install', advertisingId: ADID_2, vendorId: IDFV, ip: '203.0.113.9' }), T0),
    received(
      appEvent({
        eventId: 'y-buy',
        advertisingId: ADID_2,
        revenue: { amount: 9.99, currency: 'USD' },
        timestampMs: T0 + HOUR_MS,
      }),
      T0 + HOUR_MS,
    ),
  ];
  const result = await h.engine.processBatch(before);
  const rows = before.map(rawRow);
  for (const outcome of result.outcomes) {
    if (outcome.attribution) rows.push(installAttributionRow(outcome.attribution, T0 + 1000));
    if (outcome.eventAttribution) rows.push(eventAttributionRow(outcome.eventAttribution, T0 + HOUR_MS));
  }
  deviceX = result.outcomes.find((o) => o.attribution?.eventId === 'x-install')?.attribution?.deviceId ?? '';
  deviceY = result.outcomes.find((o) => o.attribution?.eventId === 'y-install')?.attribution?.deviceId ?? '';
  // X comes back after its erasure: a purchase received and decided later is new data.
  const later = received(
    appEvent({
      eventId: 'x-later',
      revenue: { amount: 1.99, currency: 'USD' },
      timestampMs: T0 + 3 * HOUR_MS,
    }),
    T0 + 3 * HOUR_MS,
  );
  const laterResult = await h.engine.processBatch([later]);
  rows.push(rawRow(later));
  const laterAttribution = laterResult.outcomes[0]?.eventAttribution;
  if (laterAttribution) rows.push(eventAttributionRow(laterAttribution, T0 + 3 * HOUR_MS));
  putRows(rows);

  const erasedAt = new Date(ERASED_AT_MS).toISOString();
  putTombstone({
    requestId: 'req-x',
    tenantId: TENANT,
    appId: APP,
    erasedAt,
    deviceIds: [deviceX],
    identifiers: [
      { kind: 'adid', value: ADID },
      { kind: 'cuid', value: CUID_X },
    ],
  });
  // Another tenant erasing Y's device id and identifiers must not touch this tenant's rows.
  putTombstone({
    requestId: 'req-other',
    tenantId: 'other-tenant',
    appId: APP,
    erasedAt,
    deviceIds: [deviceY],
    identifiers: [{ kind: 'adid', value: ADID_2 }],
  });
});

afterAll(async () => {
  await lake.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

describe('erasure tombstones in the lake', () => {
  it('hash identifiers in SQL exactly as the tombstone writer does, advertising ids case-blind', async () => {
    const [row] = await lake.sql(
      `SELECT ${identifierHashSql('adid', '?')} AS adid, ${identifierHashSql('cuid', '?')} AS cuid,
              ${identifierHashSql('idfv', 'CAST(NULL AS VARCHAR)')} AS none`,
      [ADID.toUpperCase(), 'User-X'],
    );
    expect(row).toEqual({
      adid: identifierHash('adid', ADID),
      cuid: identifierHash('cuid', 'User-X'),
      none: null,
    });
    expect(identifierHash('cuid', 'User-X')).not.toBe(identifierHash('cuid', 'user-x'));
  });

  it('keep no identifier value, only device ids and hashes', () => {
    const rows = tombstoneRows({
      requestId: 'r',
      tenantId: TENANT,
      appId: APP,
      erasedAt: 'now',
      deviceIds: [deviceX, deviceX],
      identifiers: [
        { kind: 'adid', value: ADID },
        { kind: 'adid', value: ADID.toUpperCase() },
        { kind: 'cuid', value: CUID_X },
      ],
    });
    expect(rows.map((r) => r.key_kind)).toEqual(['device', 'adid', 'cuid']);
    const text = JSON.stringify(rows);
    expect(text).not.toContain(ADID);
    expect(text.toLowerCase()).not.toContain(ADID.toLowerCase());
    expect(text).not.toContain(CUID_X);
  });

  it("leave the erased device's installs out of the installs report", async () => {
    const rows = await lake.report(REPORT_QUERIES.installsByNetworkCampaignDaily, params);
    expect(rows).toEqual([
      { day, network: 'organic', campaign: '(none)', installs: '1', reinstalls: '0', rejected: '0' },
    ]);
  });

  it('leave revenue decided before the erasure out, and keep revenue of events after it', async () => {
    const rows = await lake.report(REPORT_QUERIES.inAppRevenueBySource, params);
    expect(rows).toEqual([
      { network: 'organic', campaign: '(none)', currency: 'USD', events: '1', revenue: 9.99 },
      { network: 'meta', campaign: 'spring', currency: 'USD', events: '1', revenue: 1.99 },
    ]);
  });

  it('leave the erased device out of retention cohorts', async () => {
    const rows = await lake.report(REPORT_QUERIES.retentionCohorts, params);
    expect(rows.map((r) => [r.network, r.cohort_size])).toEqual([['organic', '1']]);
  });

  it("leave raw rows carrying any of the identity's identifiers out, received before the erasure", async () => {
    const rows = await lake.report(REPORT_QUERIES.rawRecords, params);
    expect(rows.map((r) => r.event_id).sort()).toEqual(['x-later', 'y-buy', 'y-install']);
  });

  it("keep another tenant's tombstones out of this tenant's queries", async () => {
    const raw = await lake.report(REPORT_QUERIES.rawRecords, params);
    expect(raw.filter((r) => r.advertising_id === ADID_2)).toHaveLength(2);
    const erasedElsewhere = await lake.sql('SELECT COUNT(*) AS n FROM erasures WHERE device_id = ?', [
      deviceY,
    ]);
    expect(erasedElsewhere).toEqual([{ n: '1' }]);
  });

  it('run every named query with tombstones present', async () => {
    for (const query of REPORT_QUERY_LIST) {
      await expect(lake.report(query, params), query.name).resolves.toBeInstanceOf(Array);
    }
  });
});
