/**
 * `npm run demo`: realistic traffic for the demo tenant through the running local platform (or one it
 * starts), with a progress bar, then the attribution report as a table.
 *   npm run demo -- --devices 5000 --seed 7
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { CLICK_FLOOD_NETWORK, type DemoPlan, demoPlan, demoSpend } from '../src/local/demo-traffic.js';

interface LocalFacts {
  endpoint: string;
  adminToken: string;
  tenants: { tenantId: string; apps: { appId: string; apiKey: string }[] }[];
}

const { values: args } = parseArgs({
  options: { devices: { type: 'string', default: '2000' }, seed: { type: 'string', default: '42' } },
});
const factsFile = join(process.cwd(), '.unmogrowp', 'local.json');

async function reachable(facts: LocalFacts): Promise<boolean> {
  try {
    const res = await fetch(`${facts.endpoint}/health`);
    return res.ok;
  } catch {
    return false;
  }
}

async function ensurePlatform(): Promise<{ facts: LocalFacts; child?: ChildProcess }> {
  if (existsSync(factsFile)) {
    const facts = JSON.parse(readFileSync(factsFile, 'utf8')) as LocalFacts;
    if (await reachable(facts)) return { facts };
    rmSync(factsFile);
  }
  console.log('No local platform is running: starting one (npm start)…');
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 200));
    if (existsSync(factsFile)) {
      const facts = JSON.parse(readFileSync(factsFile, 'utf8')) as LocalFacts;
      if (await reachable(facts)) return { facts, child };
    }
  }
  child.kill('SIGINT');
  throw new Error('local platform did not start within 120 s');
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The demo networks' spend of the last week and the EUR→USD rates (SPEC §8), so ROAS means something. */
async function loadDemoSpend(base: string, token: string, tenantId: string, appId: string) {
  const { costs, rates } = demoSpend({ seed: Number(args.seed), nowMs: Date.now(), days: 7 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const fx = await fetch(`${base}/v1/tenants/${encodeURIComponent(tenantId)}/fx-rates`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ rates }),
  });
  if (fx.status !== 200) throw new Error(`PUT fx-rates: ${fx.status} ${await fx.text()}`);
  for (const batch of chunks(costs, 1000)) {
    const res = await fetch(`${base}/v1/costs/${encodeURIComponent(appId)}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ costs: batch }),
    });
    if (res.status !== 200) throw new Error(`POST costs: ${res.status} ${await res.text()}`);
  }
  console.log(`\nSpend: ${costs.length} cost rows and ${rates.length} EUR→USD rates loaded`);
}

async function main() {
  const { facts, child } = await ensurePlatform();
  const tenant = facts.tenants[0];
  const app = tenant?.apps[0];
  if (!tenant || !app) throw new Error(`${factsFile} lists no tenant with an app`);
  const base = facts.endpoint;
  const keyHeaders = { 'content-type': 'application/json', 'x-api-key': app.apiKey };
  const plan = demoPlan({ devices: Number(args.devices), seed: Number(args.seed), nowMs: Date.now() });
  const total =
    plan.touchpoints.length +
    plan.trackingLinkClicks.length +
    plan.events.length +
    plan.retargetingTouchpoints.length +
    plan.lateEvents.length;

  const bar = new cliProgress.SingleBar(
    {
      format: 'demo traffic |{bar}| {value}/{total} {stage}',
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { stage: 'touchpoints' });
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: keyHeaders,
      body: JSON.stringify(body),
    });
    if (res.status !== 202) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { accepted: number; rejected: unknown[] };
  };
  const rejected: unknown[] = [];

  for (const batch of chunks(plan.touchpoints, 500)) {
    rejected.push(...(await post('/v1/touchpoints', { touchpoints: batch })).rejected);
    bar.increment(batch.length);
  }
  bar.update({ stage: 'tracking links' });
  const referrers = new Map<number, string>();
  for (const click of plan.trackingLinkClicks) {
    const query = new URLSearchParams(click.query);
    const res = await fetch(`${base}/v1/click/${encodeURIComponent(app.appId)}?${query}`, {
      redirect: 'manual',
      headers: { 'user-agent': click.userAgent, 'x-forwarded-for': click.ip },
    });
    const location = res.headers.get('location') ?? '';
    const referrer = new URL(location, base).searchParams.get('referrer');
    if (referrer) referrers.set(click.deviceIndex, referrer);
    bar.increment();
  }
  bar.update({ stage: 'events' });
  const resolveReferrer = (e: Record<string, unknown> & { deviceIndex: number }) => {
    const { deviceIndex, ...event } = e;
    if (event.install_referrer === 'fromTrackingLink') {
      const referrer = referrers.get(deviceIndex);
      if (referrer) event.install_referrer = referrer;
      else delete event.install_referrer;
    }
    return event;
  };
  for (const batch of chunks(plan.events, 500)) {
    rejected.push(...(await post('/v1/events', { events: batch.map(resolveReferrer) })).rejected);
    bar.increment(batch.length);
  }
  // Retargeting only re-credits devices whose install is known: let the pipeline catch up first.
  bar.update({ stage: 'waiting for the pipeline' });
  await waitForPipeline(base);
  bar.update({ stage: 'retargeting' });
  for (const batch of chunks(plan.retargetingTouchpoints, 500)) {
    rejected.push(...(await post('/v1/touchpoints', { touchpoints: batch })).rejected);
    bar.increment(batch.length);
  }
  await waitForPipeline(base);
  for (const batch of chunks(plan.lateEvents, 500)) {
    rejected.push(...(await post('/v1/events', { events: batch.map(resolveReferrer) })).rejected);
    bar.increment(batch.length);
  }
  bar.update({ stage: 'done' });
  bar.stop();
  await loadDemoSpend(base, facts.adminToken, tenant.tenantId, app.appId);
  await waitForPipeline(base);

  console.log(
    `\nScenarios: ${Object.entries(plan.scenarios)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  if (rejected.length > 0)
    console.log(`Rejected at the API: ${rejected.length} (first: ${JSON.stringify(rejected[0])})`);

  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const now = Date.now();
  const report = await fetch(
    `${base}/v1/reports/${encodeURIComponent(app.appId)}/installs?from=${day(now - 3 * 86_400_000)}&to=${day(now)}&group_by=network,campaign`,
    { headers: { authorization: `Bearer ${facts.adminToken}` } },
  );
  const body = (await report.json()) as { rows?: Record<string, unknown>[] };
  const rows = body.rows ?? [];
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const table = new Table({ head: columns });
  for (const row of rows) table.push(columns.map((c) => formatCell(row[c])));
  console.log(`\nInstall report for ${app.appId} (${tenant.tenantId}):`);
  console.log(table.toString());
  await showContractHighlights(base, app, plan, rows);
  console.log(`\nDashboard: ${base}/dashboard`);
  if (child) {
    child.kill('SIGINT');
  }
}

/**
 * What contract 1.1 (SPEC §4.1) changes, seen in this run: retargeting campaigns re-engaging while a
 * network flooding clicks on the same installed users earns nothing, and an install matched by the
 * click id a network put in the Play referrer.
 */
async function showContractHighlights(
  base: string,
  app: { appId: string; apiKey: string },
  plan: DemoPlan,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  const total = (network: string, metric: string) =>
    rows
      .filter((r) => r.network === network)
      .reduce((n, r) => n + (typeof r[metric] === 'number' ? (r[metric] as number) : 0), 0);
  const flooded = plan.retargetingTouchpoints.filter((t) => t.network === CLICK_FLOOD_NETWORK).length;
  console.log('\nRetargeting (only clicks marked retargeting: true re-engage installed users):');
  console.log(`  google_ads / winback   ${total('google_ads', 'reengagements')} re-engagements`);
  console.log(
    `  ${CLICK_FLOOD_NETWORK.padEnd(22)} ${total(CLICK_FLOOD_NETWORK, 'reengagements')} re-engagements from ${flooded} clicks on installed users (not retargeting: recorded, credits nothing)`,
  );
  const lookup = async (advertisingId: string | undefined) => {
    if (!advertisingId) return undefined;
    const res = await fetch(
      `${base}/v1/attribution/${encodeURIComponent(app.appId)}?advertising_id=${encodeURIComponent(advertisingId)}`,
      { headers: { 'x-api-key': app.apiKey } },
    );
    return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
  };
  const retargeted = await lookup(plan.highlights.retargetedDevice);
  if (retargeted) {
    console.log(
      `  one retargeted device: kind ${retargeted.kind}, network ${retargeted.network}, reengagement ${JSON.stringify(retargeted.reengagement ?? null)}`,
    );
  }
  const matched = await lookup(plan.highlights.networkClickIdDevice);
  if (matched) {
    console.log(
      `\nNetwork click id in the Play referrer (${plan.scenarios.network_click_id_referrer ?? 0} installs):`,
    );
    console.log(`  one device: ${matched.status} to ${matched.network}, match ${matched.match}`);
    const line = (matched.explanation as string[] | undefined)?.find((l) => l.startsWith('Rule 2'));
    if (line) console.log(`  ${line}`);
  }
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  // Revenue comes per currency: { USD: 63.92 } → "63.92 USD".
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, number>)
      .map(([currency, amount]) => `${Number(amount).toFixed(2)} ${currency}`)
      .join(', ');
  }
  return String(value);
}

/** Waits until the local consumer has handled everything sent so far. */
async function waitForPipeline(base: string): Promise<void> {
  const res = await fetch(`${base}/health?drain=1`);
  if (!res.ok) throw new Error(`the pipeline did not drain: ${res.status} ${await res.text()}`);
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${(error as Error).message}`);
  process.exit(1);
});
