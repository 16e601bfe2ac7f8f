import { describe, expect, it } from 'vitest';
import { partitionQuery } from '../../../lib/lake/lake-delivery.js';
import { RECORD_TYPE_TABLES, REPORT_QUERY_LIST } from '../../../src/definitions/index.js';

describe('lake partitioning', () => {
  it('routes records by record_type and partitions by tenant, app and event date', () => {
    expect(partitionQuery({ recordTypeTables: RECORD_TYPE_TABLES })).toBe(
      '{table: (if .record_type == "event" then "events" elif .record_type == "touchpoint" then "touchpoints" else "unrouted" end), ' +
        'tenant_id: .tenant_id, app_id: .app_id, dt: .timestamp[0:10]}',
    );
  });

  it('partitions a single-table delivery without a table key', () => {
    expect(partitionQuery({ table: 'attributions' })).toBe(
      '{tenant_id: .tenant_id, app_id: .app_id, dt: .timestamp[0:10]}',
    );
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
