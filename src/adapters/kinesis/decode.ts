import type { KinesisStreamRecord } from 'aws-lambda';
import type { PipelineRecord } from '../../domain/records.js';

/**
 * Decodes a Kinesis record into a pipeline record. Anything that is not one (bad base64, bad JSON, a
 * wrong shape) is a poisoned record: `undefined` with the reason, never an exception.
 */
export function decodeKinesisRecord(
  record: KinesisStreamRecord,
): { ok: true; value: PipelineRecord } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (!value || typeof value !== 'object') return { ok: false, reason: 'not a JSON object' };
  const v = value as Record<string, unknown>;
  const body = v.kind === 'event' ? v.event : v.kind === 'touchpoint' ? v.touchpoint : undefined;
  if (!body || typeof body !== 'object')
    return { ok: false, reason: `unknown record kind ${JSON.stringify(v.kind)}` };
  const b = body as Record<string, unknown>;
  const id = v.kind === 'event' ? b.eventId : b.id;
  if (
    typeof b.tenantId !== 'string' ||
    typeof b.appId !== 'string' ||
    typeof id !== 'string' ||
    typeof b.timestampMs !== 'number' ||
    !Number.isFinite(b.timestampMs) ||
    typeof b.type !== 'string'
  ) {
    return { ok: false, reason: 'missing tenantId, appId, id, type or timestampMs' };
  }
  if (v.kind === 'touchpoint' && typeof b.network !== 'string')
    return { ok: false, reason: 'touchpoint without network' };
  const receivedAtMs = typeof v.receivedAtMs === 'number' ? v.receivedAtMs : Date.now();
  return {
    ok: true,
    value:
      v.kind === 'event'
        ? ({ kind: 'event', receivedAtMs, event: body } as PipelineRecord)
        : ({ kind: 'touchpoint', receivedAtMs, touchpoint: body } as PipelineRecord),
  };
}
