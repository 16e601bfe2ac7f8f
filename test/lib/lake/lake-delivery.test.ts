import { describe, expect, it } from 'vitest';
import { partitionQuery } from '../../../lib/lake/lake-delivery.js';
import { attributionDeliveryRecord } from '../../../src/adapters/firehose/attribution-delivery.js';
import { encodeRecord } from '../../../src/adapters/kinesis/publisher.js';
import { eventAttributionRow, installAttributionRow } from '../../../src/app/lake-rows.js';
import {
  ATTRIBUTION_COLUMNS,
  RAW_RECORD_COLUMNS,
  RECORD_TYPE_TABLES,
  REPORT_QUERY_LIST,
} from '../../../src/definitions/index.js';
import type { Attribution, EventAttribution } from '../../../src/domain/attribution.js';
import { clickRecord, eventRecord, HOUR, T0 } from '../../support/factories.js';

/** Top-level fields a jq filter reads (`.field`). */
const fieldsRead = (jq: string): string[] => [
  ...new Set([...jq.matchAll(/\.([a-z_]+)/g)].map((m) => m[1] ?? '')),
];

describe('lake partitioning', () => {
  it('routes records by record_type and partitions by tenant, app and arrival date (received_at)', () => {
    expect(partitionQuery({ recordTypeTables: RECORD_TYPE_TABLES })).toBe(
      '{table: (if .record_type == "event" then "events" elif .record_type == "touchpoint" then "touchpoints" else "unrouted" end), ' +
        'tenant_id: .tenant_id, app_id: .app_id, dt: .received_at[0:10]}',
    );
  });

  it('partitions attributions by the day they were decided, without a table key', () => {
    expect(partitionQuery({ table: 'attributions' })).toBe(
      '{tenant_id: .tenant_id, app_id: .app_id, dt: .decided_at[0:10]}',
    );
  });

  it('refuses to route tables with different arrival fields through one delivery stream', () => {
    expect(() =>
      partitionQuery({ recordTypeTables: { event: 'events', attribution: 'attributions' } }),
    ).toThrow('tables of one delivery stream must share an arrival field. Received events, attributions');
  });
});

describe('what the delivery streams read is what the producers send', () => {
  const install = installAttributionRow(
    {
      tenantId: 'acme',
      appId: 'com.acme.game',
      deviceId: 'd',
      eventId: 'e',
      status: 'organic',
      kind: 'install',
      match: 'none',
      installTimeMs: T0,
      fraud: [],
      credits: {} as Attribution['credits'],
      explanation: [],
    },
    T0 + HOUR,
  );
  const credit = eventAttributionRow(
    {
      tenantId: 'acme',
      appId: 'com.acme.game',
      deviceId: 'd',
      eventId: 'p',
      type: 'purchase',
      timestampMs: T0,
      creditedAs: 'organic',
    } satisfies EventAttribution,
    T0 + HOUR,
  );

  it("gives the attribution delivery every field its jq reads and every column of the table's Glue schema", () => {
    const jqFields = fieldsRead(partitionQuery({ table: 'attributions' }));
    expect(jqFields).toEqual(['tenant_id', 'app_id', 'decided_at']);
    for (const row of [install, credit]) {
      const record = JSON.parse(attributionDeliveryRecord(row));
      for (const field of jqFields) expect(typeof record[field], field).toBe('string');
      for (const column of ATTRIBUTION_COLUMNS) expect(record, column.name).toHaveProperty(column.name);
    }
  });

  it('gives the raw delivery every field its jq reads and every raw column, for events and touchpoints', () => {
    const jqFields = fieldsRead(partitionQuery({ recordTypeTables: RECORD_TYPE_TABLES }));
    expect(jqFields).toEqual(['record_type', 'tenant_id', 'app_id', 'received_at']);
    for (const pipelineRecord of [eventRecord(), clickRecord()]) {
      const record = JSON.parse(encodeRecord(pipelineRecord));
      for (const field of jqFields) expect(typeof record[field], field).toBe('string');
      expect(Object.keys(RECORD_TYPE_TABLES)).toContain(record.record_type);
      for (const column of RAW_RECORD_COLUMNS) expect(record, column.name).toHaveProperty(column.name);
    }
  });
});

describe('report queries', () => {
  it('binds one parameter to every placeholder and always scopes by tenant and app', () => {
    for (const query of REPORT_QUERY_LIST) {
      expect(query.sql.split('?').length - 1, query.name).toBe(query.parameters.length);
      expect(query.sql, query.name).toContain('tenant_id = ? AND app_id = ?');
    }
  });
});
