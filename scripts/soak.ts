/**
 * `npm run soak -- --events N [--seed S] [--faults all|none|list] [--json]`: the soak and fault-injection
 * harness (docs/reliability.md). Drives N records through local mode while injecting faults, then
 * reconciles the stores against what the API accepted; exits 1 on any loss or duplicate.
 *   --shards, --batch-size, --concurrency: the local stream's shards, the consumer's batch size, and
 *   requests in flight. --results FILE merges the summary into FILE under `soak`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { runSoak, type SoakSummary } from '../src/local/soak/driver.js';
import { parseFaults } from '../src/local/soak/faults.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
    faults: { type: 'string', default: 'all' },
    shards: { type: 'string', default: '4' },
    'batch-size': { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
    /** Merges the summary into this JSON file under `soak` (e.g. bench/results.json). */
    results: { type: 'string' },
  },
});

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`--${name}: expected a positive integer, got ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return n;
}

function printSummary(summary: SoakSummary): void {
  const checks = new Table({ head: ['check', 'expected', 'actual', 'lost', 'duplicated', 'ok'] });
  for (const c of summary.report.checks) {
    checks.push([
      c.note ? `${c.check}\n  (${c.note})` : c.check,
      String(c.expected),
      String(c.actual),
      String(c.lost),
      String(c.duplicated),
      c.ok ? 'yes' : 'NO',
    ]);
  }
  const injected = new Table({ head: ['fault', 'injected'] });
  for (const [kind, n] of Object.entries(summary.injected)) injected.push([kind, String(n)]);
  console.log(
    `\nsoak: ${summary.records} records, seed ${summary.seed}, faults: ${summary.faults.join(', ') || 'none'}`,
  );
  console.log(
    `workload: ${summary.workload.clicks} clicks, ${summary.workload.impressions} impressions, ${summary.workload.installs} installs, ${summary.workload.inAppEvents} in-app events`,
  );
  console.log(
    `http: ${summary.http.requests} requests, ${summary.http.attempts} attempts, statuses ${JSON.stringify(summary.http.statuses)}`,
  );
  console.log(
    `pipeline: ${summary.seconds} s (${summary.recordsPerSecond} records/s end to end), ${summary.shards} shards, consumer batch ${summary.batchSize}`,
  );
  console.log(injected.toString());
  console.log(checks.toString());
  console.log(
    summary.report.ok
      ? `PASS: 0 lost, 0 duplicated`
      : `FAIL: ${summary.report.lost} lost, ${summary.report.duplicated} duplicated`,
  );
}

// Injected faults make the handlers log errors by design; the summary reports them. LOG_LEVEL overrides.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const events = positive('events', args.events);
const bar = args.json
  ? undefined
  : new cliProgress.SingleBar(
      {
        format: '|{bar}| {percentage}% {phase}: {accepted} accepted, {value} consumed of {total}',
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      },
      cliProgress.Presets.shades_classic,
    );
bar?.start(events, 0, { phase: 'starting', accepted: 0 });
try {
  const summary = await runSoak({
    events,
    seed: positive('seed', args.seed),
    faults: parseFaults(args.faults ?? 'all'),
    shards: positive('shards', args.shards),
    batchSize: positive('batch-size', args['batch-size']),
    concurrency: positive('concurrency', args.concurrency),
    onProgress: (p) => bar?.update(Math.min(p.total, p.consumed), { phase: p.phase, accepted: p.accepted }),
    log: (line) => process.stderr.write(`\n${line}\n`),
  });
  bar?.update(events, { phase: 'done' });
  bar?.stop();
  if (args.json) console.log(JSON.stringify(summary, null, 2));
  else printSummary(summary);
  if (args.results) {
    // Read-modify-write: the file holds other benchmarks' keys too.
    const previous = existsSync(args.results)
      ? (JSON.parse(readFileSync(args.results, 'utf8')) as Record<string, unknown>)
      : {};
    const soak = {
      ...summary,
      machine: {
        cpu: cpus()[0]?.model,
        cores: cpus().length,
        load_average_1m_at_end: Math.round((loadavg()[0] ?? 0) * 100) / 100,
        node: process.version,
        date: new Date().toISOString(),
      },
    };
    writeFileSync(args.results, `${JSON.stringify({ ...previous, soak }, null, 2)}\n`);
    console.log(`summary merged into ${args.results} (key "soak")`);
  }
  process.exitCode = summary.report.ok ? 0 : 1;
} catch (error) {
  bar?.stop();
  process.stderr.write(`soak failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
}
