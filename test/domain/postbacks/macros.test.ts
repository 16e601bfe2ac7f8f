import { describe, expect, it } from 'vitest';
import { DestinationsInputSchema } from '../../../src/domain/postbacks/destinations.js';
import { POSTBACK_MACROS, renderTemplate, unknownMacros } from '../../../src/domain/postbacks/macros.js';

describe('postback URL macros', () => {
  it('replaces each macro by its value, URL-encoded so it cannot change the URL', () => {
    const url = renderTemplate('https://n.example/pb?c={campaign}&id={click_id}', {
      campaign: 'a&b=c?d/e f#g',
      click_id: 'ü',
    });
    expect(url).toBe('https://n.example/pb?c=a%26b%3Dc%3Fd%2Fe%20f%23g&id=%C3%BC');
  });

  it('fills a macro without a value with the empty string', () => {
    expect(renderTemplate('https://n.example/pb?rev={revenue}', {})).toBe('https://n.example/pb?rev=');
  });

  it('names the unknown macros of a template, once each', () => {
    expect(unknownMacros('https://n.example/?a={clickid}&b={click_id}&c={clickid}&d={}')).toEqual([
      'clickid',
      '',
    ]);
  });

  it('knows every macro of SPEC §7', () => {
    for (const macro of [
      'click_id',
      'advertising_id',
      'vendor_id',
      'event_name',
      'revenue',
      'currency',
      'campaign',
      'adset',
      'ad',
      'install_time',
      'event_time',
      'country',
      'platform',
      'fraud_reasons',
    ])
      expect(POSTBACK_MACROS).toContain(macro);
  });
});

describe('destination validation', () => {
  const parse = (postbacks: unknown[]) => DestinationsInputSchema.safeParse({ postbacks });
  const firstMessage = (postbacks: unknown[]) => {
    const result = parse(postbacks);
    return result.success ? undefined : result.error.issues[0]?.message;
  };

  it('accepts the example of SPEC §7', () => {
    const result = parse([
      {
        id: 'meta-installs',
        type: 'partner',
        network: 'meta',
        url: 'https://partner.example/pb?click={click_id}&adid={advertising_id}&ev={event_name}&rev={revenue}',
        kinds: ['install', 'reinstall', 'reattribution', 'reengagement', 'rejected'],
        events: ['purchase'],
      },
      {
        id: 'backend',
        type: 'webhook',
        url: 'https://customer.example/hooks/ugp',
        kinds: ['install'],
        events: ['*'],
      },
    ]);
    expect(result.success).toBe(true);
  });

  it('refuses an unknown macro, naming it', () => {
    expect(
      firstMessage([{ id: 'x', type: 'partner', network: 'meta', url: 'https://n.example/?c={clickid}' }]),
    ).toBe('unknown macro {clickid}; see docs/postbacks.md for the macros');
  });

  it('requires a network on partner postbacks and refuses one on webhooks', () => {
    expect(firstMessage([{ id: 'x', type: 'partner', url: 'https://n.example/' }])).toBe(
      'a partner postback names its network',
    );
    expect(
      firstMessage([{ id: 'x', type: 'webhook', network: 'meta', url: 'https://n.example/' }]),
    ).toContain('only partner postbacks name a network');
  });

  it('refuses macros in webhook and slack URLs', () => {
    expect(
      firstMessage([{ id: 'x', type: 'slack', url: 'https://hooks.slack.com/services/{click_id}' }]),
    ).toContain('macros are for partner postbacks');
  });

  it('refuses unknown kinds and duplicate ids', () => {
    expect(
      parse([{ id: 'x', type: 'webhook', url: 'https://n.example/', kinds: ['installs'] }]).success,
    ).toBe(false);
    expect(
      firstMessage([
        { id: 'x', type: 'webhook', url: 'https://a.example/' },
        { id: 'x', type: 'webhook', url: 'https://b.example/' },
      ]),
    ).toBe('duplicate id x');
  });
});
