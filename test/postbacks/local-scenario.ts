import { expect } from 'vitest';
import { dashboardData } from '../../src/local/dashboard.js';
import type { EmbeddedPlatform } from '../../src/local/embedded/platform.js';
import { DEMO_APP, DEMO_TENANT, type LocalPlatform } from '../../src/local/platform.js';
import type { Receiver } from './receiver.js';

/**
 * The postback scenario both local stacks must pass (SPEC §7): a partner and a webhook destination, a
 * tracking-link click with the network's click id, the install from its referrer; then exactly one
 * partner postback with its macros, one webhook, two `sent` deliveries in the log, and the dashboard's
 * counts. The platform must run with UNMOGROWP_ALLOW_LOOPBACK_POSTBACKS=1 (the receiver is on 127.0.0.1).
 */
export async function deliversAnAttributedInstall(
  platform: LocalPlatform | EmbeddedPlatform,
  receiver: Receiver,
  eventId: string,
): Promise<void> {
  const call = (path: string, init: RequestInit & { key?: boolean } = {}) =>
    fetch(`${platform.endpoint}${path}`, {
      ...init,
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        ...(init.key
          ? { 'x-api-key': platform.facts.tenants[0]?.apps[0]?.apiKey ?? '' }
          : { authorization: `Bearer ${platform.facts.adminToken}` }),
        ...(init.headers as Record<string, string>),
      },
    });
  const put = await call(`/v1/tenants/${DEMO_TENANT}/apps/${DEMO_APP}/postbacks`, {
    method: 'PUT',
    body: JSON.stringify({
      postbacks: [
        {
          id: 'tiktok',
          type: 'partner',
          network: 'tiktok',
          url: `${receiver.origin}/tt?c={click_id}&k={event_name}`,
          kinds: ['install'],
        },
        {
          id: 'backend',
          type: 'webhook',
          url: `${receiver.origin}/hook`,
          kinds: ['install'],
          events: ['*'],
        },
      ],
    }),
  });
  expect(put.status, await put.clone().text()).toBe(200);

  const click = await call(`/v1/click/${DEMO_APP}?network=tiktok&campaign=local&click_id=tt-42`, {
    headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 14; Pixel 8)' },
  });
  expect(click.status).toBe(302);
  const clickId = click.headers.get('x-click-id');
  await platform.drain();
  const events = await call('/v1/events', {
    method: 'POST',
    key: true,
    body: JSON.stringify({
      events: [
        {
          event_id: eventId,
          type: 'install',
          timestamp: new Date(Date.now() + 60_000).toISOString(),
          install_referrer: `ugp_click_id=${clickId}`,
          device: { platform: 'android', advertising_id: '7d1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b' },
        },
      ],
    }),
  });
  expect(events.status).toBe(202);
  await platform.drain();
  await platform.drainPostbacks();

  expect(receiver.at('/tt').map((r) => r.url)).toEqual(['/tt?c=tt-42&k=install']);
  expect(receiver.at('/hook')).toHaveLength(1);
  const sent = await call(`/v1/tenants/${DEMO_TENANT}/apps/${DEMO_APP}/postbacks/deliveries?status=sent`);
  expect(((await sent.json()) as { deliveries: unknown[] }).deliveries).toHaveLength(2);

  const data = await dashboardData(
    { stats: platform.stats, lake: platform.lake, facts: platform.facts, postbacks: platform.postbacks },
    DEMO_TENANT,
    DEMO_APP,
  );
  expect(data.postbacks.map((p) => [p.destinationId, p.sent, p.dead]).sort()).toEqual([
    ['backend', 1, 0],
    ['tiktok', 1, 0],
  ]);
  expect(data.postbacks[0]?.p95LatencyMs).not.toBeNull();
}
