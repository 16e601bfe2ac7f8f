import { describe, expect, it } from 'vitest';
import type { Attribution, EventAttribution } from '../../../src/domain/attribution.js';
import type { Destination } from '../../../src/domain/postbacks/destinations.js';
import { type DeliverySubject, deliveryJobId, planDeliveries } from '../../../src/domain/postbacks/jobs.js';
import { slackAlarmMessage, slackMessage } from '../../../src/domain/postbacks/slack.js';

const NOW = Date.parse('2026-11-20T10:00:00Z');

const decision = (overrides: Partial<Attribution> = {}): DeliverySubject => ({
  kind: 'decision',
  device: { platform: 'ios', vendorId: 'IDFV-1' },
  attribution: {
    tenantId: 't',
    appId: 'com.app',
    deviceId: 'dev_1',
    eventId: 'install-1',
    status: 'attributed',
    kind: 'install',
    source: { touchpointId: 'tp_1', network: 'meta', campaign: 'winter' },
    match: 'click_id',
    installTimeMs: NOW,
    fraud: [],
    credits: { last_touch: [], first_touch: [], linear: [], time_decay: [], position_based: [] },
    explanation: [],
    ...overrides,
  },
});

const event = (
  type: string,
  overrides: Partial<EventAttribution> = {},
  lifecycle = false,
): DeliverySubject => ({
  kind: 'event',
  lifecycle,
  device: { platform: 'ios' },
  event: {
    tenantId: 't',
    appId: 'com.app',
    deviceId: 'dev_1',
    eventId: `${type}-1`,
    type,
    timestampMs: NOW,
    creditedAs: 'install',
    source: { touchpointId: 'tp_1', network: 'meta' },
    ...overrides,
  },
});

const partner: Destination = {
  id: 'meta',
  type: 'partner',
  network: 'meta',
  url: 'https://n.example/?e={event_name}',
  kinds: ['install'],
  events: ['*'],
};
const webhook: Destination = {
  id: 'hook',
  type: 'webhook',
  url: 'https://c.example/h',
  kinds: ['install', 'rejected'],
  events: ['purchase'],
};
const slack: Destination = {
  id: 'slack',
  type: 'slack',
  url: 'https://hooks.slack.com/x',
  kinds: ['rejected'],
  events: [],
};

describe('delivery planning', () => {
  it('gives a job the same id however often it is planned', () => {
    const [first] = planDeliveries(decision(), [partner], NOW);
    const [again] = planDeliveries(decision(), [partner], NOW + 5000);
    expect(first?.jobId).toBe(again?.jobId);
    expect(first?.jobId).toBe(deliveryJobId('t', 'com.app', 'decision', 'install-1', 'meta'));
    expect(first?.jobId).toMatch(/^pb_[0-9a-f]{32}$/);
  });

  it('sends a partner only what is credited to its network, never organic installs', () => {
    expect(
      planDeliveries(decision({ source: { touchpointId: 'tp', network: 'google' } }), [partner], NOW),
    ).toEqual([]);
    const organic = decision({ status: 'organic', source: undefined, match: 'none' });
    expect(planDeliveries(organic, [partner], NOW)).toEqual([]);
    expect(planDeliveries(organic, [webhook], NOW)).toHaveLength(1);
  });

  it('filters decisions by kind, rejected installs by "rejected"', () => {
    const rejected = decision({
      status: 'rejected',
      fraud: [{ reason: 'bot_user_agent', mode: 'reject', detail: '' }],
    });
    expect(planDeliveries(rejected, [partner, webhook, slack], NOW).map((j) => j.destinationId)).toEqual([
      'hook',
      'slack',
    ]);
    expect(planDeliveries(decision({ kind: 'reinstall' }), [partner, webhook], NOW)).toEqual([]);
    // A slack destination posts the Slack message of the decision to its incoming webhook.
    const [toSlack] = planDeliveries(rejected, [slack], NOW);
    expect(toSlack?.request).toEqual({
      method: 'POST',
      url: 'https://hooks.slack.com/x',
      body: JSON.stringify(slackMessage(rejected)),
    });
  });

  it('sends lifecycle events only to destinations that name them', () => {
    expect(planDeliveries(event('session', {}, true), [partner], NOW)).toEqual([]);
    expect(
      planDeliveries(event('session', {}, true), [{ ...partner, events: ['session'] }], NOW),
    ).toHaveLength(1);
    expect(
      planDeliveries(event('purchase'), [partner, webhook, slack], NOW).map((j) => j.destinationId),
    ).toEqual(['meta', 'hook']);
  });

  it('keeps the identifiers a job carries, for the erasure check', () => {
    const [job] = planDeliveries(decision(), [webhook], NOW);
    expect(job?.identifiers).toEqual({ vendorId: 'IDFV-1' });
    expect(job?.request.method).toBe('POST');
    expect(JSON.parse(job?.request.body ?? '{}').attribution.network).toBe('meta');
  });
});

describe('Slack messages', () => {
  it('names the rejected install and its fraud reasons', () => {
    const rejected = decision({
      status: 'rejected',
      fraud: [{ reason: 'click_injection', mode: 'reject', detail: '' }],
    });
    expect(slackMessage(rejected).text).toBe(
      ':no_entry: install *rejected* for com.app (meta / winter): click_injection',
    );
  });

  it('escapes names so that a campaign cannot ping a channel', () => {
    const message = slackMessage(
      decision({ source: { touchpointId: 'tp', network: 'meta', campaign: '<!channel> & co' } }),
    );
    expect(message.text).toContain('meta / &lt;!channel&gt; &amp; co');
    expect(message.text).not.toContain('<!channel>');
  });

  it('formats an alarm', () => {
    expect(
      slackAlarmMessage({ name: 'Postback dead letters', state: 'ALARM', reason: 'Threshold crossed' }).text,
    ).toBe(':rotating_light: *Postback dead letters* is ALARM: Threshold crossed');
  });
});
