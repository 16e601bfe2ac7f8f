import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { PostbackDispatcher } from '../../app/postbacks/dispatcher.js';
import { LAKE_QUARANTINE_PREFIX } from '../../definitions/lake.js';
import { ATTRIBUTION_METRICS, CONSUMER_METRICS } from '../../definitions/observability.js';
import type { BatchResult, RecordOutcome } from '../../domain/engine.js';
import { eventKey } from '../../domain/keys.js';
import { type DeliverySubject, deliverySubjectsOf } from '../../domain/postbacks/subjects.js';
import { LIFECYCLE_EVENT_TYPES, type PipelineRecord } from '../../domain/records.js';
import { decodeKinesisRecord } from '../kinesis/decode.js';
import { eventAttributionRow, installAttributionRow, type LakeRow, rawRow } from '../s3/lake-rows.js';
import type { OutcomeCount, RealtimeCounterSink } from '../timestream/writer.js';
import { type LakeSink, sinkCarries } from './lake-sink.js';

/**
 * The attribution consumer: decode a Kinesis batch, drop in-batch duplicates, run the engine over the
 * identity graph (one load, one commit), write the lake, count outcomes, and report only the records
 * to retry (`batchItemFailures`).
 *
 * Poisoned records (undecodable) never block the shard: each is copied to the quarantine prefix of the
 * lake bucket with its reason, logged and counted (`PoisonedRecords`), and not reported as failed — the
 * dead-letter semantics. Only if the quarantine copy itself fails is the record reported as failed.
 */

export interface ConsumerLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Counts a metric (Powertools EMF in Lambda). */
export interface MetricsSink {
  count(name: string, value: number): void;
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
  readonly logger?: ConsumerLogger;
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
  return record.kind === 'event'
    ? eventKey(record.event.tenantId, record.event.appId, record.event.eventId)
    : `${record.touchpoint.tenantId}#${record.touchpoint.appId}#touchpoint#${record.touchpoint.id}`;
}

export function createAttributionConsumer(deps: ConsumerDependencies) {
  const now = deps.now ?? Date.now;
  const count = (name: string, value = 1) => {
    if (value > 0) deps.metrics?.count(name, value);
  };

  const lakeTakesEvents = sinkCarries(deps.lake, 'events');
  const lakeTakesTouchpoints = sinkCarries(deps.lake, 'touchpoints');
  const lakeTakesAttributions = sinkCarries(deps.lake, 'attributions');

  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const failures = new Set<string>();
    const kept: { record: PipelineRecord; source: KinesisStreamRecord; position: number }[] = [];
    const seen = new Set<string>();
    let duplicates = 0;

    for (const [position, source] of event.Records.entries()) {
      const decoded = decodeKinesisRecord(source);
      if (!decoded.ok) {
        await quarantine(source, decoded.reason);
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

    let result: BatchResult;
    try {
      result = await deps.engine.processBatch(
        kept.map((k) => k.record),
        kept.map((k) => sourceIdOf(k.source)),
      );
    } catch (error) {
      // Nothing of this batch is known to be committed: retry it all (units are idempotent).
      deps.logger?.error('attribution batch failed', { error, records: kept.length });
      for (const k of kept) failures.add(k.source.kinesis.sequenceNumber);
      count(CONSUMER_METRICS.failed, failures.size);
      return toResponse(failures);
    }

    for (const outcome of result.outcomes) {
      const entry = kept[outcome.index];
      if (entry && outcome.status === 'failed') failures.add(entry.source.kinesis.sequenceNumber);
    }
    // The event source mapping retries from the first failed record on, committed or not: the lake
    // rows of those records are written by that retry (as redeliveries), not here, so no row is
    // written twice. See docs/reliability.md.
    const retryFrom = firstFailedPosition(event, failures);

    const decidedAtMs = now();
    const rows: LakeRow[] = [];
    const subjects: DeliverySubject[] = [];
    const realtime = new Map<string, OutcomeCount>();
    let redelivered = 0;
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
        countOutcome(outcome, count, realtime, decidedAtMs);
      }
      if (entry.record.kind === 'event' ? lakeTakesEvents : lakeTakesTouchpoints)
        rows.push(rawRow(entry.record));
      if (lakeTakesAttributions) {
        if (attribution) rows.push(installAttributionRow(attribution, decidedAtMs));
        if (eventAttribution) rows.push(eventAttributionRow(eventAttribution, decidedAtMs));
      }
      if (deps.postbacks) subjects.push(...deliverySubjectsOf(entry.record, attribution, eventAttribution));
    }
    count(ATTRIBUTION_METRICS.duplicates, duplicates);
    count(CONSUMER_METRICS.redelivered, redelivered);
    count(CONSUMER_METRICS.failed, failures.size);

    if (rows.length > 0) {
      // Deterministic: a retry of this batch starts at the same record and overwrites these objects.
      const first = event.Records[0];
      const batchId = `${(first?.eventID ?? 'batch').split(':')[0]}-${first?.kinesis.sequenceNumber ?? now()}`;
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
    if (deps.postbacks && subjects.length > 0) {
      try {
        const dispatched = await deps.postbacks(subjects);
        count(CONSUMER_METRICS.postbackJobs, dispatched.enqueued);
      } catch (error) {
        // Committed and in the lake: the retry re-plans the same job ids and enqueues what is missing.
        deps.logger?.error('postback jobs not enqueued', { error, subjects: subjects.length });
        throw error;
      }
    }
    if (deps.realtime && realtime.size > 0) {
      try {
        await deps.realtime.write([...realtime.values()]);
      } catch (error) {
        deps.logger?.warn('real-time counters not written', { error });
      }
    }
    deps.logger?.info('batch processed', {
      records: event.Records.length,
      processed: kept.length - failures.size,
      duplicates,
      failed: failures.size,
    });
    return toResponse(failures);

    async function quarantine(source: KinesisStreamRecord, reason: string) {
      const seq = source.kinesis.sequenceNumber;
      deps.logger?.error('poisoned stream record', { reason, sequenceNumber: seq, eventID: source.eventID });
      count(CONSUMER_METRICS.poisoned);
      if (!deps.quarantine) return;
      const day = new Date(now()).toISOString().slice(0, 10);
      try {
        await deps.quarantine(
          `${QUARANTINE_PREFIX}dt=${day}/${seq}.json`,
          JSON.stringify({ reason, eventID: source.eventID, sequenceNumber: seq, data: source.kinesis.data }),
        );
      } catch (error) {
        deps.logger?.error('quarantine write failed', { error, sequenceNumber: seq });
        failures.add(seq);
      }
    }
  };
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
function sourceIdOf(source: KinesisStreamRecord): string {
  return `${(source.eventID ?? '').split(':')[0]}:${source.kinesis.sequenceNumber}`;
}

/** Position in the batch of the first record reported failed (the batch length when none is). */
function firstFailedPosition(event: KinesisStreamEvent, failures: ReadonlySet<string>): number {
  if (failures.size === 0) return event.Records.length;
  // A failure naming no record of the batch fails it all (position 0), as Lambda does.
  return Math.max(
    0,
    event.Records.findIndex((r) => failures.has(r.kinesis.sequenceNumber)),
  );
}

function toResponse(failures: ReadonlySet<string>): KinesisStreamBatchResponse {
  return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
}
