import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LakeRow } from '../../app/lake-rows.js';
import type { LakeSink, LakeWriteResult } from '../../app/ports/lake-sink.js';
import type { TombstoneSink } from '../../app/ports/tombstone-sink.js';
import { type Tombstone, tombstoneRows } from '../../domain/erasure.js';
import { lakeObjectKey } from '../s3/lake-writer.js';
import { tombstoneObjectKey } from '../s3/tombstones.js';

/**
 * The lake as files in a directory, at the keys the S3 writers use (`lakeObjectKey`,
 * `tombstoneObjectKey`), as JSON lines that local mode's DuckDB queries read. Each file is written to a
 * temporary name and renamed, so a reader (or a crash) never sees half a file; a retried batch has the
 * same batch id and overwrites its own files.
 */

async function writeAtomically(path: string, body: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, body);
  await rename(temporary, path);
}

export class FileLakeWriter implements LakeSink {
  constructor(private readonly directory: string) {}

  async write(batchId: string, rows: readonly LakeRow[]): Promise<LakeWriteResult> {
    const files = new Map<string, string[]>();
    for (const row of rows) {
      const path = join(this.directory, lakeObjectKey(row, batchId));
      const lines = files.get(path) ?? [];
      lines.push(JSON.stringify(row.row));
      files.set(path, lines);
    }
    const outcomes = await Promise.allSettled(
      [...files].map(([path, lines]) => writeAtomically(path, `${lines.join('\n')}\n`)),
    );
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) {
      // As the S3 writer: a failed write leaves no part of the batch behind.
      await Promise.all([...files.keys()].map((path) => rm(path, { force: true })));
      throw failure.reason;
    }
    return { objects: files.size, records: rows.length };
  }

  /** Keeps a record the consumer could not decode, for inspection. */
  async quarantine(objectKey: string, body: string): Promise<void> {
    await writeAtomically(join(this.directory, objectKey), body);
  }
}

export class FileTombstoneWriter implements TombstoneSink {
  constructor(private readonly directory: string) {}

  async write(tombstone: Tombstone): Promise<number> {
    const rows = tombstoneRows(tombstone);
    await writeAtomically(
      join(this.directory, tombstoneObjectKey(tombstone)),
      `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`,
    );
    return rows.length;
  }
}
