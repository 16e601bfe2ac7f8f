/** The ingest stream that carries touchpoints and app events to the attribution consumer. */
export const INGEST_STREAM = {
  logicalName: 'IngestStream',
  /**
   * Hours a record stays on the stream: 7 days, well past the consumer's maximum record age (24 h by
   * default), so the records of a batch the consumer gave up on can still be read back and replayed
   * (`unmogrowp dlq capture|replay`), and a home region that was down can catch up on forwarded records.
   */
  retentionHours: 168,
} as const;
