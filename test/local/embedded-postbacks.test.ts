import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { POSTBACK_ENV } from '../../src/definitions/postbacks.js';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '../../src/local/embedded/platform.js';
import { DEMO_APP, DEMO_TENANT } from '../../src/local/platform.js';
import { deliversAnAttributedInstall } from '../postbacks/local-scenario.js';
import { type Receiver, startReceiver } from '../postbacks/receiver.js';

/**
 * Postbacks on the embedded stack (plain `npm start`, SPEC §7): the consumer worker hands each committed
 * batch's decisions to the HTTP thread, which makes the jobs once and sends them with the same sender
 * code as the SQS Lambda to a receiver on 127.0.0.1 (UNMOGROWP_ALLOW_LOOPBACK_POSTBACKS=1).
 */

let receiver: Receiver;
let factsDir: string;

beforeAll(async () => {
  process.env[POSTBACK_ENV.allowLoopback] = '1';
  receiver = await startReceiver();
  factsDir = mkdtempSync(join(tmpdir(), 'ugp-facts-'));
});

afterAll(async () => {
  await receiver?.close();
  rmSync(factsDir, { recursive: true, force: true });
  delete process.env[POSTBACK_ENV.allowLoopback];
});

const call = async (on: EmbeddedPlatform, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${on.endpoint}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${on.facts.adminToken}`,
      ...(init.headers as Record<string, string>),
    },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const appPath = `/v1/tenants/${DEMO_TENANT}/apps/${DEMO_APP}`;
const deliveries = async (on: EmbeddedPlatform) =>
  (await call(on, `${appPath}/postbacks/deliveries`)).body.deliveries as Record<string, unknown>[];

/** One webhook destination for installs, at `path` of the receiver (or at a full URL). */
const oneWebhook = (on: EmbeddedPlatform, path: string) =>
  call(on, `${appPath}/postbacks`, {
    method: 'PUT',
    body: JSON.stringify({
      postbacks: [
        {
          id: 'backend',
          type: 'webhook',
          url: path.startsWith('http') ? path : `${receiver.origin}${path}`,
          kinds: ['install'],
          events: [],
        },
      ],
    }),
  });

/** An organic install of a new device, consumed. */
async function install(on: EmbeddedPlatform, eventId: string, advertisingId: string): Promise<void> {
  const events = await fetch(`${on.endpoint}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': on.facts.tenants[0]?.apps[0]?.apiKey ?? '' },
    body: JSON.stringify({
      events: [
        {
          event_id: eventId,
          type: 'install',
          timestamp: new Date().toISOString(),
          device: { platform: 'android', advertising_id: advertisingId },
        },
      ],
    }),
  });
  expect(events.status).toBe(202);
  await on.drain();
}

describe('postbacks on the embedded stack', () => {
  let platform: EmbeddedPlatform;

  beforeAll(async () => {
    platform = await startEmbeddedPlatform({ port: 0, factsDir });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('delivers an attributed install to the partner and the webhook, and charts it', async () => {
    await deliversAnAttributedInstall(platform, receiver, 'embedded-install-1');
  });

  it('sends a dead delivery again when retried by hand, and refuses to retry a sent one', async () => {
    receiver.script('/dead-hook', [400]);
    expect((await oneWebhook(platform, '/dead-hook')).status).toBe(200);
    await install(platform, 'embedded-dead-1', '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b');
    await platform.drainPostbacks();
    const [dead] = await deliveries(platform);
    expect(dead).toMatchObject({ subject_id: 'embedded-dead-1', status: 'dead', response_code: 400 });

    const retry = await call(platform, `${appPath}/postbacks/deliveries/${dead?.delivery_id}/retry`, {
      method: 'POST',
    });
    expect(retry).toMatchObject({ status: 202, body: { status: 'queued' } });
    await platform.drainPostbacks();

    expect(receiver.at('/dead-hook')).toHaveLength(2);
    expect((await deliveries(platform))[0]).toMatchObject({ delivery_id: dead?.delivery_id, status: 'sent' });
    const again = await call(platform, `${appPath}/postbacks/deliveries/${dead?.delivery_id}/retry`, {
      method: 'POST',
    });
    expect(again.status).toBe(409);
    const unknown = await call(platform, `${appPath}/postbacks/deliveries/pb_unknown/retry`, {
      method: 'POST',
    });
    expect(unknown.status).toBe(404);
  });
});

describe('postbacks across a restart of the embedded stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ugp-embedded-restart-'));
  // Retries after 1-2 s instead of 15-30 s, so the resumed retry comes within the test.
  const postbackRetrySchedule = { baseDelayMs: 2_000 };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps the destinations and the delivery log, and sends a retry that was pending', async () => {
    receiver.script('/restart-hook', [500]);
    const first = await startEmbeddedPlatform({ port: 0, dataDir, factsDir, postbackRetrySchedule });
    try {
      expect((await oneWebhook(first, '/restart-hook')).status).toBe(200);
      await install(first, 'restart-install-1', '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d');
      await vi.waitFor(async () => expect((await deliveries(first))[0]?.status).toBe('failed'), {
        timeout: 10_000,
      });
      // Stopped while the retry waits for its back-off: the in-process queue loses it.
    } finally {
      await first.stop();
    }
    expect(receiver.at('/restart-hook')).toHaveLength(1);

    const second = await startEmbeddedPlatform({ port: 0, dataDir, factsDir, postbackRetrySchedule });
    try {
      const settings = await call(second, `${appPath}/postbacks`);
      expect(settings.body.postbacks).toMatchObject([{ id: 'backend', type: 'webhook' }]);
      await vi.waitFor(() => expect(receiver.at('/restart-hook')).toHaveLength(2), { timeout: 10_000 });
      await second.drainPostbacks();
      const [delivery] = await deliveries(second);
      expect(delivery).toMatchObject({
        destination_id: 'backend',
        subject_id: 'restart-install-1',
        status: 'sent',
        attempts: 2,
      });
      // Both attempts carry the same delivery id, for the receiver to drop duplicates.
      const ids = receiver.at('/restart-hook').map((r) => r.headers['x-ugp-delivery-id']);
      expect(ids).toEqual([delivery?.delivery_id, delivery?.delivery_id]);
    } finally {
      await second.stop();
    }
  });

  it('sends again after a restart a job that was accepted but not yet answered', async () => {
    // A receiver that holds its first request unanswered (the process stops meanwhile), then answers 200.
    const held: ServerResponse[] = [];
    const requests: string[] = [];
    const slow = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests.push(String(req.headers['x-ugp-delivery-id']));
        if (requests.length === 1) held.push(res);
        else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/held`;
    const heldDataDir = mkdtempSync(join(tmpdir(), 'ugp-embedded-held-'));
    try {
      const first = await startEmbeddedPlatform({ port: 0, dataDir: heldDataDir, factsDir });
      try {
        expect((await oneWebhook(first, url)).status).toBe(200);
        await install(first, 'held-install-1', '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e');
        await vi.waitFor(() => expect(requests).toHaveLength(1), { timeout: 10_000 });
        expect((await deliveries(first))[0]).toMatchObject({ status: 'queued', attempts: 0 });
      } finally {
        await first.stop();
      }

      const second = await startEmbeddedPlatform({ port: 0, dataDir: heldDataDir, factsDir });
      try {
        await vi.waitFor(() => expect(requests).toHaveLength(2), { timeout: 10_000 });
        await second.drainPostbacks();
        const [delivery] = await deliveries(second);
        expect(delivery).toMatchObject({ subject_id: 'held-install-1', status: 'sent', attempts: 1 });
        expect(requests).toEqual([delivery?.delivery_id, delivery?.delivery_id]);
      } finally {
        await second.stop();
      }
    } finally {
      for (const res of held) res.writeHead(200).end('late');
      await new Promise<void>((resolve) => slow.close(() => resolve()));
      rmSync(heldDataDir, { recursive: true, force: true });
    }
  });
});
