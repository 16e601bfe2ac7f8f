import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cohortReport, performanceReport, type ReportLake } from '../app/performance.js';
import { REPORT_QUERIES } from '../definitions/queries.js';
import type { LocalLakeQueries } from './lake-sql.js';
import type { PostbackDestinationStats } from './postback-stats.js';

/**
 * The local dashboard page (`/dashboard`): attribution outcomes over time by network and campaign, fraud
 * rejections, pipeline lag and throughput, drawn with Chart.js from the same lake queries the reports use.
 */

export interface DashboardSources {
  readonly stats: {
    readonly batches: readonly { atMs: number; records: number; failed: number; lagMs: number }[];
  };
  /** The lake queries the panels read (`LocalLakeQueries` in local mode). */
  readonly lake: Pick<LocalLakeQueries, 'sql' | 'report'>;
  /** Postback deliveries by destination. @default no postback panel data */
  readonly postbacks?: { summary(filter: { tenantId: string; appId: string }): PostbackDestinationStats[] };
  readonly facts: { readonly tenants: readonly { tenantId: string; apps: readonly { appId: string }[] }[] };
}

export interface DashboardData {
  readonly tenantId: string;
  readonly appId: string;
  /** Install decisions per hour of install time, by network and status. */
  readonly outcomes: { hour: string; network: string; status: string; installs: number }[];
  /** Installs by network and campaign over the range (named query `installs-by-network-campaign-daily`). */
  readonly campaigns: { network: string; campaign: string; installs: number; rejected: number }[];
  /** Rejected installs by fraud reason (named query `fraud-rejections-by-reason`). */
  readonly fraud: { reason: string; network: string; rejected: number }[];
  /** Consumer throughput (records per 10 s) and lag (max ms from arrival on the stream to handling). */
  readonly pipeline: { at: string; records: number; maxLagMs: number }[];
  /** Postbacks and webhooks: sent, failed (retried), dead and latency by destination. */
  readonly postbacks: PostbackDestinationStats[];
  /** ROAS by network and campaign over the range, in USD (the performance report of SPEC §8). */
  readonly roas: {
    network: string;
    campaign: string;
    spend: number | null;
    revenue: number | null;
    roas: number | null;
  }[];
  /** Retention of each install-day cohort by day since install (the cohort report of SPEC §8). */
  readonly cohorts: { cohortDay: string; installs: number; retention: Record<string, number | null> }[];
}

/** Days since install the heat-map shows. */
export const DASHBOARD_COHORT_DAYS = [0, 1, 2, 3, 7] as const;

const OUTCOMES_SQL = `SELECT substr(install_time, 1, 13) AS hour,
       COALESCE(network, 'organic') AS network,
       status,
       COUNT(*) AS installs
FROM attributions
WHERE tenant_id = ? AND app_id = ? AND dt >= ? AND substr(timestamp, 1, 10) BETWEEN ? AND ? AND subject = 'install'
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3`;

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

type Row = Record<string, unknown>;

/** The lake rows behind the dashboard's panels, queried at once over the last `days` days. */
async function queryLake(
  sources: DashboardSources,
  tenantId: string,
  appId: string,
  days: number,
  now: number,
) {
  const params = { tenantId, appId, fromDay: day(now - days * 86_400_000), toDay: day(now + 86_400_000) };
  // `dt` is the arrival day: an event of fromDay may have arrived the day before (clock ahead).
  const values = [
    params.tenantId,
    params.appId,
    day(now - (days + 1) * 86_400_000),
    params.fromDay,
    params.toDay,
  ];
  const reportLake: ReportLake = { run: (query, parameters) => sources.lake.report(query, parameters) };
  const scope = { tenantId, appId, fromDay: params.fromDay, toDay: params.toDay, currency: 'USD' };
  const [outcomes, installs, fraud, performance, cohorts] = await Promise.all([
    sources.lake.sql(OUTCOMES_SQL, values),
    sources.lake.report(REPORT_QUERIES.installsByNetworkCampaignDaily, params),
    sources.lake.report(REPORT_QUERIES.fraudRejectionsByReason, params),
    performanceReport(reportLake, { ...scope, groupBy: ['network', 'campaign'] }),
    cohortReport(reportLake, {
      ...scope,
      groupBy: [],
      days: DASHBOARD_COHORT_DAYS,
      metric: 'retention',
      asOfMs: now,
    }),
  ]);
  return { outcomes, installs, fraud, performance, cohorts };
}

/** Daily installs by network and campaign, summed over the range, most installs first. */
function campaignTotals(installs: readonly Row[]): DashboardData['campaigns'] {
  const campaigns = new Map<
    string,
    { network: string; campaign: string; installs: number; rejected: number }
  >();
  for (const row of installs) {
    const key = `${row.network}/${row.campaign}`;
    const entry = campaigns.get(key) ?? {
      network: String(row.network),
      campaign: String(row.campaign),
      installs: 0,
      rejected: 0,
    };
    entry.installs += Number(row.installs);
    entry.rejected += Number(row.rejected);
    campaigns.set(key, entry);
  }
  return [...campaigns.values()].sort((a, b) => b.installs - a.installs);
}

/** Consumer batches in 10-second buckets: records handled and the largest lag. */
function pipelineBuckets(batches: DashboardSources['stats']['batches']): DashboardData['pipeline'] {
  const buckets = new Map<number, { records: number; maxLagMs: number }>();
  for (const b of batches) {
    const at = Math.floor(b.atMs / 10_000) * 10_000;
    const entry = buckets.get(at) ?? { records: 0, maxLagMs: 0 };
    entry.records += b.records;
    entry.maxLagMs = Math.max(entry.maxLagMs, b.lagMs);
    buckets.set(at, entry);
  }
  return [...buckets]
    .sort(([a], [b]) => a - b)
    .map(([at, v]) => ({ at: new Date(at).toISOString(), records: v.records, maxLagMs: v.maxLagMs }));
}

/** Campaigns with spend: their ROAS. */
function roasRows(performance: Awaited<ReturnType<typeof performanceReport>>): DashboardData['roas'] {
  return performance
    .filter((r) => r.spend !== null && r.spend > 0)
    .map((r) => ({
      network: r.dimensions.network ?? '',
      campaign: r.dimensions.campaign ?? '',
      spend: r.spend,
      revenue: r.revenue,
      roas: r.roas,
    }));
}

export async function dashboardData(
  sources: DashboardSources,
  tenantId: string,
  appId: string,
  days = 3,
): Promise<DashboardData> {
  const lake = await queryLake(sources, tenantId, appId, days, Date.now());
  return {
    tenantId,
    appId,
    outcomes: lake.outcomes.map((r) => ({
      hour: String(r.hour),
      network: String(r.network),
      status: String(r.status),
      installs: Number(r.installs),
    })),
    campaigns: campaignTotals(lake.installs),
    fraud: lake.fraud.map((r) => ({
      reason: String(r.reason),
      network: String(r.network),
      rejected: Number(r.rejected),
    })),
    pipeline: pipelineBuckets(sources.stats.batches),
    postbacks: sources.postbacks?.summary({ tenantId, appId }) ?? [],
    roas: roasRows(lake.performance),
    cohorts: lake.cohorts.map((c) => ({
      cohortDay: c.cohortDay,
      installs: c.installs,
      retention: { ...c.values },
    })),
  };
}

function chartLibrary(): string {
  // The UMD build is not in the package's exports map: find it beside the package's main file.
  const require = createRequire(import.meta.url);
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

export function createDashboard(sources: DashboardSources) {
  const first = sources.facts.tenants[0];
  let library: string | undefined;
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (req.method !== 'GET') return false;
    if (url.pathname === '/dashboard' || url.pathname === '/dashboard/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
      return true;
    }
    if (url.pathname === '/dashboard/chart.js') {
      library ??= chartLibrary();
      res.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'max-age=3600',
      });
      res.end(library);
      return true;
    }
    if (url.pathname === '/dashboard/data') {
      const tenantId = url.searchParams.get('tenant') ?? first?.tenantId ?? 'demo';
      const appId = url.searchParams.get('app') ?? first?.apps[0]?.appId ?? '';
      const data = await dashboardData(sources, tenantId, appId);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(data));
      return true;
    }
    return false;
  };
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>UnMoGrowP — local dashboard</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #f5f6f8; color: #1d2330; }
  header { padding: 16px 24px; background: #1d2330; color: #fff; display: flex; gap: 24px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  main { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; padding: 16px 24px; }
  section { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  section h2 { font-size: 14px; margin: 0 0 8px; }
  canvas { width: 100% !important; height: 260px !important; }
  #status { font-size: 13px; opacity: .8; }
</style>
</head>
<body>
<header><h1>UnMoGrowP · local dashboard</h1><span id="status">loading…</span></header>
<main>
  <section><h2>Attribution outcomes over time (installs per hour, by network)</h2><canvas id="outcomes"></canvas></section>
  <section><h2>Installs by network and campaign</h2><canvas id="campaigns"></canvas></section>
  <section><h2>Fraud rejections by reason</h2><canvas id="fraud"></canvas></section>
  <section><h2>Pipeline throughput and lag</h2><canvas id="pipeline"></canvas></section>
  <section><h2>Postbacks by destination (sent, failed, dead; p95 latency ms)</h2><canvas id="postbacks"></canvas></section>
  <section><h2>ROAS by campaign (revenue / spend, USD)</h2><canvas id="roas"></canvas></section>
  <section><h2>Cohort retention (install day × days since install)</h2><canvas id="cohorts"></canvas></section>
</main>
<script src="/dashboard/chart.js"></script>
<script>
const palette = ['#3366cc','#dc3912','#ff9900','#109618','#990099','#0099c6','#dd4477','#66aa00','#b82e2e','#316395'];
const charts = {};
function draw(id, config) {
  if (charts[id]) { charts[id].data = config.data; charts[id].update('none'); return; }
  config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options || {});
  charts[id] = new Chart(document.getElementById(id), config);
}
/** A cohort heat-map on a plain canvas: one row per install day, one cell per day since install. */
function heatmap(canvas, cohorts) {
  const days = [${DASHBOARD_COHORT_DAYS.join(', ')}];
  const ctx = canvas.getContext('2d');
  const ratio = window.devicePixelRatio || 1;
  canvas.width = canvas.clientWidth * ratio; canvas.height = canvas.clientHeight * ratio;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const w = canvas.clientWidth, h = canvas.clientHeight, left = 110, top = 22;
  ctx.clearRect(0, 0, w, h);
  ctx.font = '12px system-ui'; ctx.fillStyle = '#1d2330'; ctx.textBaseline = 'middle';
  const cellW = (w - left) / days.length, cellH = Math.min(28, (h - top) / Math.max(1, cohorts.length));
  days.forEach((d, j) => ctx.fillText('day ' + d, left + j * cellW + 6, top / 2));
  let cells = 0;
  cohorts.forEach((c, i) => {
    const y = top + i * cellH;
    ctx.fillStyle = '#1d2330'; ctx.fillText(c.cohortDay + ' (' + c.installs + ')', 4, y + cellH / 2);
    days.forEach((d, j) => {
      const v = c.retention[d];
      ctx.fillStyle = v === null || v === undefined ? '#eee' : 'rgba(51, 102, 204, ' + (0.08 + 0.92 * v) + ')';
      ctx.fillRect(left + j * cellW + 1, y + 1, cellW - 2, cellH - 2);
      ctx.fillStyle = v > 0.5 ? '#fff' : '#1d2330';
      ctx.fillText(v === null || v === undefined ? '–' : Math.round(v * 100) + '%', left + j * cellW + 6, y + cellH / 2);
      cells++;
    });
  });
  canvas.dataset.cells = String(cells);
}
async function refresh() {
  const params = new URLSearchParams(location.search);
  const data = await (await fetch('/dashboard/data?' + params)).json();
  const hours = [...new Set(data.outcomes.map(r => r.hour))].sort();
  const networks = [...new Set(data.outcomes.map(r => r.network))].sort();
  draw('outcomes', { type: 'bar', data: { labels: hours.map(h => h.slice(5).replace('T', ' ') + 'h'),
    datasets: networks.map((n, i) => ({ label: n, backgroundColor: palette[i % palette.length],
      data: hours.map(h => data.outcomes.filter(r => r.hour === h && r.network === n && r.status !== 'rejected').reduce((s, r) => s + r.installs, 0)) })) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } });
  draw('campaigns', { type: 'bar', data: { labels: data.campaigns.map(c => c.network + ' / ' + c.campaign),
    datasets: [{ label: 'installs', backgroundColor: '#3366cc', data: data.campaigns.map(c => c.installs) },
               { label: 'rejected', backgroundColor: '#dc3912', data: data.campaigns.map(c => c.rejected) }] },
    options: { indexAxis: 'y', scales: { x: { beginAtZero: true } } } });
  const reasons = [...new Set(data.fraud.map(r => r.reason))].sort();
  draw('fraud', { type: 'doughnut', data: { labels: reasons,
    datasets: [{ data: reasons.map(r => data.fraud.filter(f => f.reason === r).reduce((s, f) => s + f.rejected, 0)),
      backgroundColor: reasons.map((_, i) => palette[(i + 1) % palette.length]) }] } });
  draw('pipeline', { type: 'line', data: { labels: data.pipeline.map(p => p.at.slice(11, 19)),
    datasets: [{ label: 'records / 10 s', borderColor: '#109618', data: data.pipeline.map(p => p.records), yAxisID: 'y' },
               { label: 'max lag (ms)', borderColor: '#ff9900', data: data.pipeline.map(p => p.maxLagMs), yAxisID: 'lag' }] },
    options: { scales: { y: { beginAtZero: true, position: 'left' }, lag: { beginAtZero: true, position: 'right' } } } });
  draw('postbacks', { type: 'bar', data: { labels: data.postbacks.map(p => p.destinationId),
    datasets: [{ label: 'sent', backgroundColor: '#109618', data: data.postbacks.map(p => p.sent) },
               { label: 'failed (retried)', backgroundColor: '#ff9900', data: data.postbacks.map(p => p.failed) },
               { label: 'dead', backgroundColor: '#dc3912', data: data.postbacks.map(p => p.dead) },
               { label: 'p95 latency (ms)', type: 'line', borderColor: '#3366cc', data: data.postbacks.map(p => p.p95LatencyMs), yAxisID: 'ms' }] },
    options: { scales: { y: { beginAtZero: true }, ms: { beginAtZero: true, position: 'right' } } } });
  draw('roas', { type: 'bar', data: { labels: data.roas.map(r => r.network + ' / ' + r.campaign),
    datasets: [{ label: 'ROAS', backgroundColor: '#0099c6', data: data.roas.map(r => r.roas) }] },
    options: { indexAxis: 'y', scales: { x: { beginAtZero: true } } } });
  heatmap(document.getElementById('cohorts'), data.cohorts);
  const total = data.campaigns.reduce((s, c) => s + c.installs, 0);
  document.getElementById('status').textContent = data.tenantId + ' / ' + data.appId + ' · ' + total + ' installs · updated ' + new Date().toLocaleTimeString();
  document.body.dataset.ready = 'true';
}
refresh().catch(e => { document.getElementById('status').textContent = 'error: ' + e.message; });
setInterval(() => refresh().catch(() => {}), 5000);
</script>
</body>
</html>`;
