import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/adapters/clients.js';
import { LakeCompaction, type LakeCompactionResult } from '../../src/adapters/s3/lake-compaction.js';
import { installAttributionRow, type LakeRow, rawRow } from '../../src/adapters/s3/lake-rows.js';
import { S3LakeWriter } from '../../src/adapters/s3/lake-writer.js';
import { S3TombstoneWriter } from '../../src/adapters/s3/tombstones.js';
import type { PipelineRecord } from '../../src/domain/records.js';
import { ADID, ADID_2, APP, HOUR_MS, harness, install, T0, TENANT, toRecord } from '../domain/factories.js';
import { createLocalResources, localClients } from '../support/local.js';

/** Compaction of a JSON-lines lake (s3rver) against the erasure tombstones. */

describe('lake compaction of erased rows', () => {
  let clients: AwsClients;
  let bucket: string;
  let result: LakeCompactionResult;
  let deviceX = '';

  const objects = async (prefix: string) => {
    const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((o) => o.Key ?? '');
  };
  const lines = async (key: string) => {
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return ((await object.Body?.transformToString()) ?? '')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };

  beforeAll(async () => {
    // Prepare: X's and Y's installs share a batch object; X alone has a later batch after the erasure.
    clients = localClients();
    bucket = (await createLocalResources(clients)).bucket;
    const h = harness();
    const records: PipelineRecord[] = [
      install({ eventId: 'x-install', advertisingId: ADID }),
      install({ eventId: 'y-install', advertisingId: ADID_2, ip: '203.0.113.9' }),
    ].map(toRecord);
    const outcomes = (await h.engine.processBatch(records)).outcomes;
    const rows: LakeRow[] = records.map(rawRow);
    for (const o of outcomes) if (o.attribution) rows.push(installAttributionRow(o.attribution, T0));
    deviceX = outcomes.find((o) => o.attribution?.eventId === 'x-install')?.attribution?.deviceId ?? '';
    const lake = new S3LakeWriter({ client: clients.s3, bucket });
    await lake.write('batch-1', rows);
    const xOnly = toRecord(install({ eventId: 'x-alone', advertisingId: ADID.toUpperCase() }));
    await lake.write('batch-2', [rawRow(xOnly)]);
    const later = toRecord(
      install({ eventId: 'x-later', advertisingId: ADID, timestampMs: T0 + 3 * HOUR_MS }),
    );
    await lake.write('batch-3', [rawRow(later)]);
    await new S3TombstoneWriter({ client: clients.s3, bucket }).write({
      requestId: 'req-1',
      tenantId: TENANT,
      appId: APP,
      erasedAt: new Date(T0 + 2 * HOUR_MS).toISOString(),
      deviceIds: [deviceX],
      identifiers: [{ kind: 'adid', value: ADID }],
    });

    // Act
    result = await new LakeCompaction({ client: clients.s3, bucket }).compactApp(TENANT, APP);
  });

  it('rewrites objects holding erased rows with the rest, and deletes objects left empty', () => {
    expect(result).toEqual({ objectsRead: 4, objectsRewritten: 2, objectsDeleted: 1, rowsRemoved: 3 });
  });

  it("keeps the other identity's rows and rows received after the erasure", async () => {
    const events = await objects(`events/tenant_id=${TENANT}/`);
    expect(events).toHaveLength(2);
    const kept = (await Promise.all(events.map(lines))).flat().map((r) => r.event_id);
    expect(kept.sort()).toEqual(['x-later', 'y-install']);
    const attributions = (await Promise.all((await objects('attributions/')).map(lines))).flat();
    expect(attributions.map((r) => r.device_id)).not.toContain(deviceX);
    expect(attributions).toHaveLength(1);
  });

  it('keeps the tombstone, and finds nothing more to do on a second run', async () => {
    expect(await objects('erasures/')).toHaveLength(1);
    const again = await new LakeCompaction({ client: clients.s3, bucket }).compactApp(TENANT, APP);
    expect(again).toMatchObject({ objectsRewritten: 0, objectsDeleted: 0, rowsRemoved: 0 });
  });

  it('reads nothing for an app without tombstones', async () => {
    const none = await new LakeCompaction({ client: clients.s3, bucket }).compactApp(TENANT, 'com.other');
    expect(none).toEqual({ objectsRead: 0, objectsRewritten: 0, objectsDeleted: 0, rowsRemoved: 0 });
  });
});
