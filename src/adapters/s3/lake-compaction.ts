import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DATA_LAKE, LAKE_ERASURES } from '../../definitions/lake.js';
import { erasedRowMatcher, type LakeRowValues, type TombstoneRow } from '../../domain/erasure.js';
import { mapLimit } from '../concurrency.js';

/**
 * Rewrites the JSON-lines lake objects of one app without the rows its erasure tombstones hide (the same
 * rule the queries apply, `erasedRowMatcher`): an object that loses rows is written again with the
 * rest, or deleted when none is left. Only for lakes of JSON lines (local mode, tests, `S3LakeWriter`);
 * the cloud's Parquet objects are left to the tombstones. Tombstones stay: they also hide rows of
 * objects written after the compaction (late deliveries). On a versioned bucket the old versions remain
 * until the lifecycle expires them.
 */

export interface LakeCompactionOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix before the table names. @default '' */
  readonly prefix?: string;
}

export interface LakeCompactionResult {
  readonly objectsRead: number;
  readonly objectsRewritten: number;
  readonly objectsDeleted: number;
  readonly rowsRemoved: number;
}

type Table = keyof typeof DATA_LAKE.tables;

const orNull = (value: unknown) => (typeof value === 'string' ? value : null);

/** A tombstone line read back; a line without `erased_at` hides nothing. */
function tombstoneRow(line: LakeRowValues): TombstoneRow[] {
  if (typeof line.erased_at !== 'string') return [];
  return [
    {
      request_id: String(line.request_id),
      erased_at: line.erased_at,
      key_kind: String(line.key_kind) as TombstoneRow['key_kind'],
      device_id: orNull(line.device_id),
      identifier_hash: orNull(line.identifier_hash),
    },
  ];
}

export class LakeCompaction {
  constructor(private readonly options: LakeCompactionOptions) {}

  /** Compacts every table of one app; with no tombstone for the app it reads nothing else. */
  async compactApp(tenantId: string, appId: string): Promise<LakeCompactionResult> {
    const [tenantKey, appKey] = DATA_LAKE.partitionKeys;
    const appPath = `${tenantKey}=${encodeURIComponent(tenantId)}/${appKey}=${encodeURIComponent(appId)}/`;
    const tombstones = (await this.readLines(await this.list(`${LAKE_ERASURES.prefix}${appPath}`)))
      .flat()
      .flatMap(tombstoneRow);
    const result = { objectsRead: 0, objectsRewritten: 0, objectsDeleted: 0, rowsRemoved: 0 };
    if (tombstones.length === 0) return result;
    const erased = erasedRowMatcher(tombstones);
    for (const [table, prefix] of Object.entries(DATA_LAKE.tables) as [Table, string][]) {
      const keys = await this.list(`${prefix}/${appPath}`);
      result.objectsRead += keys.length;
      await mapLimit(keys, 8, async (key) => {
        const [rows = []] = await this.readLines([key]);
        const kept = rows.filter((row) => !erased(table, row));
        if (kept.length === rows.length) return;
        result.rowsRemoved += rows.length - kept.length;
        if (kept.length === 0) {
          await this.options.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
          result.objectsDeleted++;
          return;
        }
        await this.options.client.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: key,
            Body: `${kept.map((row) => JSON.stringify(row)).join('\n')}\n`,
            ContentType: 'application/x-ndjson',
          }),
        );
        result.objectsRewritten++;
      });
    }
    return result;
  }

  private async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: `${this.options.prefix ?? ''}${prefix}`,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key?.endsWith('.json')) keys.push(object.Key);
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  }

  private async readLines(keys: readonly string[]): Promise<LakeRowValues[][]> {
    const out: LakeRowValues[][] = new Array(keys.length);
    await mapLimit(
      keys.map((key, i) => [key, i] as const),
      8,
      async ([key, i]) => {
        const object = await this.options.client.send(
          new GetObjectCommand({ Bucket: this.options.bucket, Key: key }),
        );
        const body = (await object.Body?.transformToString()) ?? '';
        out[i] = body
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as LakeRowValues);
      },
    );
    return out;
  }
}
