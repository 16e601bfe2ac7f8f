import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { OutboundRequest, PostbackTransport, TransportResult } from '../../app/postbacks/ports.js';
import { type AddressPolicy, bareHost, checkAddress, checkHostName } from '../../domain/postbacks/address.js';

/**
 * Sends postbacks over node's HTTP client with the SSRF checks at connect time: the socket's DNS
 * look-up is ours, and refuses the connection when any resolved address is not public (a host that
 * resolved to a public address at the `PUT` and to 127.0.0.1 now — DNS rebinding — is refused here).
 * Redirects are not followed; only a short excerpt of the response body is read.
 */

/** Bytes of a response body kept on the delivery record. */
export const RESPONSE_EXCERPT_BYTES = 256;

export interface SafeHttpTransportOptions extends AddressPolicy {
  /** Refuses `http:` URLs. @default false */
  readonly requireHttps?: boolean;
  /** Whole-request time limit, connection included. @default 10 s */
  readonly timeoutMs?: number;
  /** The DNS look-up the checks wrap. @default node's `dns.lookup` */
  readonly lookup?: typeof dnsLookup;
  /** @default performance.now */
  readonly clock?: () => number;
}

const REFUSED = 'POSTBACK_DESTINATION_REFUSED';

class RefusedAddressError extends Error {
  readonly code = REFUSED;
}

export class SafeHttpTransport implements PostbackTransport {
  private readonly timeoutMs: number;
  private readonly clock: () => number;
  private readonly lookup: LookupFunction;

  constructor(private readonly options: SafeHttpTransportOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.clock = options.clock ?? (() => performance.now());
    const resolve = options.lookup ?? dnsLookup;
    // Every address of the name is checked: connecting to the first public one of a mixed answer
    // would still let a rebinding attacker pick the private one on a retry.
    this.lookup = ((hostname: string, lookupOptions: object, callback: (...args: unknown[]) => void) => {
      resolve(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
        if (error) return callback(error);
        const list = addresses as unknown as LookupAddress[];
        for (const entry of list) {
          const verdict = checkAddress(entry.address, options);
          if (!verdict.allowed)
            return callback(
              new RefusedAddressError(`${hostname} resolves to ${entry.address}, a ${verdict.range} address`),
            );
        }
        const all = (lookupOptions as { all?: boolean }).all;
        const first = list[0];
        if (all) return callback(null, list);
        if (!first) return callback(new Error(`${hostname} has no address`));
        return callback(null, first.address, first.family);
      });
    }) as unknown as LookupFunction;
  }

  async send(request: OutboundRequest): Promise<TransportResult> {
    const started = this.clock();
    const elapsed = () => Math.round(this.clock() - started);
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return { kind: 'refused', latencyMs: 0, error: 'not an absolute URL' };
    }
    if (url.protocol !== 'https:' && (url.protocol !== 'http:' || this.options.requireHttps))
      return { kind: 'refused', latencyMs: 0, error: `${url.protocol} URLs are not allowed` };
    const early = checkHostName(bareHost(url.hostname), this.options);
    if (early && !early.allowed)
      return { kind: 'refused', latencyMs: 0, error: `${url.hostname} is a ${early.range} address` };

    return new Promise<TransportResult>((resolve) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: request.method,
          headers: {
            ...request.headers,
            ...(request.body === undefined
              ? {}
              : { 'content-length': String(Buffer.byteLength(request.body)) }),
          },
          lookup: this.lookup,
          timeout: this.timeoutMs,
          // One connection a request: a pooled socket would skip the look-up (and its checks).
          agent: false,
        },
        (res) =>
          readExcerpt(res).then((excerpt) => {
            resolve({ kind: 'response', statusCode: res.statusCode ?? 0, latencyMs: elapsed(), excerpt });
          }),
      );
      const deadline = setTimeout(
        () => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)));
      req.on('error', (error: Error & { code?: string }) => {
        clearTimeout(deadline);
        if (error.code === REFUSED) resolve({ kind: 'refused', latencyMs: elapsed(), error: error.message });
        else resolve({ kind: 'error', latencyMs: elapsed(), error: error.message.slice(0, 200) });
      });
      req.on('close', () => clearTimeout(deadline));
      req.end(request.body);
    });
  }
}

/** Reads at most `RESPONSE_EXCERPT_BYTES` of the body, then drops the connection. */
function readExcerpt(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8'));
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= RESPONSE_EXCERPT_BYTES) {
        res.destroy();
        done();
      }
    });
    res.on('end', done);
    res.on('error', done);
    res.on('close', done);
  });
}
