import type { PipelineRecord } from '../domain/records.js';

/**
 * Who a pipeline record belongs to and what it is named by: the one place that looks inside the
 * event-or-touchpoint union for its tenant, app and id (stream choice, partition keys, batch
 * de-duplication and the consumer's graph table all read it here).
 */
export interface RecordScope {
  readonly tenantId: string;
  readonly appId: string;
  /** The event id or the touchpoint id. */
  readonly id: string;
}

export function recordScope(record: PipelineRecord): RecordScope {
  return record.kind === 'event'
    ? { tenantId: record.event.tenantId, appId: record.event.appId, id: record.event.eventId }
    : { tenantId: record.touchpoint.tenantId, appId: record.touchpoint.appId, id: record.touchpoint.id };
}

/** The tenant of a record: picks its stream, its identity graph table and its lake partition. */
export function tenantOf(record: PipelineRecord): string {
  return recordScope(record).tenantId;
}
