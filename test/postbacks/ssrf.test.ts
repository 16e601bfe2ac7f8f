import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafeHttpTransport } from '../../src/adapters/postbacks/safe-http-transport.js';
import { DestinationRefusedError } from '../../src/app/postbacks/errors.js';
import { checkDestination } from '../../src/app/postbacks/policy.js';
import type { HostResolver } from '../../src/app/postbacks/ports.js';
import type { Destination } from '../../src/domain/postbacks/destinations.js';
import { createTestApi, jsonHeaders, type TestApi } from '../support/api.js';
import { type Receiver, startReceiver } from './receiver.js';

/** A resolver with fixed answers, standing in for DNS. */
const resolver = (answers: Record<string, string[]>): HostResolver => ({
  resolve: async (host) => answers[host] ?? ['93.184.215.14'],
});

/** `dns.lookup` with fixed answers: what a rebinding DNS server would say at connect time. */
function fixedLookup(answers: Record<string, string>) {
  return ((hostname: string, _options: unknown, callback: (e: Error | null, a?: LookupAddress[]) => void) => {
    const address = answers[hostname];
    if (!address) return callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
  }) as never;
}

const webhook = (url: string): Destination => ({
  id: 'hook',
  type: 'webhook',
  url,
  kinds: ['install'],
  events: [],
});

describe('SSRF defence at the PUT', () => {
  const classes: [string, string][] = [
    ['https://10.0.0.5/pb', 'private'],
    ['https://192.168.0.10/pb', 'private'],
    ['https://127.0.0.1/pb', 'loopback'],
    ['https://[::1]/pb', 'loopback'],
    ['https://169.254.169.254/latest/meta-data/', 'linkLocal'],
    ['https://100.64.1.1/pb', 'carrierGradeNat'],
    ['https://[fd00:ec2::254]/pb', 'uniqueLocal'],
    ['https://[::ffff:127.0.0.1]/pb', 'ipv4Mapped'],
    ['https://[::ffff:a9fe:a9fe]/pb', 'ipv4Mapped'],
    ['https://localhost/pb', 'loopback'],
  ];
  for (const [url, range] of classes) {
    it(`refuses ${url} as ${range}`, async () => {
      const error = await checkDestination(webhook(url), resolver({}), {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DestinationRefusedError);
      expect((error as DestinationRefusedError).context.reason).toBe(range);
    });
  }

  it('refuses a host name that resolves to 127.0.0.1', async () => {
    const error = await checkDestination(
      webhook('https://sneaky.example.com/pb'),
      resolver({ 'sneaky.example.com': ['127.0.0.1'] }),
      {},
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'hook: host sneaky.example.com (resolves to 127.0.0.1) is a loopback address; postbacks go only to public addresses',
    );
  });

  it('refuses a name with one private address among public ones', async () => {
    const error = await checkDestination(
      webhook('https://mixed.example.com/pb'),
      resolver({ 'mixed.example.com': ['93.184.215.14', '10.0.0.1'] }),
      {},
    ).catch((e: unknown) => e);
    expect((error as DestinationRefusedError).context).toMatchObject({
      reason: 'private',
      address: '10.0.0.1',
    });
  });

  it('refuses plain http in the cloud and credentials in the URL', async () => {
    await expect(
      checkDestination(webhook('http://partner.example.com/pb'), resolver({}), { requireHttps: true }),
    ).rejects.toThrow('hook: destinations must use https');
    await expect(
      checkDestination(webhook('https://u:p@partner.example.com/pb'), resolver({}), {}),
    ).rejects.toThrow('credentials in the URL');
  });

  it('accepts a public host, and loopback only when local tests allow it', async () => {
    await expect(
      checkDestination(webhook('https://partner.example.com/pb'), resolver({}), { requireHttps: true }),
    ).resolves.toBeUndefined();
    await expect(
      checkDestination(webhook('http://127.0.0.1:9000/pb'), resolver({}), { allowLoopback: true }),
    ).resolves.toBeUndefined();
  });
});

describe('SSRF defence at connect time', () => {
  let receiver: Receiver;
  let silent: Server;
  let silentPort: number;

  beforeAll(async () => {
    receiver = await startReceiver();
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await receiver.close();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('refuses a host that resolves to 127.0.0.1 when it is called (DNS rebinding)', async () => {
    const port = new URL(receiver.origin).port;
    const transport = new SafeHttpTransport({ lookup: fixedLookup({ 'rebind.example.com': '127.0.0.1' }) });
    const before = receiver.received.length;
    const result = await transport.send({
      method: 'GET',
      url: `http://rebind.example.com:${port}/pb`,
      headers: {},
    });
    expect(result).toMatchObject({
      kind: 'refused',
      error: 'rebind.example.com resolves to 127.0.0.1, a loopback address',
    });
    expect(receiver.received.length).toBe(before);
  });

  it('refuses IPv4-mapped IPv6 and metadata literals without connecting', async () => {
    const transport = new SafeHttpTransport({ allowLoopback: true });
    const port = new URL(receiver.origin).port;
    expect(
      (await transport.send({ method: 'GET', url: `http://[::ffff:127.0.0.1]:${port}/pb`, headers: {} }))
        .kind,
    ).toBe('refused');
    expect(
      (await transport.send({ method: 'GET', url: 'http://169.254.169.254/latest/meta-data/', headers: {} }))
        .kind,
    ).toBe('refused');
  });

  it('refuses http when https is required', async () => {
    const transport = new SafeHttpTransport({ allowLoopback: true, requireHttps: true });
    expect(await transport.send({ method: 'GET', url: `${receiver.origin}/pb`, headers: {} })).toMatchObject({
      kind: 'refused',
    });
  });

  it('keeps only a short excerpt of the response body', async () => {
    receiver.script('/long', [500]);
    const transport = new SafeHttpTransport({ allowLoopback: true });
    const result = await transport.send({ method: 'GET', url: `${receiver.origin}/long`, headers: {} });
    expect(result.kind).toBe('response');
    if (result.kind === 'response') {
      expect(result.statusCode).toBe(500);
      expect(result.excerpt.length).toBe(256);
    }
  });

  it('gives up on a receiver that never answers', async () => {
    const transport = new SafeHttpTransport({ allowLoopback: true, timeoutMs: 300 });
    const result = await transport.send({
      method: 'GET',
      url: `http://127.0.0.1:${silentPort}/slow`,
      headers: {},
    });
    expect(result).toMatchObject({ kind: 'error', error: 'timed out after 300 ms' });
  });
});

describe('PUT …/postbacks validation', () => {
  let api: TestApi;
  let owner: string;
  const put = (postbacks: unknown[]) =>
    api.call({
      method: 'PUT',
      path: '/v1/tenants/ssrf-tenant/apps/com.ssrf.app/postbacks',
      headers: jsonHeaders({ authorization: `Bearer ${owner}` }),
      body: JSON.stringify({ postbacks }),
    });

  beforeAll(async () => {
    api = await createTestApi();
    await api.onboard('ssrf-tenant', 'com.ssrf.app');
    owner = await api.token('owner', 'ssrf-tenant');
  });

  it('answers 400 naming an unknown macro', async () => {
    const res = await put([
      {
        id: 'meta',
        type: 'partner',
        network: 'meta',
        url: 'https://8.8.8.8/pb?c={clickid}',
        kinds: ['install'],
      },
    ]);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body ?? '{}').error.message).toBe(
      'postbacks.0.url: unknown macro {clickid}; see docs/postbacks.md for the macros',
    );
  });

  it('answers 400 destination_refused for a metadata address, and stores nothing', async () => {
    const res = await put([
      { id: 'hook', type: 'webhook', url: 'http://169.254.169.254/latest', kinds: ['install'] },
    ]);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body ?? '{}').error).toMatchObject({
      code: 'destination_refused',
      details: [{ field: 'postbacks.0.url', code: 'linkLocal' }],
    });
    const read = await api.call({
      method: 'GET',
      path: '/v1/tenants/ssrf-tenant/apps/com.ssrf.app/postbacks',
      headers: { authorization: `Bearer ${owner}` },
    });
    expect(JSON.parse(read.body ?? '{}').postbacks).toEqual([]);
  });

  it('stores a valid list whole and shows the webhook secret only once', async () => {
    const res = await put([
      { id: 'hook', type: 'webhook', url: 'https://8.8.8.8/hooks', kinds: ['install'], events: ['*'] },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    const secret = await api.call({
      method: 'POST',
      path: '/v1/tenants/ssrf-tenant/apps/com.ssrf.app/webhook-secret',
      headers: { authorization: `Bearer ${owner}` },
    });
    expect(JSON.parse(secret.body ?? '{}').webhook_secret).toMatch(/^ugpw_[A-Za-z0-9_-]{43}$/);
    const read = await api.call({
      method: 'GET',
      path: '/v1/tenants/ssrf-tenant/apps/com.ssrf.app/postbacks',
      headers: { authorization: `Bearer ${owner}` },
    });
    const body = JSON.parse(read.body ?? '{}');
    expect(body.postbacks).toEqual([
      { id: 'hook', type: 'webhook', url: 'https://8.8.8.8/hooks', kinds: ['install'], events: ['*'] },
    ]);
    expect(body.webhook_secret).toEqual({ set: true });
    expect(read.body).not.toContain('ugpw_');
  });
});
