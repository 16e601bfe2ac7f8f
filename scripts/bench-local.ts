/**
 * `npm run bench:local`: the whole local pipeline, measured.
 *   1. throughput: N events (default 100,000: clicks, impressions, installs, in-app events) over HTTP,
 *      from the first request to the last attribution written (the stream drained);
 *   2. latency of `POST /v1/events` (batches of 50) at a steady rate, with autocannon.
 * Merges its figures into bench/results.json.  `npm run bench:local -- --events 20000 --rate 50`
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import cliProgress from 'cli-progress';
import { demoPlan } from '../src/local/demo-traffic.js';
import { startLocalPlatform } from '../src/local/platform.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '40' },
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '4' },
    'batch-size': { type: 'string', default: '100' },
  },
});
const target = Number(args.events);
const resultsFile = 'bench/results.json';

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

const platform = await startLocalPlatform({
  port: 0,
  batchSize: Number(args['batch-size']),
  log: (line) => console.log(`· ${line}`),
});
try {
  const app = platform.facts.tenants[0]?.apps[0];
  if (!app) throw new Error('no demo app');
  const headers = { 'content-type': 'application/json', 'x-api-key': app.apiKey };

  // A realistic mix of touchpoints, installs and purchases (about 2.5 records per device), cut at N.
  const plan = demoPlan({ devices: Math.ceil(target / 2), nowMs: Date.now(), seed: 7 });
  const strip = ({ deviceIndex: _, install_referrer: __, ...event }: Record<string, unknown>) => event;
  const requests: { path: string; body: string; count: number }[] = [];
  const touchpoints = [...plan.touchpoints];
  const events = plan.events.map(strip);
  let remaining = target;
  for (let i = 0; i < touchpoints.length && remaining > 0; i += 500) {
    const batch = touchpoints.slice(i, i + Math.min(500, remaining));
    remaining -= batch.length;
    requests.push({
      path: '/v1/touchpoints',
      body: JSON.stringify({ touchpoints: batch }),
      count: batch.length,
    });
  }
  for (let i = 0; i < events.length && remaining > 0; i += 500) {
    const batch = events.slice(i, i + Math.min(500, remaining));
    remaining -= batch.length;
    requests.push({ path: '/v1/events', body: JSON.stringify({ events: batch }), count: batch.length });
  }
  const total = requests.reduce((n, r) => n + r.count, 0);

  console.log(`\n1. throughput: ${total} records through HTTP → Kinesis → consumer → DynamoDB + lake`);
  const bar = new cliProgress.SingleBar(
    { format: '   |{bar}| {value}/{total} records {stage}', noTTYOutput: true, notTTYSchedule: 10_000 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total * 2, 0, { stage: 'sent' });
  const started = performance.now();
  let next = 0;
  let accepted = 0;
  // Touchpoints first, as ad networks report clicks before the installs they cause.
  const send = async () => {
    while (next < requests.length) {
      const request = requests[next++];
      if (!request) break;
      const res = await fetch(`${platform.endpoint}${request.path}`, {
        method: 'POST',
        headers,
        body: request.body,
      });
      const answer = (await res.json()) as { accepted?: number };
      accepted += answer.accepted ?? 0;
      bar.increment(request.count);
    }
  };
  await Promise.all(Array.from({ length: Number(args.concurrency) }, send));
  const sentMs = performance.now() - started;
  const progress = setInterval(
    () => bar.update(total + Math.min(total, platform.stats.consumedRecords), { stage: 'consumed' }),
    500,
  );
  await platform.drain(3_600_000);
  clearInterval(progress);
  bar.update(total * 2, { stage: 'consumed' });
  bar.stop();
  const pipelineMs = performance.now() - started;
  const throughput = {
    records: total,
    accepted,
    consumer_batch_size: Number(args['batch-size']),
    ingest_records_per_sec: Math.round(total / (sentMs / 1000)),
    pipeline_records_per_sec: Math.round(total / (pipelineMs / 1000)),
    pipeline_seconds: Math.round(pipelineMs / 100) / 10,
  };
  console.log(`   ${JSON.stringify(throughput)}`);

  console.log(`\n2. latency: POST /v1/events, batches of 50, ${args.rate} requests/s for ${args.seconds} s`);
  let sequence = 0;
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const nowIso = new Date().toISOString();
  let finished: (value?: unknown) => void = () => undefined;
  const done = new Promise((r) => {
    finished = r;
  });
  const instance = autocannon(
    {
      url: `${platform.endpoint}/v1/events`,
      method: 'POST',
      headers,
      connections: 10,
      overallRate: Number(args.rate),
      duration: Number(args.seconds),
      requests: [
        {
          setupRequest: (request) => {
            const batch = sequence++;
            const body = JSON.stringify({
              events: Array.from({ length: 50 }, (_, i) => ({
                event_id: `latency-${batch}-${i}`,
                type: i === 0 ? 'install' : 'session',
                timestamp: nowIso,
                device: {
                  platform: 'android',
                  advertising_id: `00000000-0000-4000-8000-${String(batch).padStart(12, '0')}`,
                },
              })),
            });
            return { ...request, body };
          },
        },
      ],
    },
    (error) => finished(error),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
  });
  await done;
  latencies.sort((a, b) => a - b);
  const latency = {
    requests: latencies.length,
    rate_per_sec: Number(args.rate),
    batch_size: 50,
    p50_ms: Math.round(percentile(latencies, 50) * 10) / 10,
    p95_ms: Math.round(percentile(latencies, 95) * 10) / 10,
    p99_ms: Math.round(percentile(latencies, 99) * 10) / 10,
    statuses: Object.fromEntries(statuses),
  };
  console.log(`   ${JSON.stringify(latency)}`);

  const previous = existsSync(resultsFile)
    ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>)
    : {};
  writeFileSync(
    resultsFile,
    `${JSON.stringify(
      {
        ...previous,
        local_pipeline: {
          ...throughput,
          machine: {
            cpu: cpus()[0]?.model,
            cores: cpus().length,
            node: process.version,
            date: new Date().toISOString(),
          },
        },
        local_events_post_latency: latency,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwritten to ${resultsFile}`);
} finally {
  await platform.stop();
}
