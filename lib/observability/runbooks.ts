/**
 * Every alarm's runbook: a section of docs/operations.md with the anchor `runbook-<id>`, linked from
 * the alarm's description. The test of docs/operations.md checks each id has its section.
 */
export const RUNBOOKS = {
  'api-server-errors': 'API 5xx ratio',
  'api-client-errors': 'API 4xx ratio',
  'audit-write-failures': 'Audit write failures',
  'ingest-latency': 'Ingest latency',
  'function-errors': 'Function errors',
  'function-throttles': 'Function throttles',
  'stream-write-throttles': 'Stream write throttles',
  'consumer-iterator-age': 'Consumer iterator age',
  'consumer-failed-records': 'Consumer failed records',
  'quarantined-records': 'Quarantined records',
  'consumer-redelivered-records': 'Consumer redelivered records',
  'dead-letters': 'Dead letters',
  'consumer-dropped-events': 'Consumer dropped events',
  'table-throttles': 'Table throttles',
  'table-system-errors': 'Table system errors',
  'replication-latency': 'Replication latency',
  'lake-partition-overflow': 'Lake partition overflow',
  'lake-delivery-gap': 'Lake delivered vs ingested',
  'lake-freshness': 'Lake freshness',
  'lake-failed-conversions': 'Lake failed conversions',
  'account-concurrency': 'Account concurrency',
  'postback-backlog': 'Postback backlog',
  'postback-dead-letters': 'Postback dead letters',
} as const;

export type RunbookId = keyof typeof RUNBOOKS;

/** Where the runbooks are published, when not overridden. */
export const DEFAULT_RUNBOOK_BASE_URL = 'docs/operations.md';

/** The link to one runbook. */
export function runbookUrl(id: RunbookId, baseUrl: string = DEFAULT_RUNBOOK_BASE_URL): string {
  return `${baseUrl}#runbook-${id}`;
}
