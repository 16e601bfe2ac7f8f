import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { TombstoneSink } from '../../app/ports/tombstone-sink.js';
import { LAKE_ERASURES } from '../../definitions/lake.js';
import { type Tombstone, tombstoneRows } from '../../domain/erasure.js';

/**
 * Writes erasure tombstones to the lake bucket as JSON lines, one object per erasure request at
 * `erasures/tenant_id=<t>/app_id=<a>/<requestId>.json` (the Glue `erasures` table reads them with the
 * JSON SerDe in the cloud; DuckDB reads them locally). The key is the request id, so a retried erasure
 * overwrites its own tombstone rather than adding one.
 */

export interface S3TombstoneWriterOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix before `erasures/`. @default '' */
  readonly prefix?: string;
}

/** Object key of one erasure request's tombstone (exported for tests). */
export function tombstoneObjectKey(
  tombstone: Pick<Tombstone, 'tenantId' | 'appId' | 'requestId'>,
  prefix = '',
): string {
  const [tenantKey, appKey] = LAKE_ERASURES.partitionKeys;
  return (
    `${prefix}${LAKE_ERASURES.prefix}${tenantKey}=${encodeURIComponent(tombstone.tenantId)}` +
    `/${appKey}=${encodeURIComponent(tombstone.appId)}/${encodeURIComponent(tombstone.requestId)}.json`
  );
}

export class S3TombstoneWriter implements TombstoneSink {
  constructor(private readonly options: S3TombstoneWriterOptions) {}

  async write(tombstone: Tombstone): Promise<number> {
    const rows = tombstoneRows(tombstone);
    await this.options.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: tombstoneObjectKey(tombstone, this.options.prefix),
        Body: `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`,
        ContentType: 'application/x-ndjson',
      }),
    );
    return rows.length;
  }
}
