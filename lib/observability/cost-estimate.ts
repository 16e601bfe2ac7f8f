import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { PRICES } from '../../src/cost/prices.js';
import type { MonitoredResources } from './monitored-resources.js';
import { mathId, type PlatformMetrics } from './platform-metrics.js';

const HOUR = Duration.hours(1);

/** A price as metric math accepts it (no exponent notation). */
function usd(value: number): string {
  return value.toFixed(15).replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * Estimated dollars per hour of one region by service: metered usage (CloudWatch metrics) × the list
 * prices of the cost model (`src/cost/prices.ts`, on-demand, first tier, no free tier). An estimate to
 * spot a trend or a runaway tenant, not a bill: storage, S3 requests, Athena, CloudWatch and KMS are
 * left out (see docs/cost.md for the full model).
 */
export function estimatedCostPerHour(m: PlatformMetrics, r: MonitoredResources): cloudwatch.MathExpression[] {
  const region = m.region;
  const expression = (name: string, terms: [string, cloudwatch.Metric, string][], constant = '') => {
    const usingMetrics = Object.fromEntries(terms.map(([id, metric]) => [id, metric.with({ period: HOUR })]));
    const sum = terms.map(([id, , factor]) => `FILL(${id}, 0) * ${factor}`).join(' + ');
    return new cloudwatch.MathExpression({
      expression: constant ? `${sum} + ${constant}` : sum,
      usingMetrics,
      label: `${name} $/h ${region}`,
      period: HOUR,
    });
  };
  const functions = [
    ...r.apiFunctions.map((f) => ({ name: f.functionName, memoryMb: f.memoryMb })),
    ...r.consumers.map((c) => ({ name: c.functionName, memoryMb: c.memoryMb })),
  ];
  const gbSecondPerMs = (memoryMb: number) => (memoryMb / 1024 / 1000) * PRICES.lambda.arm64GbSecond.usd;
  const firehosePerByte =
    (PRICES.firehose.ingestionGb.usd +
      PRICES.firehose.formatConversionGb.usd +
      PRICES.firehose.dynamicPartitioningGb.usd) /
    1e9;
  return [
    expression('API Gateway', [
      [mathId('c_api', region), m.apiRequests(r.apiName), usd(PRICES.apiGateway.restRequest.usd)],
    ]),
    expression(
      'Lambda',
      functions.flatMap((f): [string, cloudwatch.Metric, string][] => [
        [mathId('c_inv', f.name, region), m.functionInvocations(f.name), usd(PRICES.lambda.request.usd)],
        [mathId('c_dur', f.name, region), m.functionDuration(f.name, 'Sum'), usd(gbSecondPerMs(f.memoryMb))],
      ]),
    ),
    expression(
      'DynamoDB',
      r.tableNames.flatMap((t): [string, cloudwatch.Metric, string][] => [
        [mathId('c_w', t, region), m.tableConsumed(t, 'Write'), usd(PRICES.dynamodb.writeRequestUnit.usd)],
        [mathId('c_r', t, region), m.tableConsumed(t, 'Read'), usd(PRICES.dynamodb.readRequestUnit.usd)],
      ]),
    ),
    expression(
      'Kinesis',
      r.streamNames.map((s): [string, cloudwatch.Metric, string] => [
        mathId('c_k', s, region),
        m.streamIncomingBytes(s),
        usd(PRICES.kinesis.onDemandDataInGb.usd / 1e9),
      ]),
      usd(r.streamNames.length * PRICES.kinesis.onDemandStreamHour.usd),
    ),
    expression(
      'Firehose',
      r.deliveryStreamNames.map((d): [string, cloudwatch.Metric, string] => [
        mathId('c_f', d, region),
        m.deliveryIncomingBytes(d),
        usd(firehosePerByte),
      ]),
    ),
  ];
}
