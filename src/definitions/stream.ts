/** The ingest stream that carries touchpoints and app events to the attribution consumer. */
export const INGEST_STREAM = {
  logicalName: 'IngestStream',
  /** Hours a record stays on the stream (the Kinesis minimum; the lake keeps history). */
  retentionHours: 24,
} as const;
