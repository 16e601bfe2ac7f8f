import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LakeRow } from '../adapters/s3/lake-rows.js';
import { type LakeSink, lakeObjectKey } from '../adapters/s3/lake-writer.js';

/**
 * The lake of local mode: the same objects, at the same keys, as the S3 lake (`lakeObjectKey`), written
 * as plain files under a directory so DuckDB reads them the way Athena reads the bucket.
 */
export class FileLakeWriter implements LakeSink {
  constructor(private readonly rootDir: string) {}

  async write(batchId: string, rows: readonly LakeRow[]): Promise<{ objects: number }> {
    const objects = new Map<string, string[]>();
    for (const row of rows) {
      const key = lakeObjectKey(row, batchId);
      const lines = objects.get(key) ?? [];
      lines.push(JSON.stringify(row.row));
      objects.set(key, lines);
    }
    for (const [key, lines] of objects) {
      const path = join(this.rootDir, key);
      await mkdir(dirname(path), { recursive: true });
      // Same key for a retried batch: the file is replaced, never appended to, so nothing doubles.
      // Written aside and renamed, so a query never reads half an object.
      await writeFile(`${path}.tmp`, `${lines.join('\n')}\n`);
      await rename(`${path}.tmp`, path);
    }
    return { objects: objects.size };
  }
}
