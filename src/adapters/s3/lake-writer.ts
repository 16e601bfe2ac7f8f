import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { LakeRow } from '../../app/lake-rows.js';
import type { LakeSink, LakeWriteResult } from '../../app/ports/lake-sink.js';
import { DATA_LAKE } from '../../definitions/lake.js';
import { mapLimit } from '../concurrency.js';

/**
 * Writes lake rows to S3 as JSON lines, one object per batch per partition, at the Hive layout of
 * `DATA_LAKE`: `<table>/tenant_id=<t>/app_id=<a>/dt=<arrival YYYY-MM-DD>/<batchId>.json`. The batch id is
 * deterministic (shard and first sequence number), so a retried batch overwrites rather than duplicates.
 * Local mode and tests use it for every lake table; in the cloud only Firehose writes lake tables.
 */

export type { LakeSink } from '../../app/ports/lake-sink.js';

export interface S3LakeWriterOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix before the table name. @default '' */
  readonly prefix?: string;
}

/** Object key of one partition's part (exported for tests and local mode). */
export function lakeObjectKey(
  row: Pick<LakeRow, 'table' | 'tenantId' | 'appId' | 'day'>,
  batchId: string,
  prefix = '',
): string {
  const [tenantKey, appKey, dayKey] = DATA_LAKE.partitionKeys;
  return (
    `${prefix}${DATA_LAKE.tables[row.table]}/${tenantKey}=${encodeURIComponent(row.tenantId)}` +
    `/${appKey}=${encodeURIComponent(row.appId)}/${dayKey}=${row.day}/${batchId}.json`
  );
}

export class S3LakeWriter implements LakeSink {
  constructor(private readonly options: S3LakeWriterOptions) {}

  async write(batchId: string, rows: readonly LakeRow[]): Promise<LakeWriteResult> {
    const objects = new Map<string, string[]>();
    for (const row of rows) {
      const key = lakeObjectKey(row, batchId, this.options.prefix);
      const lines = objects.get(key) ?? [];
      lines.push(JSON.stringify(row.row));
      objects.set(key, lines);
    }
    // Every put runs to its end; if one failed, the objects written are deleted again before the error
    // is thrown, so a failed write leaves no part of the batch behind (docs/reliability.md).
    const written: string[] = [];
    let failure: unknown;
    await mapLimit([...objects], 16, async ([key, lines]) => {
      try {
        await this.options.client.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: key,
            Body: `${lines.join('\n')}\n`,
            ContentType: 'application/x-ndjson',
          }),
        );
        written.push(key);
      } catch (error) {
        failure ??= error;
      }
    });
    if (failure !== undefined) {
      await mapLimit(written, 16, async (key) => {
        await this.options.client
          .send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }))
          .catch(() => undefined);
      });
      throw failure;
    }
    return { objects: objects.size, records: rows.length };
  }

  /** Keeps a record the consumer could not decode, for inspection (the consumer's dead letters). */
  async quarantine(key: string, body: string): Promise<void> {
    await this.options.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
      }),
    );
  }
}

/** Creates a bucket if missing (local mode, tests). */
export async function createBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}
