/**
 * `npm run capacity`: what a sustained event rate needs per region, and the quotas and per-item limits
 * it would pass (exit code 1 when any). Meters the cost workload in local mode (the request counts
 * `npm run cost` prices), then scales them with src/cost/capacity.ts.
 *   npm run capacity -- --events-per-sec 1400000 --regions 2 --apps 100 --networks 20 --json
 *   npm run capacity -- --events-per-sec 1400000 --reuse   (the last measurement in bench/results.json)
 *   npm run capacity -- --events-per-sec 1400000 --quota lambdaConcurrency=20000 --quota ...
 * Method and the quota increases for 1.4 M events/s: docs/capacity.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import {
  type CapacityPlan,
  DEFAULT_QUOTAS,
  type MeasuredWorkload,
  planCapacity,
  type Quotas,
} from '../src/cost/capacity.js';
import type { KeyClass } from '../src/cost/meter.js';
import { runCostWorkload } from '../src/cost/run.js';

const { values: args } = parseArgs({
  options: {
    'events-per-sec': { type: 'string', default: '1400000' },
    regions: { type: 'string', default: '2' },
    apps: { type: 'string', default: '100' },
    'largest-app-share': { type: 'string' },
    networks: { type: 'string' },
    'hot-ip-share': { type: 'string' },
    'device-events-per-sec': { type: 'string' },
    'stream-mode': { type: 'string', default: 'onDemand' },
    'parallelization-factor': { type: 'string' },
    'batch-size': { type: 'string' },
    /** Workload mix per install: clicks=1,s2s-clicks=3,impressions=5,sessions=4 (src/cost/workload.ts). */
    mix: { type: 'string' },
    quota: { type: 'string', multiple: true },
    /** Records of the metered workload. */
    events: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '7' },
    reuse: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const resultsFile = 'bench/results.json';
const previous = existsSync(resultsFile)
  ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>)
  : {};
const optional = (v: string | undefined) => (v === undefined ? undefined : Number(v));

const MIX_OPTIONS: Record<string, string> = {
  clicks: 'clicksPerInstall',
  's2s-clicks': 's2sClicksPerInstall',
  impressions: 'impressionsPerInstall',
  sessions: 'sessionsPerInstall',
};
function parseMix(text: string | undefined): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const part of (text ?? '').split(',').filter(Boolean)) {
    const [name = '', value = ''] = part.split('=');
    const option = MIX_OPTIONS[name];
    if (!option || !(Number(value) >= 0))
      throw new Error(`--mix ${part}: expected one of ${Object.keys(MIX_OPTIONS).join(', ')} = a number ≥ 0`);
    mix[option] = Number(value);
  }
  return mix;
}
function parseQuotas(entries: readonly string[] | undefined): Partial<Quotas> {
  const quotas: Record<string, number> = {};
  for (const entry of entries ?? []) {
    const [name = '', value = ''] = entry.split('=');
    if (!(name in DEFAULT_QUOTAS) || !(Number(value) > 0))
      throw new Error(
        `--quota ${entry}: expected one of ${Object.keys(DEFAULT_QUOTAS).join(', ')} = a positive number`,
      );
    quotas[name] = Number(value);
  }
  return quotas;
}

async function measure(): Promise<MeasuredWorkload> {
  const saved = (previous.capacity as { measured?: MeasuredWorkload } | undefined)?.measured;
  if (args.reuse) {
    if (!saved)
      throw new Error(`--reuse: ${resultsFile} holds no capacity.measured; run without --reuse once`);
    return saved;
  }
  const run = await runCostWorkload({
    events: Number(args.events),
    seed: Number(args.seed),
    ...parseMix(args.mix),
    log: (line) => console.error(`· ${line}`),
  });
  const lake = run.meter.lakeBytes();
  const touchpointKinds = /click|impression/;
  return {
    usage: run.usage,
    sdkEvents: Object.entries(run.workload.mix)
      .filter(([kind]) => !touchpointKinds.test(kind))
      .reduce((n, [, v]) => n + v, 0),
    apiByRoute: Object.fromEntries(run.meter.api.byRoute),
    dynamodbRequests: Object.fromEntries(
      [...run.meter.dynamodb.byOperation].map(([op, c]) => [op, c.requests]),
    ),
    keyClasses: run.meter.keyClassWrites() as MeasuredWorkload['keyClasses'],
    attributionLakeBytesPerEvent:
      ((lake.byTable.attributions ?? 0) / Math.max(1, lake.json)) * (run.usage.lakeBytes / run.usage.events),
  };
}

const measured = await measure();
const plan = planCapacity(measured, {
  eventsPerSec: Number(args['events-per-sec']),
  regions: Number(args.regions),
  apps: Number(args.apps),
  largestAppShare: optional(args['largest-app-share']),
  networks: optional(args.networks),
  hotIpShare: optional(args['hot-ip-share']),
  deviceEventsPerSec: optional(args['device-events-per-sec']),
  streamMode: args['stream-mode'] === 'provisioned' ? 'provisioned' : 'onDemand',
  parallelizationFactor: optional(args['parallelization-factor']),
  batchSize: optional(args['batch-size']),
  quotas: parseQuotas(args.quota),
});

const n = (v: number) =>
  v >= 100 ? Math.round(v).toLocaleString('en') : Number(v.toPrecision(3)).toLocaleString('en');
const usd = (v: number, digits = 2) => `$${v.toLocaleString('en', { maximumFractionDigits: digits })}`;

function print(p: CapacityPlan): void {
  const r = p.perRegion;
  console.log(
    `\n${n(p.eventsPerSec)} events/s in ${p.regions} region(s): ${n(r.eventsPerSec)} events/s per region, ` +
      `${p.assumptions.apps} apps (largest ${n(p.assumptions.largestAppShare * 100)} % of events), ` +
      `stream ${p.assumptions.streamMode}`,
  );
  const region = new Table({ head: ['per region', 'need', 'quota'] });
  const quota = (name: string) => {
    const c = p.checks.find((x) => x.name === name);
    return c ? `${n(c.limit)} ${c.unit}${c.exceeded ? '  EXCEEDED' : ''}` : '';
  };
  region.push(
    ['API requests/s', n(r.api.requestsPerSec), quota('API Gateway requests')],
    ['Kinesis records/s', n(r.kinesis.recordsPerSec), quota('Kinesis on-demand records')],
    ['Kinesis write MiB/s', n(r.kinesis.writeMiBPerSec), quota('Kinesis on-demand write')],
    [
      'Kinesis shards (1,000 records/s, 1 MiB/s each)',
      `${n(r.kinesis.shards)} (${n(r.kinesis.perShard.recordsPerSec)} records/s, ${n(r.kinesis.perShard.writeMiBPerSec)} MiB/s each)`,
      quota('Kinesis shards'),
    ],
    [
      `consumer concurrency (shards × ${r.lambda.parallelizationFactor})`,
      `${n(r.lambda.consumerConcurrency)} (busy ${n(r.lambda.consumerBusy)}, ${n(r.lambda.consumerInvocationsPerSec)} invocations/s)`,
      quota('consumer parallelization factor'),
    ],
    ['API functions concurrency', n(r.lambda.apiConcurrency), ''],
    ['Lambda concurrency', n(r.lambda.concurrency), quota('Lambda concurrency')],
    [
      'DynamoDB requests/s',
      `${n(r.dynamodb.requestsPerSec)} (${Object.entries(r.dynamodb.requestsByOperationPerSec)
        .map(([op, v]) => `${op} ${n(v)}`)
        .join(', ')})`,
      '',
    ],
    [
      'DynamoDB identity graph write units/s (own + replicated)',
      `${n(r.dynamodb.writeUnitsPerSec)} (${n(r.dynamodb.replicatedWriteUnitsPerSec)} replicated)`,
      quota('DynamoDB identity graph writes'),
    ],
    [
      'DynamoDB registry write units/s (usage counters)',
      n(r.dynamodb.registryWriteUnitsPerSec),
      quota('DynamoDB registry table writes'),
    ],
    [
      'DynamoDB read units/s (both tables)',
      n(r.dynamodb.readUnitsPerSec),
      quota('DynamoDB table reads (both tables)'),
    ],
    ['Firehose raw records/s (from the stream)', n(r.firehose.rawRecordsPerSec), ''],
    [
      'Firehose attribution records/s',
      n(r.firehose.attributionRecordsPerSec),
      quota('Firehose attribution records'),
    ],
    [
      'Firehose attribution requests/s',
      n(r.firehose.attributionRequestsPerSec),
      quota('Firehose attribution requests'),
    ],
    ['Firehose attribution MiB/s', n(r.firehose.attributionMiBPerSec), quota('Firehose attribution bytes')],
    ['S3 lake objects/s', n(r.s3.objectsPerSec), ''],
    [
      'S3 PUT/s into the busiest prefix',
      n(r.s3.busiestPrefixPutsPerSec),
      quota('S3 PUTs into the busiest prefix'),
    ],
  );
  console.log(region.toString());

  const items = new Table({ head: ['hottest item (all regions)', 'writes/s', 'WCU/s', 'limit', 'basis'] });
  for (const h of p.hottestItems) {
    const c = p.checks.find((x) => x.name === `hottest ${h.keyClass}`);
    items.push([
      h.keyClass,
      n(h.writesPerSec),
      n(h.writeUnitsPerSec),
      `${n(c?.limit ?? 0)}${c?.exceeded ? '  EXCEEDED' : ''}`,
      h.basis,
    ]);
  }
  console.log(items.toString());
  console.log(
    `monthly cost (${n(p.cost.monthlyEvents)} events a month, all regions): ${usd(p.cost.onDemand.perMonth, 0)} ` +
      `on-demand Kinesis (${usd(p.cost.onDemand.per1k, 5)} per 1,000 events), ${usd(p.cost.provisioned.perMonth, 0)} ` +
      `provisioned (${usd(p.cost.provisioned.per1k, 5)} per 1,000 events)`,
  );
  if (p.exceeded.length === 0) console.log('every quota and per-item limit holds');
  else {
    console.log(`${p.exceeded.length} limit(s) passed:`);
    for (const c of p.exceeded)
      console.log(
        `  ${c.name}: needs ${n(c.need)} ${c.unit}, limit ${n(c.limit)} (${c.adjustable ? `raise quota ${c.quota}` : 'hard limit: change the design'})`,
      );
  }
}

const json = {
  events_per_sec: plan.eventsPerSec,
  regions: plan.regions,
  per_region: plan.perRegion,
  hottest_items: plan.hottestItems,
  exceeded: plan.exceeded.map((c) => ({
    name: c.name,
    need: c.need,
    limit: c.limit,
    unit: c.unit,
    quota: c.quota,
    adjustable: c.adjustable,
  })),
  monthly_cost_usd: {
    kinesis_on_demand: Math.round(plan.cost.onDemand.perMonth),
    kinesis_provisioned: Math.round(plan.cost.provisioned.perMonth),
  },
  cost_per_1k_events_usd: {
    kinesis_on_demand: Math.round(plan.cost.onDemand.per1k * 1e7) / 1e7,
    kinesis_provisioned: Math.round(plan.cost.provisioned.per1k * 1e7) / 1e7,
  },
  assumptions: plan.assumptions,
  command: `npm run capacity -- ${process.argv.slice(2).join(' ')}`.trim(),
};
if (args.json) console.log(JSON.stringify(json, null, 2));
else print(plan);

if (!args['no-write']) {
  const per1k = (v: number) => Math.round(((v * 1000) / measured.usage.events) * 10) / 10;
  const keyClasses = measured.keyClasses as Record<KeyClass, { writes: number; writeUnits: number }>;
  writeFileSync(
    resultsFile,
    `${JSON.stringify(
      {
        ...previous,
        capacity: {
          ...json,
          measured,
          measured_per_1k_events: {
            dynamodb_requests: per1k(Object.values(measured.dynamodbRequests).reduce((a, b) => a + b, 0)),
            dynamodb_write_units: per1k(measured.usage.dynamodb.writeUnits),
            key_class_writes: Object.fromEntries(
              Object.entries(keyClasses).map(([k, c]) => [k, per1k(c.writes)]),
            ),
          },
        },
      },
      null,
      2,
    )}\n`,
  );
  console.error(`written to ${resultsFile} (capacity)`);
}
process.exitCode = plan.exceeded.length > 0 ? 1 : 0;
