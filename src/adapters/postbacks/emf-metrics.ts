import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DeliveryMetrics } from '../../app/postbacks/ports.js';
import { POSTBACK_METRICS } from '../../definitions/postbacks.js';

const BY_STATUS = {
  sent: POSTBACK_METRICS.sent,
  failed: POSTBACK_METRICS.failed,
  dead: POSTBACK_METRICS.dead,
  suppressed: POSTBACK_METRICS.suppressed,
} as const;

/**
 * The sender's delivery metrics as Powertools EMF: a count per status (dimension `service`), and the
 * latency of each attempt by destination (`Destination` and `service`, one metric of its own).
 */
export function emfDeliveryMetrics(metrics: Metrics): DeliveryMetrics {
  return {
    delivered({ destinationId, status, latencyMs }) {
      if (status === 'queued') return;
      metrics.addMetric(BY_STATUS[status], MetricUnit.Count, 1);
      if (latencyMs === undefined) return;
      const single = metrics.singleMetric();
      single.addDimension('Destination', destinationId);
      single.addMetric(POSTBACK_METRICS.latency, MetricUnit.Milliseconds, latencyMs);
    },
  };
}
