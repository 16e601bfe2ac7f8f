import type { PipelineRecord } from '../../domain/records.js';

/** Puts accepted records on the ingest stream. @throws StreamPublishError after its bounded retries */
export interface RecordPublisher {
  publish(records: readonly PipelineRecord[]): Promise<void>;
}
