import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_LAKE, LAKE_QUARANTINE_PREFIX } from '../../definitions/lake.js';
import type { LakeFact, StoreFacts } from './reconcile.js';

/**
 * Reads the local lake straight from s3rver's files (`<bucketDir>/<key>._S3rver_object`): every row of
 * every object, so a row written twice is counted twice (a query engine's view could hide it).
 */

const OBJECT_SUFFIX = '._S3rver_object';

function* objectFiles(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* objectFiles(path);
    else if (entry.name.endsWith(OBJECT_SUFFIX)) yield path;
  }
}

function factOf(row: Record<string, unknown>): LakeFact {
  const raw = row.revenue as { amount?: number; currency?: string } | null | undefined;
  const amount = raw ? raw.amount : (row.revenue_amount as number | null | undefined);
  const currency = raw ? raw.currency : (row.revenue_currency as string | null | undefined);
  return {
    eventId: String(row.event_id),
    ...(typeof row.subject === 'string' ? { subject: row.subject } : {}),
    ...(typeof amount === 'number' && typeof currency === 'string'
      ? { revenueCents: Math.round(amount * 100), currency }
      : {}),
  };
}

/** Every row of one lake table, reduced to the facts reconciliation reads. */
export function readLakeTable(bucketDir: string, table: keyof typeof DATA_LAKE.tables): LakeFact[] {
  const facts: LakeFact[] = [];
  for (const file of objectFiles(join(bucketDir, DATA_LAKE.tables[table]))) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line) facts.push(factOf(JSON.parse(line) as Record<string, unknown>));
    }
  }
  return facts;
}

export function readLakeFacts(bucketDir: string): StoreFacts['lake'] {
  return {
    events: readLakeTable(bucketDir, 'events'),
    touchpoints: readLakeTable(bucketDir, 'touchpoints'),
    attributions: readLakeTable(bucketDir, 'attributions'),
  };
}

/** The consumer's quarantined records: reason and the record's data, decoded. */
export function readQuarantine(bucketDir: string): StoreFacts['quarantine'] {
  const out: { reason: string; data: string }[] = [];
  for (const file of objectFiles(join(bucketDir, LAKE_QUARANTINE_PREFIX))) {
    const body = JSON.parse(readFileSync(file, 'utf8')) as { reason?: string; data?: string };
    out.push({
      reason: String(body.reason ?? ''),
      data: Buffer.from(String(body.data ?? ''), 'base64').toString('utf8'),
    });
  }
  return out;
}

/** Records in the stream poller's dead-letter file (`<dataDir>/dead-letters.jsonl`). */
export function countDeadLetterRecords(file: string): number {
  if (!existsSync(file)) return 0;
  let n = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line) n += ((JSON.parse(line) as { records?: unknown[] }).records ?? []).length;
  }
  return n;
}
