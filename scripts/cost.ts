/**
 * `npm run cost`: the cost model. Runs a realistic workload through local mode with every AWS call,
 * API request and Lambda invocation metered, prices the usage with the dated us-east-1 list prices of
 * src/cost/prices.ts, prints dollars per 1,000 events by service for on-demand and provisioned Kinesis,
 * and merges the figures into bench/results.json (`cost_per_1k_events_usd`, `cost`).
 *   npm run cost -- --events 10000 --monthly-events 100000000 --regions 2
 * Method, workload and results: docs/cost.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { deploymentFor, resolveAssumptions } from '../src/cost/deployment.js';
import { biggestLine, type CostEstimate, estimateCost } from '../src/cost/model.js';
import { estimatePostbackCost } from '../src/cost/postbacks.js';
import { PRICES_AS_OF, PRICES_REGION, REFERENCE_COSTS_PER_1K_EVENTS } from '../src/cost/prices.js';
import { runCostWorkload } from '../src/cost/run.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '5000' },
    'monthly-events': { type: 'string', default: '100000000' },
    regions: { type: 'string', default: '2' },
    seed: { type: 'string', default: '7' },
    'no-write': { type: 'boolean', default: false },
  },
});
const resultsFile = 'bench/results.json';
const usd = (n: number, digits = 5) => `$${n.toFixed(digits)}`;
const pct = (n: number) => `${(n * 100).toFixed(1)} %`;

const run = await runCostWorkload({
  events: Number(args.events),
  seed: Number(args.seed),
  log: (line) => console.log(`· ${line}`),
});
const assumptions = resolveAssumptions({
  monthlyEvents: Number(args['monthly-events']),
  regions: Number(args.regions),
});
const lake = run.meter.lakeBytes();
const attributionParquetPerEvent =
  ((lake.byTable.attributions ?? 0) / Math.max(1, lake.json)) * (run.usage.lakeBytes / run.usage.events);
const onDemand = estimateCost(run.usage, deploymentFor('onDemand', attributionParquetPerEvent, assumptions));
const provisioned = estimateCost(
  run.usage,
  deploymentFor('provisioned', attributionParquetPerEvent, assumptions),
);
const per1k = (n: number) => (n * 1000) / run.usage.events;

console.log(
  `\nworkload: ${run.accepted} records accepted (${run.rejected} rejected), ${run.meter.api.requests} API requests, ` +
    `${run.consumed} records consumed, ${run.seconds.toFixed(0)} s`,
);
for (const [kind, n] of Object.entries(run.workload.mix)) console.log(`  ${kind.padEnd(34)} ${n}`);

const services = new Table({
  head: ['service', '$ / 1k (on-demand Kinesis)', 'share', '$ / 1k (provisioned)'],
});
for (const s of onDemand.byService) {
  const p = provisioned.byService.find((x) => x.service === s.service);
  services.push([s.service, usd(s.usdPer1k, 6), pct(s.share), usd(p?.usdPer1k ?? 0, 6)]);
}
services.push(['total', usd(onDemand.totalPer1k), '', usd(provisioned.totalPer1k)]);
console.log(`\ncost per 1,000 events, ${PRICES_REGION} list prices of ${PRICES_AS_OF} (src/cost/prices.ts)`);
console.log(services.toString());

const lines = new Table({ head: ['service', 'line', 'kind', '$ / 1k (on-demand)'] });
for (const l of [...onDemand.lines].sort((a, b) => b.usdPer1k - a.usdPer1k))
  lines.push([l.service, l.item, l.kind, usd(l.usdPer1k, 6)]);
console.log(lines.toString());

const u = run.usage;
const units = {
  api_requests: per1k(u.apiRequests),
  dynamodb_write_units: per1k(u.dynamodb.writeUnits),
  dynamodb_write_units_network_click_id_items: per1k(run.meter.networkClickIdItems.writeUnits),
  dynamodb_replicated_write_units_per_replica: per1k(u.dynamodb.replicatedWriteUnits),
  dynamodb_read_units: per1k(u.dynamodb.readUnits),
  dynamodb_written_bytes: per1k(u.dynamodb.writtenBytes),
  dynamodb_stored_bytes: per1k(u.dynamodb.storedBytes),
  kinesis_records: per1k(u.kinesis.records),
  kinesis_bytes: per1k(u.kinesis.bytes),
  kinesis_put_payload_units: per1k(u.kinesis.payloadUnits),
  firehose_raw_billed_bytes: per1k(u.firehose.raw?.billedBytes ?? 0),
  firehose_attributions_records: per1k(u.firehose.attributions?.records ?? 0),
  firehose_attributions_billed_bytes: per1k(u.firehose.attributions?.billedBytes ?? 0),
  lambda_invocations: per1k(Object.values(u.lambda).reduce((n, f) => n + f.invocations, 0)),
  lambda_gb_seconds: per1k(
    Object.values(u.lambda).reduce((n, f) => n + (f.billedDurationMs / 1000) * (f.memoryMb / 1024), 0),
  ),
  log_bytes: per1k(u.logBytes),
  lake_parquet_bytes: per1k(u.lakeBytes),
};
console.log('\nusage per 1,000 events');
for (const [k, v] of Object.entries(units))
  console.log(`  ${k.padEnd(44)} ${Math.round(v).toLocaleString('en')}`);

const biggest = biggestLine(onDemand);
const r = REFERENCE_COSTS_PER_1K_EVENTS;
console.log(
  `\ntotal per 1,000 events: ${usd(onDemand.totalPer1k)} (on-demand Kinesis), ${usd(provisioned.totalPer1k)} (provisioned, ` +
    `${assumptions.shardsPerRegion} shards a region), at ${assumptions.monthlyEvents.toLocaleString('en')} events a month ` +
    `in ${assumptions.regions} regions`,
);
console.log(
  `  beside: the seed $${r.seed.toFixed(2)}, the industry $${r.industryLow.toFixed(2)}–${r.industryHigh.toFixed(2)}; ` +
    `goal under $${r.goal.toFixed(2)}: ${onDemand.totalPer1k < r.goal ? 'met' : 'NOT met'}`,
);
if (biggest) console.log(`  biggest line: ${biggest.service}, ${biggest.item} (${usd(biggest.usdPer1k, 6)})`);

// Postbacks (SPEC §7): one partner postback and one webhook per install, priced per delivery.
const postbacks = estimatePostbackCost({
  installsPer1kEvents: (run.workload.devices * 1000) / Math.max(1, run.accepted),
  regions: assumptions.regions,
  monthlyEvents: assumptions.monthlyEvents,
});
const postbackLines = new Table({ head: ['postbacks: line', '$ / 1k events'] });
for (const l of postbacks.lines) postbackLines.push([l.item, usd(l.usdPer1k, 7)]);
postbackLines.push(['total added', usd(postbacks.totalPer1k, 6)]);
console.log(
  `\npostbacks: one partner postback and one webhook per install = ${postbacks.deliveriesPer1k.toFixed(0)} deliveries ` +
    `per 1,000 events (records of ${postbacks.recordBytes.join(' and ')} bytes; src/cost/postbacks.ts)`,
);
console.log(postbackLines.toString());
console.log(
  `  with postbacks: ${usd(onDemand.totalPer1k + postbacks.totalPer1k)} per 1,000 events (on-demand Kinesis)`,
);

const summary = (e: CostEstimate) => ({
  total: round(e.totalPer1k),
  per_month: Math.round(e.totalPerMonth * 100) / 100,
  by_service: Object.fromEntries(e.byService.map((s) => [s.service, round(s.usdPer1k)])),
});
function round(n: number) {
  return Math.round(n * 1e7) / 1e7;
}

if (!args['no-write']) {
  const previous = existsSync(resultsFile)
    ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>)
    : {};
  const result = {
    ...previous,
    cost_per_1k_events_usd: round(onDemand.totalPer1k),
    cost: {
      kinesis_on_demand: summary(onDemand),
      kinesis_provisioned: summary(provisioned),
      lines_on_demand: onDemand.lines.map((l) => ({ ...l, usdPer1k: round(l.usdPer1k) })),
      biggest_line: biggest ? `${biggest.service}: ${biggest.item}` : undefined,
      postbacks_added_per_1k: round(postbacks.totalPer1k),
      postback_deliveries_per_1k: Math.round(postbacks.deliveriesPer1k * 10) / 10,
      usage_per_1k_events: Object.fromEntries(
        Object.entries(units).map(([k, v]) => [k, Math.round(v * 10) / 10]),
      ),
      workload: {
        records_accepted: run.accepted,
        records_rejected: run.rejected,
        api_requests: run.meter.api.requests,
        mix: run.workload.mix,
        seconds: Math.round(run.seconds),
      },
      assumptions,
      prices_as_of: PRICES_AS_OF,
      region: PRICES_REGION,
      reference: REFERENCE_COSTS_PER_1K_EVENTS,
      machine: {
        cpu: cpus()[0]?.model,
        cores: cpus().length,
        load_average_1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
        node: process.version,
        date: new Date().toISOString(),
      },
    },
  };
  writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwritten to ${resultsFile}`);
}
