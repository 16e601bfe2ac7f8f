import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import {
  decideHome,
  type HomeDecision,
  type RecordForwarder,
  type TenantHomes,
  tenantOf,
} from '../../app/home-region.js';
import type { Logger } from '../../app/ports/logger.js';
import type { MetricsSink } from '../../app/ports/metrics.js';
import { CONSUMER_METRICS } from '../../definitions/observability.js';
import type { PipelineRecord } from '../../domain/records.js';
import { decodeKinesisRecord } from './decode.js';

/**
 * The single-writer rule in front of a region's attribution consumer (see `src/app/home-region.ts`): the
 * records of tenants homed here go to the consumer, those of tenants homed elsewhere are forwarded to
 * their home region's stream, and those of a tenant moving here wait for its grace period.
 *
 * Retries follow the Kinesis event source's partial-batch rule (it retries from the first failed record
 * on): when a forward fails or a record must wait at position `p`, the consumer only gets the records
 * before `p`, and `p` is reported failed, so nothing after it is written twice. Every step is idempotent
 * (the home's engine drops an event it already committed), so a retried forward counts once.
 */

export interface HomeRegionConsumerOptions {
  /** This region. */
  readonly region: string;
  readonly homes: TenantHomes;
  readonly forwarder: RecordForwarder;
  /** The attribution consumer of this region (`createAttributionConsumer`). */
  readonly consume: (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;
  readonly metrics?: MetricsSink;
  readonly logger?: Logger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Metric names of the forwarding step (defined with the consumer's other metrics). */
export const HOME_REGION_METRICS = {
  forwarded: CONSUMER_METRICS.forwarded,
  forwardFailed: CONSUMER_METRICS.forwardFailed,
  waiting: CONSUMER_METRICS.awaitingHome,
} as const;

interface Routed {
  readonly position: number;
  readonly source: KinesisStreamRecord;
  readonly record?: PipelineRecord;
  readonly decision: HomeDecision;
}

export function createHomeRegionConsumer(options: HomeRegionConsumerOptions) {
  const now = options.now ?? Date.now;
  const count = (name: string, value: number) => {
    if (value > 0) options.metrics?.count(name, value);
  };

  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const nowMs = now();
    const routed: Routed[] = [];
    let stopAt = event.Records.length;
    for (const [position, source] of event.Records.entries()) {
      const decoded = decodeKinesisRecord(source);
      // An undecodable record has no known tenant: the local consumer quarantines it.
      if (!decoded.ok) {
        routed.push({ position, source, decision: { action: 'write' } });
        continue;
      }
      let home: Awaited<ReturnType<TenantHomes['homeOf']>>;
      try {
        home = await options.homes.homeOf(tenantOf(decoded.value));
      } catch (error) {
        // Without its home no region may write the record: the batch stops here and is retried from it.
        options.logger?.error('home region of a tenant not readable', { position, error });
        count(CONSUMER_METRICS.failed, event.Records.length - position);
        stopAt = position;
        break;
      }
      routed.push({
        position,
        source,
        record: decoded.value,
        decision: decideHome(home, options.region, nowMs),
      });
    }

    const waiting = routed.find((r) => r.decision.action === 'wait');
    if (waiting) stopAt = Math.min(stopAt, waiting.position);

    // One PutRecords series per home region, in stream order; the first failure stops the batch there.
    const byRegion = new Map<string, Routed[]>();
    for (const r of routed) {
      if (r.position >= stopAt || r.decision.action !== 'forward') continue;
      const list = byRegion.get(r.decision.region) ?? [];
      list.push(r);
      byRegion.set(r.decision.region, list);
    }
    let forwarded = 0;
    for (const [region, list] of byRegion) {
      try {
        await options.forwarder.forward(
          region,
          list.map((r) => r.record as PipelineRecord),
        );
        forwarded += list.length;
      } catch (error) {
        const first = list[0]?.position ?? stopAt;
        options.logger?.error('records not forwarded to their home region', {
          region,
          records: list.length,
          error,
        });
        count(HOME_REGION_METRICS.forwardFailed, list.length);
        stopAt = Math.min(stopAt, first);
      }
    }
    count(HOME_REGION_METRICS.forwarded, forwarded);
    count(HOME_REGION_METRICS.waiting, routed.filter((r) => r.decision.action === 'wait').length);

    const local = routed.filter((r) => r.position < stopAt && r.decision.action === 'write');
    const failures: { itemIdentifier: string }[] = [];
    if (local.length > 0) {
      const answer = await options.consume({ Records: local.map((r) => r.source) });
      failures.push(...answer.batchItemFailures);
    }
    const stopped = event.Records[stopAt];
    if (stopped) failures.push({ itemIdentifier: stopped.kinesis.sequenceNumber });
    return { batchItemFailures: failures };
  };
}
