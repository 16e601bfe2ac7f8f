import { LAKE_QUARANTINE_PREFIX } from '../definitions/lake.js';
import { ATTRIBUTION_METRICS, CONSUMER_METRICS } from '../definitions/observability.js';
import type { BatchResult, RecordOutcome } from '../domain/engine.js';
import { eventKey } from '../domain/keys.js';
import { type DeliverySubject, deliverySubjectsOf } from '../domain/postbacks/subjects.js';
import { LIFECYCLE_EVENT_TYPES, type PipelineRecord } from '../domain/records.js';
import {
  deviceFactsOf,
  eventAttributionRow,
  installAttributionRow,
  type LakeRow,
  rawRow,
} from './lake-rows.js';
import { recordScope } from './pipeline-record.js';
import { type LakeSink, sinkCarries } from './ports/lake-sink.js';
import type { Logger } from './ports/logger.js';
import type { MetricsSink } from './ports/metrics.js';
import type { OutcomeCount, RealtimeCounterSink } from './ports/realtime-sink.js';
import type { PostbackDispatcher } from './postbacks/dispatcher.js';

/**
 * The attribution consumer: take a decoded stream batch, drop in-batch duplicates, run the engine over the
 * identity graph (one load, one commit), write the lake, count outcomes, and report only the records
 * to retry (`batchItemFailures`).
 *
 * Poisoned records (undecodable) never block the shard: each is copied to the quarantine prefix of the
 * lake bucket with its reason, logged and counted (`PoisonedRecords`), and not reported as failed — the
 * dead-letter semantics. Only if the quarantine copy itself fails is the record reported as failed.
 */

/**
 * One record of a stream batch, as the stream edge (`adapters/kinesis/stream-batch.ts`) hands it over:
 * decoded, or poisoned with the reason.
 */
export interface StreamRecord {
  /** What a failure report names (the Kinesis sequence number). */
  readonly sequenceNumber: string;
  /** The shard the record was read from, when known: part of the record's source id and batch id. */
  readonly shardId?: string;
  /** The stream's own id of the record (Kinesis `eventID`), for logs and quarantine. */
  readonly eventId?: string;
  /** The payload as delivered (base64), kept verbatim by the quarantine. */
  readonly data: string;
  readonly decoded: { ok: true; value: PipelineRecord } | { ok: false; reason: string };
}

/** What the stream must deliver again: the sequence numbers of the failed records. */
export interface BatchOutcome {
  readonly failedSequenceNumbers: readonly string[];
}

export interface ConsumerDependencies {
  readonly engine: {
    /** `sourceIds[i]`: the stream record of `records[i]` (`shardId:sequenceNumber`). */
    processBatch(
      records: readonly PipelineRecord[],
      sourceIds?: readonly (string | undefined)[],
    ): Promise<BatchResult>;
  };
  /** Lake rows of the batch: the sink says which tables it carries (raw, attributions or both). */
  readonly lake: LakeSink;
  /** Keeps an undecodable record. @default records are only logged */
  readonly quarantine?: (key: string, body: string) => Promise<void>;
  readonly metrics?: MetricsSink;
  /** Timestream, when enabled; failures are logged, never fail the batch. */
  readonly realtime?: RealtimeCounterSink;
  readonly logger?: Logger;
  /**
   * The postback stage (SPEC §7), after the commit and the lake: decisions and credited events become
   * delivery jobs. A failure fails the batch; the retry sees redeliveries, whose jobs are made once.
   * @default no postbacks
   */
  readonly postbacks?: PostbackDispatcher;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Extra metric names of the consumer beside the attribution outcomes (see `src/definitions`). */
export { CONSUMER_METRICS };

/** Lake bucket prefix of undecodable stream records (the consumer's role may write only there). */
export const QUARANTINE_PREFIX = LAKE_QUARANTINE_PREFIX;

const LIFECYCLE = new Set<string>(LIFECYCLE_EVENT_TYPES);

function identityOf(record: PipelineRecord): string {
  const { tenantId, appId, id } = recordScope(record);
  return record.kind === 'event' ? eventKey(tenantId, appId, id) : `${tenantId}#${appId}#touchpoint#${id}`;
}

/** A decoded record kept for the engine, with its stream record and its place in the batch. */
interface KeptRecord {
  readonly record: PipelineRecord;
  readonly source: StreamRecord;
  readonly position: number;
}

/** What a batch's decided records give the lake, the real-time counters and the metrics. */
interface BatchRows {
  readonly rows: LakeRow[];
  readonly realtime: Map<string, OutcomeCount>;
  readonly redelivered: number;
  /** Client re-sends found among the decided records (not redeliveries). */
  readonly duplicates: number;
  /** What the decided records may be delivered as (postbacks); redeliveries give theirs again. */
  readonly subjects: DeliverySubject[];
}

/**
 * The consumer's batch flow.
 * @example
 * const consume = createAttributionConsumer({ engine, lake, metrics, logger });
 * const { failedSequenceNumbers } = await consume(records);
 */
export function createAttributionConsumer(deps: ConsumerDependencies) {
  const now = deps.now ?? Date.now;
  const count = (name: string, value = 1) => {
    if (value > 0) deps.metrics?.count(name, value);
  };

  return async (batch: readonly StreamRecord[]): Promise<BatchOutcome> => {
    const failures = new Set<string>();
    const quarantined = (source: StreamRecord, reason: string) =>
      quarantine(deps, source, reason, now(), count).then((kept) => {
        if (!kept) failures.add(source.sequenceNumber);
      });
    const { kept, duplicates: inBatch } = await keepDistinct(batch, quarantined);

    let result: BatchResult;
    try {
      result = await deps.engine.processBatch(
        kept.map((k) => k.record),
        kept.map((k) => sourceIdOf(k.source)),
      );
    } catch (error) {
      // Nothing of this batch is known to be committed: retry it all (units are idempotent).
      deps.logger?.error('attribution batch failed', { error, records: kept.length });
      for (const k of kept) failures.add(k.source.sequenceNumber);
      count(CONSUMER_METRICS.failed, failures.size);
      return toResponse(failures);
    }

    for (const outcome of result.outcomes) {
      const entry = kept[outcome.index];
      if (entry && outcome.status === 'failed') failures.add(entry.source.sequenceNumber);
    }
    // The event source mapping retries from the first failed record on, committed or not: the lake
    // rows of those records are written by that retry (as redeliveries), not here, so no row is
    // written twice. See docs/reliability.md.
    const retryFrom = firstFailedPosition(batch, failures);
    const decided = rowsOf(result, kept, retryFrom, deps.lake, now(), count, deps.postbacks !== undefined);
    const duplicates = inBatch + decided.duplicates;
    count(ATTRIBUTION_METRICS.duplicates, duplicates);
    count(CONSUMER_METRICS.redelivered, decided.redelivered);
    count(CONSUMER_METRICS.failed, failures.size);

    await writeLake(deps, batch, decided.rows, now, count);
    await dispatchPostbacks(deps, decided.subjects, count);
    await writeRealtime(deps, decided.realtime);
    deps.logger?.info('batch processed', {
      records: batch.length,
      processed: kept.length - failures.size,
      duplicates,
      failed: failures.size,
    });
    return toResponse(failures);
  };
}

/** The decoded records of a batch, first copy of each; the poisoned ones go to `poisoned`. */
async function keepDistinct(
  batch: readonly StreamRecord[],
  poisoned: (source: StreamRecord, reason: string) => Promise<void>,
): Promise<{ kept: KeptRecord[]; duplicates: number }> {
  const kept: KeptRecord[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const [position, source] of batch.entries()) {
    const decoded = source.decoded;
    if (!decoded.ok) {
      await poisoned(source, decoded.reason);
      continue;
    }
    const identity = identityOf(decoded.value);
    if (seen.has(identity)) {
      duplicates++;
      continue;
    }
    seen.add(identity);
    kept.push({ record: decoded.value, source, position });
  }
  return { kept, duplicates };
}

/** The lake rows and real-time counts of the records decided before `retryFrom`. */
function rowsOf(
  result: BatchResult,
  kept: readonly KeptRecord[],
  retryFrom: number,
  lake: LakeSink,
  decidedAtMs: number,
  count: (name: string, value?: number) => void,
  withSubjects: boolean,
): BatchRows {
  const takes = {
    events: sinkCarries(lake, 'events'),
    touchpoints: sinkCarries(lake, 'touchpoints'),
    attributions: sinkCarries(lake, 'attributions'),
  };
  const out: BatchRows = { rows: [], realtime: new Map(), redelivered: 0, duplicates: 0, subjects: [] };
  let { redelivered, duplicates } = out;
  for (const outcome of result.outcomes) {
    const entry = kept[outcome.index];
    if (!entry || outcome.status === 'failed') continue;
    if (entry.position >= retryFrom) continue;
    let attribution = outcome.attribution;
    let eventAttribution = outcome.eventAttribution;
    if (outcome.status === 'duplicate') {
      // A redelivery of the record whose unit was committed (a retry after a crash or a failed lake
      // write): its rows are written again, from the stored decision, under the same object key.
      // Any other duplicate (a client's re-send) was written with its first record: skip it.
      if (outcome.previous?.sourceId !== sourceIdOf(entry.source)) {
        duplicates++;
        continue;
      }
      redelivered++;
      attribution = outcome.previous.attribution;
      eventAttribution = outcome.previous.eventAttribution;
    } else {
      countOutcome(outcome, count, out.realtime, decidedAtMs);
    }
    if (entry.record.kind === 'event' ? takes.events : takes.touchpoints) out.rows.push(rawRow(entry.record));
    if (takes.attributions) {
      const facts = deviceFactsOf(entry.record);
      if (attribution) out.rows.push(installAttributionRow(attribution, decidedAtMs, facts));
      if (eventAttribution) out.rows.push(eventAttributionRow(eventAttribution, decidedAtMs, facts));
    }
    if (withSubjects) out.subjects.push(...deliverySubjectsOf(entry.record, attribution, eventAttribution));
  }
  return { ...out, redelivered, duplicates };
}

/** Writes the batch's lake rows; a failure fails the batch (its retry rewrites them as redeliveries). */
async function writeLake(
  deps: ConsumerDependencies,
  batch: readonly StreamRecord[],
  rows: readonly LakeRow[],
  now: () => number,
  count: (name: string, value?: number) => void,
): Promise<void> {
  if (rows.length === 0) return;
  // Deterministic: a retry of this batch starts at the same record and overwrites these objects.
  const first = batch[0];
  const batchId = `${first?.shardId ?? 'batch'}-${first?.sequenceNumber ?? now()}`;
  try {
    const { objects, records } = await deps.lake.write(batchId, rows);
    count(CONSUMER_METRICS.lakeObjects, objects);
    count(CONSUMER_METRICS.lakeRecords, records);
  } catch (error) {
    // The graph is committed: the retry sees these records as redeliveries and writes their rows.
    deps.logger?.error('lake write failed', { error, batchId, rows: rows.length });
    throw error;
  }
}

/**
 * Makes the postback jobs of the batch's decided records; a failure fails the batch (committed and in
 * the lake: the retry re-plans the same job ids and enqueues only what is missing).
 */
async function dispatchPostbacks(
  deps: ConsumerDependencies,
  subjects: readonly DeliverySubject[],
  count: (name: string, value?: number) => void,
): Promise<void> {
  if (!deps.postbacks || subjects.length === 0) return;
  try {
    const dispatched = await deps.postbacks(subjects);
    count(CONSUMER_METRICS.postbackJobs, dispatched.enqueued);
  } catch (error) {
    deps.logger?.error('postback jobs not enqueued', { error, subjects: subjects.length });
    throw error;
  }
}

/** Writes the real-time counters, when enabled; a failure is logged, never fails the batch. */
async function writeRealtime(
  deps: ConsumerDependencies,
  realtime: ReadonlyMap<string, OutcomeCount>,
): Promise<void> {
  if (!deps.realtime || realtime.size === 0) return;
  try {
    await deps.realtime.write([...realtime.values()]);
  } catch (error) {
    deps.logger?.warn('real-time counters not written', { error });
  }
}

/**
 * Keeps a poisoned record under the quarantine prefix, logged and counted; false when the copy
 * failed (the record is then reported as failed, to be retried).
 */
async function quarantine(
  deps: ConsumerDependencies,
  source: StreamRecord,
  reason: string,
  nowMs: number,
  count: (name: string, value?: number) => void,
): Promise<boolean> {
  const seq = source.sequenceNumber;
  deps.logger?.error('poisoned stream record', { reason, sequenceNumber: seq, eventID: source.eventId });
  count(CONSUMER_METRICS.poisoned);
  if (!deps.quarantine) return true;
  const day = new Date(nowMs).toISOString().slice(0, 10);
  try {
    await deps.quarantine(
      `${QUARANTINE_PREFIX}dt=${day}/${seq}.json`,
      JSON.stringify({ reason, eventID: source.eventId, sequenceNumber: seq, data: source.data }),
    );
    return true;
  } catch (error) {
    deps.logger?.error('quarantine write failed', { error, sequenceNumber: seq });
    return false;
  }
}

function countOutcome(
  outcome: RecordOutcome,
  count: (name: string, value?: number) => void,
  realtime: Map<string, OutcomeCount>,
  timeMs: number,
) {
  const bump = (tenantId: string, appId: string, network: string, campaign: string, name: string) => {
    const key = [tenantId, appId, network, campaign, name].join('\u0000');
    const previous = realtime.get(key);
    realtime.set(key, {
      tenantId,
      appId,
      network,
      campaign,
      outcome: name,
      count: (previous?.count ?? 0) + 1,
      timeMs,
    });
  };
  const a = outcome.attribution;
  if (a) {
    const network = a.source?.network ?? 'organic';
    const campaign = a.source?.campaign ?? '(none)';
    let name: string;
    if (a.status === 'rejected') name = ATTRIBUTION_METRICS.rejected;
    else if (a.kind === 'reinstall') name = ATTRIBUTION_METRICS.reinstall;
    else if (a.kind === 'reattribution') name = ATTRIBUTION_METRICS.reattribution;
    else if (a.kind === 'reengagement') name = ATTRIBUTION_METRICS.reengagement;
    else if (a.status === 'organic') name = ATTRIBUTION_METRICS.organic;
    else name = ATTRIBUTION_METRICS.attributed;
    count(name);
    bump(a.tenantId, a.appId, network, campaign, name);
  }
  const e = outcome.eventAttribution;
  if (e) {
    if (e.creditedAs === 'reengagement') count(ATTRIBUTION_METRICS.reengagement);
    if (!LIFECYCLE.has(e.type)) {
      count(ATTRIBUTION_METRICS.inAppEvents);
      bump(
        e.tenantId,
        e.appId,
        e.source?.network ?? 'organic',
        e.source?.campaign ?? '(none)',
        ATTRIBUTION_METRICS.inAppEvents,
      );
    }
  }
}

/** The identity of a stream record kept with its event's marker: shard and sequence number. */
function sourceIdOf(source: StreamRecord): string {
  return `${source.shardId ?? ''}:${source.sequenceNumber}`;
}

/** Position in the batch of the first record reported failed (the batch length when none is). */
function firstFailedPosition(batch: readonly StreamRecord[], failures: ReadonlySet<string>): number {
  if (failures.size === 0) return batch.length;
  // A failure naming no record of the batch fails it all (position 0), as Lambda does.
  return Math.max(
    0,
    batch.findIndex((r) => failures.has(r.sequenceNumber)),
  );
}

function toResponse(failures: ReadonlySet<string>): BatchOutcome {
  return { failedSequenceNumbers: [...failures] };
}
