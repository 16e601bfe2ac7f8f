/**
 * `npx tsx scripts/bench-reports.ts`: the spend reports (SPEC §8) on a large local lake, and what Athena
 * would scan for them.
 *   1. writes a synthetic 30-day lake of one app: N events (default 1,000,000; a fifth of them installs,
 *      the rest opens, sessions and purchases) as attribution rows, plus daily spend of 7 campaigns in 2
 *      countries and EUR→USD rates, in the Hive layout local mode uses;
 *   2. runs the 30-day performance report (by network, campaign) and cohort report (retention, days
 *      0,1,3,7,14,30) through DuckDB `--runs` times each: p50 and p95;
 *   3. converts the 30 `attributions` partitions to Parquet with Snappy (what Firehose delivers in the
 *      cloud) and sums the compressed column chunks the queries read: the bytes Athena would scan for the
 *      30-day performance report (partition projection prunes to these partitions; Parquet to these columns).
 *   npx tsx scripts/bench-reports.ts -- --events 1000000 --runs 7
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { costLakeRow, costObjectKey, fxRateObjectKey } from '../src/adapters/s3/spend-lake.js';
import { cohortReport, performanceReport, type ReportLake } from '../src/app/performance.js';
import { normaliseCostRow } from '../src/domain/spend.js';
import { DEMO_NETWORKS, demoSpend } from '../src/local/demo-traffic.js';
import { LocalLakeQueries } from '../src/local/lake-sql.js';
import { seededRandom } from '../src/local/seeded-random.js';

const { values: args } = parseArgs({
  options: { events: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '7' } },
});
const TENANT = 'bench';
const APP = 'com.bench.game';
const DAYS = 30;
const DAY_MS = 86_400_000;
const end = Date.parse('2026-11-30T00:00:00Z');
const start = end - DAYS * DAY_MS;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

function writeLake(dir: string, events: number): number {
  const random = seededRandom(11);
  const campaigns = Object.entries(DEMO_NETWORKS).flatMap(([network, cs]) =>
    cs.map((c) => [network, c] as const),
  );
  const files = new Map<string, string[]>();
  const push = (day: string, row: unknown) => {
    const key = `attributions/tenant_id=${TENANT}/app_id=${APP}/dt=${day}/bench.json`;
    const lines = files.get(key) ?? [];
    lines.push(JSON.stringify(row));
    files.set(key, lines);
  };
  const installs = Math.round(events / 5);
  let written = 0;
  for (let i = 0; i < installs; i++) {
    const installMs = start + Math.floor(random() * DAYS * DAY_MS);
    const organic = random() < 0.3;
    const [network, campaign] = campaigns[Math.floor(random() * campaigns.length)] ?? ['meta', 'spring_sale'];
    const deviceId = `d${i}`;
    const base = {
      device_id: deviceId,
      kind: 'install',
      network: organic ? null : network,
      campaign: organic ? null : campaign,
      adset: null,
      ad: null,
      country: random() < 0.6 ? 'US' : 'DE',
      platform: random() < 0.7 ? 'android' : 'ios',
      fraud: [],
    };
    const decided = new Date(installMs).toISOString();
    push(dayOf(installMs), {
      ...base,
      event_id: `i${i}`,
      subject: 'install',
      event_name: 'install',
      status: organic ? 'organic' : random() < 0.03 ? 'rejected' : 'attributed',
      install_time: decided,
      timestamp: decided,
      decided_at: decided,
    });
    written++;
    for (let e = 0; e < 4 && written < events; e++) {
      const atMs = installMs + Math.floor(random() * random() * 20 * DAY_MS);
      if (atMs >= end) continue;
      const purchase = random() < 0.1;
      push(dayOf(atMs), {
        ...base,
        event_id: `e${i}-${e}`,
        subject: 'event',
        event_name: purchase ? 'purchase' : random() < 0.5 ? 'open' : 'session',
        status: organic ? 'organic' : 'attributed',
        timestamp: new Date(atMs).toISOString(),
        revenue_amount: purchase ? Math.round(random() * 2000) / 100 : null,
        revenue_currency: purchase ? 'USD' : null,
        decided_at: new Date(atMs).toISOString(),
      });
      written++;
    }
  }
  for (const [key, lines] of files) {
    const path = join(dir, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${lines.join('\n')}\n`);
  }
  const { costs, rates } = demoSpend({ seed: 3, nowMs: end - DAY_MS, days: DAYS });
  for (const c of costs.map((row) => normaliseCostRow(row))) {
    const path = join(dir, costObjectKey(TENANT, APP, c));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(costLakeRow(c, end))}\n`);
  }
  for (const r of rates) {
    const path = join(dir, fxRateObjectKey(TENANT, r));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(
      path,
      `${JSON.stringify({ day: r.date, from_currency: r.from, to_currency: r.to, rate: r.rate })}\n`,
    );
  }
  return written;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-reports-'));
  const runs = Number(args.runs);
  try {
    const t0 = performance.now();
    const written = writeLake(dir, Number(args.events));
    console.log(
      `lake: ${written} events (attribution rows) over ${DAYS} days, written in ${Math.round(performance.now() - t0)} ms`,
    );
    const local = new LocalLakeQueries(dir);
    const lake: ReportLake = { run: (q, p) => local.report(q, p) };
    const scope = {
      tenantId: TENANT,
      appId: APP,
      fromDay: dayOf(start),
      toDay: dayOf(end - DAY_MS),
      currency: 'USD',
    };
    const measure = async (name: string, run: () => Promise<unknown[]>) => {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        rows = (await run()).length;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      console.log(
        `${name}: ${rows} rows, p50 ${Math.round(percentile(times, 50))} ms, p95 ${Math.round(percentile(times, 95))} ms (${runs} runs)`,
      );
    };
    await measure('performance 30 days by network,campaign', () =>
      performanceReport(lake, { ...scope, groupBy: ['network', 'campaign'] }),
    );
    await measure('cohorts 30 days retention by network', () =>
      cohortReport(lake, { ...scope, groupBy: ['network'], days: [0, 1, 3, 7, 14, 30], metric: 'retention' }),
    );
    // What Athena would scan: the 30 attributions partitions as Snappy Parquet, columns the query reads.
    const parquet = join(dir, 'parquet');
    mkdirSync(parquet, { recursive: true });
    await local.sql(
      `COPY (SELECT * EXCLUDE (tenant_id, app_id) FROM attributions) TO '${parquet}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (dt))`,
    );
    const used = [
      'device_id',
      'subject',
      'status',
      'kind',
      'network',
      'campaign',
      'adset',
      'ad',
      'country',
      'platform',
      'revenue_amount',
      'revenue_currency',
      'decided_at',
    ];
    const [sizes] = await local.sql(
      `SELECT SUM(total_compressed_size) AS used, (SELECT SUM(total_compressed_size) FROM parquet_metadata('${parquet}/**/*.parquet')) AS whole
       FROM parquet_metadata('${parquet}/**/*.parquet') WHERE path_in_schema IN (${used.map((c) => `'${c}'`).join(', ')})`,
    );
    const jsonBytes = (await local.sql(`SELECT SUM(size) AS s FROM read_blob('${dir}/costs/**/*.json')`))[0]
      ?.s;
    const mb = (n: unknown) => `${(Number(n) / 1e6).toFixed(1)} MB`;
    console.log(
      `Athena, 30-day performance report: attributions Parquet ${mb(sizes?.used)} in the columns read (${mb(sizes?.whole)} whole), costs JSON ${mb(jsonBytes)}; fx_rates and erasures a few KB`,
    );
    await local.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
