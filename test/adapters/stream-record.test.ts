import { describe, expect, it } from 'vitest';
import { decodeKinesisRecord } from '../../src/adapters/kinesis/decode.js';
import { encodeRecord } from '../../src/adapters/kinesis/publisher.js';
import { rawRow } from '../../src/app/lake-rows.js';
import { LAKE_RECORD_FIELDS, RAW_RECORD_COLUMNS, RECORD_TYPE_TABLES } from '../../src/definitions/lake.js';
import { kinesisRecord } from '../support/api.js';
import { clickRecord, eventRecord } from '../support/factories.js';

/**
 * In the cloud the ingest stream's Firehose is the only writer of the raw lake tables: it partitions by
 * the routing fields and converts the columns of `RAW_RECORD_COLUMNS` to Parquet, so every stream record
 * must carry them, with the same values local mode's S3 writer puts in its rows.
 */
describe('the stream record read by the raw lake delivery stream', () => {
  for (const [name, record] of [
    ['an event', eventRecord({ revenue: { amount: 4.99, currency: 'USD' }, properties: { level: 3 } })],
    ['a touchpoint', clickRecord({ campaign: 'winter', networkClickId: 'n-1' })],
  ] as const) {
    it(`carries every raw column and the routing fields for ${name}`, () => {
      // Act
      const json = JSON.parse(encodeRecord(record));

      // Assess
      for (const column of RAW_RECORD_COLUMNS) expect(json, column.name).toHaveProperty(column.name);
      const row = rawRow(record);
      for (const column of RAW_RECORD_COLUMNS)
        expect(json[column.name], column.name).toEqual(row.row[column.name]);
      expect(json[LAKE_RECORD_FIELDS.tenantId]).toBe(row.tenantId);
      expect(json[LAKE_RECORD_FIELDS.appId]).toBe(row.appId);
      expect(json[LAKE_RECORD_FIELDS.timestamp].slice(0, 10)).toBe(row.day);
      expect(RECORD_TYPE_TABLES[json[LAKE_RECORD_FIELDS.recordType] as keyof typeof RECORD_TYPE_TABLES]).toBe(
        row.table,
      );
    });

    it(`still decodes to the same pipeline record for the consumer (${name})`, () => {
      const decoded = decodeKinesisRecord(
        kinesisRecord(Buffer.from(encodeRecord(record)).toString('base64'), '1'),
      );

      expect(decoded).toEqual({ ok: true, value: record });
    });
  }
});
