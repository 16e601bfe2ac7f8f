import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentFor, resolveAssumptions } from '../../src/cost/deployment.js';
import { estimateCost } from '../../src/cost/model.js';
import { type CostRun, runCostWorkload } from '../../src/cost/run.js';

/** The metered workload, small: the counters must be non-zero and agree with each other. */
describe('cost run (local mode, metered)', () => {
  let run: CostRun;

  beforeAll(async () => {
    run = await runCostWorkload({ events: 150, seed: 3 });
  }, 180_000);
  afterAll(() => undefined);

  it('accepts every record it sends and consumes them all', () => {
    expect(run.accepted).toBe(run.workload.records);
    expect(run.rejected).toBe(0);
    // A clean run (no faults): each accepted record is consumed exactly once.
    expect(run.consumed).toBe(run.accepted);
  });

  it('puts one Kinesis record per accepted event or touchpoint, and each reaches the raw Firehose', () => {
    expect(run.meter.kinesis.records).toBe(run.accepted);
    expect(run.meter.kinesis.payloadUnits).toBe(run.accepted);
    expect(run.meter.firehose.raw.records).toBe(run.accepted);
    expect(run.meter.firehose.raw.billedBytes).toBe(5 * 1024 * run.accepted);
  });

  it('counts one API request and one API function invocation per request sent', () => {
    expect(run.meter.api.requests).toBe(run.workload.requests);
    const api = ['ingest', 'query', 'admin'].reduce(
      (n, f) => n + (run.meter.lambda.get(f)?.invocations ?? 0),
      0,
    );
    expect(api).toBe(run.workload.requests);
    expect(run.meter.lambda.get('consumer')?.invocations).toBeGreaterThan(0);
  });

  it('bills DynamoDB writes and reads; replicas apply transactions as standard writes', () => {
    const d = run.meter.dynamodb;
    expect(d.writeUnits).toBeGreaterThan(run.accepted);
    expect(d.replicatedWriteUnits).toBeGreaterThan(0);
    expect(d.replicatedWriteUnits).toBeLessThan(d.writeUnits);
    expect(d.readUnits).toBeGreaterThan(0);
    expect(d.byOperation.get('TransactWriteItems')?.requests).toBeGreaterThan(0);
    expect(run.table.items).toBeGreaterThan(0);
  });

  it('sends one attribution record per install decision and credited event to the attribution Firehose', () => {
    const mix = run.workload.mix;
    const count = (kind: string) => mix[kind] ?? 0;
    expect(count('installs')).toBeGreaterThan(0);
    // Install decisions, every in-app event (sessions, purchases), and one re-engagement decision with
    // the first event of each re-engaged device (the seed re-engages each device with one purchase).
    const expected =
      count('installs') +
      count('sessions') +
      count('purchases (revenue)') +
      2 * count('re-engaged purchases');
    expect(run.meter.firehose.attributions.records).toBe(expected);
    expect(run.meter.lakeBytes().byTable.attributions).toBeGreaterThan(0);
  });

  it('prices the usage to a positive cost per 1,000 events in both Kinesis modes', () => {
    const assumptions = resolveAssumptions();
    for (const mode of ['onDemand', 'provisioned'] as const) {
      const estimate = estimateCost(run.usage, deploymentFor(mode, 100, assumptions));
      expect(estimate.totalPer1k).toBeGreaterThan(0);
      expect(Number.isFinite(estimate.totalPer1k)).toBe(true);
      expect(estimate.byService.find((s) => s.service === 'DynamoDB')?.usdPer1k).toBeGreaterThan(0);
    }
  });
});
