import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '../../src/local/embedded/platform.js';
import { stackFromArgs } from '../../src/local/stacks.js';

/** The embedded local mode end to end, in this process: API → log → consumer worker → store + lake. */

const dataDir = mkdtempSync(join(tmpdir(), 'unmogrowp-embedded-'));
const factsDir = mkdtempSync(join(tmpdir(), 'unmogrowp-facts-'));
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(factsDir, { recursive: true, force: true });
});

const ADID = '3f1e2d4c-5b6a-4789-9abc-def012345678';

async function call(platform: EmbeddedPlatform, path: string, init: RequestInit = {}) {
  const app = platform.facts.tenants[0]?.apps[0];
  const res = await fetch(`${platform.endpoint}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', 'x-api-key': app?.apiKey ?? '', ...init.headers },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('embedded local mode', () => {
  it('attributes an install to a network click, and keeps everything across a restart', async () => {
    const first = await startEmbeddedPlatform({ port: 0, dataDir, factsDir });
    const apiKey = first.facts.tenants[0]?.apps[0]?.apiKey;
    try {
      const click = await call(first, '/v1/touchpoints', {
        method: 'POST',
        body: JSON.stringify({
          touchpoints: [
            {
              type: 'click',
              network: 'meta',
              campaign: 'winter',
              timestamp: new Date(Date.now() - 3_600_000).toISOString(),
              device: { platform: 'android', advertising_id: ADID },
            },
          ],
        }),
      });
      expect(click.status).toBe(202);
      const events = await call(first, '/v1/events', {
        method: 'POST',
        body: JSON.stringify({
          events: [
            {
              event_id: 'install-1',
              type: 'install',
              timestamp: new Date().toISOString(),
              device: { platform: 'android', advertising_id: ADID },
            },
          ],
        }),
      });
      expect(events).toEqual({ status: 202, body: { accepted: 1, rejected: [] } });
      await first.drain();
      expect(first.stats.consumedRecords).toBe(2);
    } finally {
      await first.stop();
    }

    const second = await startEmbeddedPlatform({ port: 0, dataDir, factsDir });
    try {
      expect(second.facts.tenants[0]?.apps[0]?.apiKey).toBe(apiKey);
      const answer = await call(second, `/v1/attribution/com.demo.game?advertising_id=${ADID}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        status: 'attributed',
        network: 'meta',
        campaign: 'winter',
        match: 'device_id',
      });
      const [row] = await second.lake.sql(
        "SELECT count(*)::INT AS n FROM attributions WHERE subject = 'install'",
      );
      expect(row?.n).toBe(1);
    } finally {
      await second.stop();
    }
  });

  it('answers the health check with the stack and the pipeline', async () => {
    const platform = await startEmbeddedPlatform({ port: 0, factsDir });
    try {
      const res = await fetch(`${platform.endpoint}/health?drain=1`);
      expect(await res.json()).toMatchObject({
        status: 'ok',
        stack: 'embedded',
        pipeline: { consumedRecords: 0 },
      });
    } finally {
      await platform.stop();
    }
  });
});

describe('choosing the local stack', () => {
  it('runs the embedded stack unless --emulators is given', () => {
    expect(stackFromArgs([])).toBe('embedded');
    expect(stackFromArgs(['--emulators'])).toBe('emulators');
  });
});
