import type { DeliveryMetrics, DeliveryStatus } from '../app/postbacks/ports.js';

/** Per destination: deliveries by outcome and latency percentiles, for the local dashboard. */
export interface PostbackDestinationStats {
  readonly tenantId: string;
  readonly appId: string;
  readonly destinationId: string;
  readonly sent: number;
  readonly failed: number;
  readonly dead: number;
  readonly suppressed: number;
  readonly p50LatencyMs: number | null;
  readonly p95LatencyMs: number | null;
}

/** Latencies kept per destination (the most recent ones). */
const LATENCY_WINDOW = 1000;

/** Local mode's delivery metrics: what the CloudWatch widgets chart in the cloud. */
export class PostbackStats implements DeliveryMetrics {
  private readonly byDestination = new Map<
    string,
    {
      tenantId: string;
      appId: string;
      destinationId: string;
      counts: Record<DeliveryStatus, number>;
      latencies: number[];
    }
  >();

  delivered(input: Parameters<DeliveryMetrics['delivered']>[0]): void {
    const key = `${input.tenantId}\u0000${input.appId}\u0000${input.destinationId}`;
    let entry = this.byDestination.get(key);
    if (!entry) {
      entry = {
        tenantId: input.tenantId,
        appId: input.appId,
        destinationId: input.destinationId,
        counts: { queued: 0, failed: 0, sent: 0, dead: 0, suppressed: 0 },
        latencies: [],
      };
      this.byDestination.set(key, entry);
    }
    entry.counts[input.status]++;
    if (input.latencyMs !== undefined) {
      entry.latencies.push(input.latencyMs);
      if (entry.latencies.length > LATENCY_WINDOW) entry.latencies.shift();
    }
  }

  /** Every destination that had a delivery, optionally of one app. */
  summary(filter: { tenantId?: string; appId?: string } = {}): PostbackDestinationStats[] {
    return [...this.byDestination.values()]
      .filter(
        (e) =>
          (!filter.tenantId || e.tenantId === filter.tenantId) && (!filter.appId || e.appId === filter.appId),
      )
      .map((e) => {
        const sorted = [...e.latencies].sort((a, b) => a - b);
        const at = (q: number) =>
          sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null) : null;
        return {
          tenantId: e.tenantId,
          appId: e.appId,
          destinationId: e.destinationId,
          sent: e.counts.sent,
          failed: e.counts.failed,
          dead: e.counts.dead,
          suppressed: e.counts.suppressed,
          p50LatencyMs: at(0.5),
          p95LatencyMs: at(0.95),
        };
      });
  }
}
