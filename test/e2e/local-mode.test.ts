import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as runTokens } from '../../src/cli/tokens.js';
import { REPORT_QUERIES } from '../../src/definitions/queries.js';
import { DEMO_APP, type LocalPlatform, startLocalPlatform } from '../../src/local/platform.js';

/**
 * Local mode end to end (SPEC §2): real DynamoDB Local, kinesalite and s3rver, the Lambda handler
 * modules behind the local HTTP server, the consumer on the stream. Everything goes over HTTP.
 */

const ADID_CLICKED = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const ADID_S2S = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const ADID_ORGANIC = '0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f';
const ANDROID_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36';
/** Runs in the page: what Chart.js drew (the series behind each canvas) and the pixels painted. */
const INSPECT_CHARTS = `(() => {
  const chartOf = (id) => window.Chart.getChart(id);
  const painted = (id) => {
    const canvas = document.getElementById(id);
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) count++;
    return count;
  };
  const campaigns = chartOf('campaigns');
  return {
    outcomeNetworks: chartOf('outcomes').data.datasets.map((d) => d.label),
    campaignLabels: campaigns.data.labels,
    installs: campaigns.data.datasets[0].data,
    pipelinePoints: chartOf('pipeline').data.labels.length,
    paintedOutcomes: painted('outcomes'),
    roasLabels: chartOf('roas').data.labels,
    roas: chartOf('roas').data.datasets[0].data,
    heatmapCells: Number(document.getElementById('cohorts').dataset.cells),
    paintedHeatmap: painted('cohorts'),
    status: document.getElementById('status').textContent,
  };
})()`;
const iso = (ms: number) => new Date(ms).toISOString();
const today = () => iso(Date.now()).slice(0, 10);

let factsDir: string;
let platform: LocalPlatform;
let apiKey: string;
let base: string;

async function api(path: string, init: RequestInit & { key?: boolean; token?: boolean } = {}) {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
  if (init.body) headers['content-type'] = 'application/json';
  if (init.key) headers['x-api-key'] = apiKey;
  if (init.token) headers.authorization = `Bearer ${platform.facts.adminToken}`;
  return fetch(`${base}${path}`, { ...init, headers, redirect: 'manual' });
}

function installEvent(
  eventId: string,
  advertisingId: string,
  timestampMs: number,
  extra: Record<string, unknown> = {},
) {
  return {
    event_id: eventId,
    type: 'install',
    timestamp: iso(timestampMs),
    device: {
      platform: 'android',
      advertising_id: advertisingId,
      ip: '198.51.100.7',
      user_agent: ANDROID_UA,
    },
    ...extra,
  };
}

describe('local mode end to end', () => {
  beforeAll(async () => {
    factsDir = mkdtempSync(join(tmpdir(), 'ugp-e2e-'));
    platform = await startLocalPlatform({ port: 0, factsDir });
    base = platform.endpoint;
    const app = platform.facts.tenants[0]?.apps[0];
    if (!app) throw new Error('no demo app');
    apiKey = app.apiKey;
  });

  afterAll(async () => {
    await platform?.stop();
    rmSync(factsDir, { recursive: true, force: true });
  });

  it('writes local.json with the endpoint, an owner token and the demo app key', () => {
    const facts = JSON.parse(readFileSync(join(factsDir, 'local.json'), 'utf8'));
    expect(facts.endpoint).toBe(base);
    expect(facts.adminToken).toMatch(/^eyJ/);
    expect(facts.tenants).toEqual([
      { tenantId: 'demo', apps: [{ appId: DEMO_APP, apiKey: expect.any(String) }] },
    ]);
  });

  it('attributes installs to tracking-link and S2S clicks, leaves an unmatched one organic, and reports them', async () => {
    // The tracking link stamps its click with the server's clock; the SDK's events come a minute later
    // (event time may run up to 15 minutes ahead), well past the 10 s click-injection threshold.
    const now = Date.now();
    // Act: a tracking-link click (302 to the store with our click id in the Play referrer)…
    const click = await api(
      `/v1/click/${DEMO_APP}?network=meta&campaign=spring&adset=a1&ad=ad7&advertising_id=${ADID_CLICKED}`,
      { headers: { 'user-agent': ANDROID_UA } },
    );
    expect(click.status).toBe(302);
    const location = new URL(click.headers.get('location') ?? '');
    const referrer = location.searchParams.get('referrer') ?? '';
    expect(referrer).toMatch(/^ugp_click_id=/);
    // …an impression, a server-to-server click…
    expect(
      (await api(`/v1/impression/${DEMO_APP}?network=unity&campaign=video&advertising_id=${ADID_CLICKED}`))
        .status,
    ).toBe(204);
    const touch = await api('/v1/touchpoints', {
      method: 'POST',
      key: true,
      body: JSON.stringify({
        touchpoints: [
          {
            type: 'click',
            network: 'tiktok',
            campaign: 'creators',
            timestamp: iso(now - 3_600_000),
            device: { advertising_id: ADID_S2S },
          },
        ],
      }),
    });
    expect(touch.status).toBe(202);
    // …then the SDK's events: three installs and a purchase, plus one bad event that must be rejected alone.
    const events = await api('/v1/events', {
      method: 'POST',
      key: true,
      body: JSON.stringify({
        events: [
          installEvent('e2e-install-1', ADID_CLICKED, now + 60_000, { install_referrer: referrer }),
          installEvent('e2e-install-2', ADID_S2S, now + 50_000),
          installEvent('e2e-install-3', ADID_ORGANIC, now + 40_000),
          {
            event_id: 'e2e-purchase-1',
            type: 'purchase',
            timestamp: iso(now + 90_000),
            device: { platform: 'android', advertising_id: ADID_CLICKED },
            revenue: { amount: 4.99, currency: 'USD' },
          },
          { event_id: 'e2e-bad', type: 'install', timestamp: 'yesterday', device: {} },
        ],
      }),
    });
    expect(events.status).toBe(202);
    const accepted = (await events.json()) as { accepted: number; rejected: unknown[] };
    expect(accepted.accepted).toBe(4);
    expect(accepted.rejected).toEqual([expect.objectContaining({ index: 4, code: 'invalid_event' })]);

    await platform.drain();

    // Assess: attribution look-ups.
    const clicked = (await (
      await api(`/v1/attribution/${DEMO_APP}?advertising_id=${ADID_CLICKED}`, { key: true })
    ).json()) as { explanation: string[] };
    expect(clicked).toMatchObject({
      status: 'attributed',
      kind: 'install',
      network: 'meta',
      campaign: 'spring',
      match: 'click_id',
    });
    expect(clicked.explanation.length).toBeGreaterThan(1);
    const s2s = await (
      await api(`/v1/attribution/${DEMO_APP}?advertising_id=${ADID_S2S}`, { key: true })
    ).json();
    expect(s2s).toMatchObject({ status: 'attributed', network: 'tiktok', match: 'device_id' });
    const organic = await (
      await api(`/v1/attribution/${DEMO_APP}?advertising_id=${ADID_ORGANIC}`, { key: true })
    ).json();
    expect(organic).toMatchObject({ status: 'organic', match: 'none' });

    // Report rows from the aggregate counters.
    const report = await api(
      `/v1/reports/${DEMO_APP}/installs?from=${today()}&to=${today()}&group_by=network,campaign`,
      {
        token: true,
      },
    );
    expect(report.status).toBe(200);
    const rows = ((await report.json()) as { rows: Record<string, unknown>[] }).rows;
    const meta = rows.find((r) => r.network === 'meta' && r.campaign === 'spring');
    expect(meta).toMatchObject({ installs: 1 });
    expect(rows.find((r) => r.network === 'tiktok')).toMatchObject({ installs: 1 });

    // Lake files and the Athena named query over them.
    const lakeRows = await platform.lake.report(REPORT_QUERIES.installsByNetworkCampaignDaily, {
      tenantId: 'demo',
      appId: DEMO_APP,
      fromDay: today(),
      toDay: today(),
    });
    expect(lakeRows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ network: 'meta', campaign: 'spring', installs: '1' }),
        expect.objectContaining({ network: 'tiktok', installs: '1' }),
      ]),
    );
    const revenue = await platform.lake.report(REPORT_QUERIES.inAppRevenueBySource, {
      tenantId: 'demo',
      appId: DEMO_APP,
      fromDay: today(),
      toDay: today(),
    });
    expect(revenue).toEqual([expect.objectContaining({ network: 'meta', revenue: 4.99 })]);
  });

  it('answers a known path with another method 404 route_not_found, as the embedded stack and API Gateway do', async () => {
    const res = await fetch(`${base}/v1/events`, { method: 'DELETE' });

    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
  });

  it('serves the dashboard page and its data', async () => {
    const page = await fetch(`${base}/dashboard`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<canvas id="outcomes">');
    const data = (await (await fetch(`${base}/dashboard/data`)).json()) as {
      campaigns: unknown[];
      pipeline: unknown[];
    };
    expect(data.campaigns.length).toBeGreaterThan(0);
    expect(data.pipeline.length).toBeGreaterThan(0);
  });

  it('draws the dashboard charts in a real browser', async () => {
    // Spend of meta / spring, half of what its purchase brought: ROAS 0.5 on the chart.
    const costs = await api(`/v1/costs/${DEMO_APP}`, {
      method: 'POST',
      token: true,
      body: JSON.stringify({
        costs: [{ date: today(), network: 'meta', campaign: 'spring', spend: 9.98, currency: 'USD' }],
      }),
    });
    expect(costs.status).toBe(200);
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${base}/dashboard`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
      const screenshot = join(factsDir, 'dashboard.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(readFileSync(screenshot).length).toBeGreaterThan(10_000);
      // What Chart.js drew: the series behind each canvas, and painted pixels on it.
      const drawn = (await page.evaluate(INSPECT_CHARTS)) as {
        outcomeNetworks: string[];
        campaignLabels: string[];
        installs: number[];
        pipelinePoints: number;
        paintedOutcomes: number;
        roasLabels: string[];
        roas: number[];
        heatmapCells: number;
        paintedHeatmap: number;
        status: string;
      };
      expect(drawn.outcomeNetworks).toEqual(expect.arrayContaining(['meta', 'tiktok', 'organic']));
      expect(drawn.campaignLabels).toEqual(expect.arrayContaining(['meta / spring', 'tiktok / creators']));
      expect(drawn.installs.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3);
      expect(drawn.pipelinePoints).toBeGreaterThan(0);
      expect(drawn.paintedOutcomes).toBeGreaterThan(1000);
      expect(drawn.roasLabels).toEqual(['meta / spring']);
      expect(drawn.roas).toEqual([0.5]);
      expect(drawn.heatmapCells).toBeGreaterThanOrEqual(5);
      expect(drawn.paintedHeatmap).toBeGreaterThan(1000);
      expect(drawn.status).toMatch(/demo \/ com\.demo\.game · \d+ installs/);
    } finally {
      await browser.close();
    }
  });

  it('serves the API document and its page, and replays settings over the local lake', async () => {
    const document = await fetch(`${base}/v1/openapi.json`);
    expect(document.status).toBe(200);
    expect(((await document.json()) as { openapi: string }).openapi).toBe('3.1.0');
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");

    const replay = await fetch(`${base}/v1/reports/${DEMO_APP}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.facts.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { probabilistic_matching: { enabled: false } } }),
    });
    const body = (await replay.json()) as { decisions: number; records: { events: number } };
    expect(replay.status, JSON.stringify(body)).toBe(200);
    expect(body.records.events).toBeGreaterThan(0);
    expect(body.decisions).toBeGreaterThanOrEqual(3);
  });

  it('renders the API reference in a real browser with nothing loaded from elsewhere', async () => {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const requested: string[] = [];
      page.on('request', (request) => {
        requested.push(request.url());
      });
      await page.goto(`${base}/docs`);
      await page.getByText('UnMoGrowP HTTP API').first().waitFor({ timeout: 20_000 });
      await page.getByText('SDK or server event batch').first().waitFor({ timeout: 20_000 });
      const elsewhere = requested.filter((url) => !url.startsWith(base) && !url.startsWith('data:'));
      expect(elsewhere).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('npm start with UNMOGROWP_DATA_DIR', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;

  const children: ReturnType<typeof spawn>[] = [];
  // A failed assertion must not leave a platform running behind the test.
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  /** Runs `scripts/start.ts` as `npm start` does, in its own working directory; resolves once it serves. */
  async function startCommand(cwd: string, dataDir: string, env: Record<string, string> = {}) {
    const child = spawn(process.execPath, ['--import', tsx, join(root, 'scripts/start.ts')], {
      cwd,
      env: { ...process.env, PORT: '0', UNMOGROWP_DATA_DIR: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code: number | null) => r(code)));
    const factsFile = join(cwd, '.unmogrowp', 'local.json');
    for (let i = 0; i < 600 && !output.includes('UnMoGrowP is running'); i++) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const facts = JSON.parse(readFileSync(factsFile, 'utf8')) as LocalPlatform['facts'];
    return {
      facts,
      output: () => output,
      /** Ctrl-C, then the exit code. */
      async interrupt() {
        child.kill('SIGINT');
        return exited;
      },
    };
  }

  it('prints where everything is, stops everything on Ctrl-C, and finds the data again after a restart', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ugp-cwd-'));
    const dataDir = join(cwd, 'state');
    try {
      const first = await startCommand(cwd, dataDir);
      expect(first.output()).toContain(`API         ${first.facts.endpoint}`);
      const key = first.facts.tenants[0]?.apps[0]?.apiKey ?? '';
      const sent = await fetch(`${first.facts.endpoint}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ events: [installEvent('persist-1', ADID_ORGANIC, Date.now() - 10_000)] }),
      });
      expect(sent.status).toBe(202);
      expect((await fetch(`${first.facts.endpoint}/health?drain=1`)).status).toBe(200);
      expect(await first.interrupt()).toBe(0);
      expect(existsSync(join(cwd, '.unmogrowp', 'local.json'))).toBe(false);
      // Nothing it started outlives it (DynamoDB Local runs in a JVM of its own).
      expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toContain(dataDir);

      const second = await startCommand(cwd, dataDir);
      try {
        expect(second.facts.tenants[0]?.apps[0]?.apiKey).toBe(key);
        const found = await fetch(
          `${second.facts.endpoint}/v1/attribution/${DEMO_APP}?advertising_id=${ADID_ORGANIC}`,
          {
            headers: { 'x-api-key': key },
          },
        );
        expect(found.status).toBe(200);
        expect(await found.json()).toMatchObject({ status: 'organic', kind: 'install' });
      } finally {
        expect(await second.interrupt()).toBe(0);
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 180_000);

  it('honours UNMOGROWP_JWT_SECRET: tokens minted with it (tokens mint) pass, by role; unknown routes answer route_not_found', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ugp-cwd-'));
    const secret = 'a-local-secret-of-at-least-32-characters';
    try {
      const started = await startCommand(cwd, join(cwd, 'state'), { UNMOGROWP_JWT_SECRET: secret });
      const endpoint = started.facts.endpoint;
      const mintFor = async (role: string, env: Record<string, string>) => {
        const out: string[] = [];
        const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t), env, cwd };
        expect(await runTokens(['mint', '--tenant', 'demo', '--role', role, '--ttl', '10m'], io)).toBe(0);
        return out.join('').trim();
      };
      const analyst = await mintFor('analyst', { UNMOGROWP_JWT_SECRET: secret });
      const report = await fetch(
        `${endpoint}/v1/reports/${DEMO_APP}/installs?from=2026-11-01&to=2026-11-02`,
        {
          headers: { authorization: `Bearer ${analyst}` },
        },
      );
      expect(report.status).toBe(200);
      const write = await fetch(`${endpoint}/v1/tenants/demo/apps/${DEMO_APP}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${analyst}`, 'content-type': 'application/json' },
        body: JSON.stringify({ settings: { click_lookback_hours: 48 } }),
      });
      expect(write.status).toBe(403);
      // Without the variable, the CLI finds the running local mode's secret through local.json.
      const developer = await mintFor('developer', {});
      const read = await fetch(`${endpoint}/v1/tenants/demo/apps/${DEMO_APP}`, {
        headers: { authorization: `Bearer ${developer}` },
      });
      expect(read.status).toBe(200);
      const forged = await mintFor('owner', {
        UNMOGROWP_JWT_SECRET: 'another-secret-of-at-least-32-characters',
      });
      const refused = await fetch(`${endpoint}/v1/tenants/demo/apps/${DEMO_APP}`, {
        headers: { authorization: `Bearer ${forged}` },
      });
      expect(refused.status).toBe(401);
      const unknown = await fetch(`${endpoint}/v1/nothing-here`);
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
      expect(await started.interrupt()).toBe(0);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
