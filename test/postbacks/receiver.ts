import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test receiver got. */
export interface Received {
  readonly method: string;
  /** Path and query exactly as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A real HTTP receiver on 127.0.0.1 for postback tests: records every request and answers with the
 * next scripted status (200 once the script is used up).
 */
export interface Receiver {
  readonly origin: string;
  readonly received: Received[];
  /** Statuses to answer with, in order, for requests whose path starts with `prefix` (replaces its script). */
  script(prefix: string, statuses: number[]): void;
  at(prefix: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const scripts: { prefix: string; statuses: number[] }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      received.push({
        method: req.method ?? 'GET',
        url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const status = scripts.find((s) => url.startsWith(s.prefix))?.statuses.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status >= 300 ? `receiver says ${status} ${'x'.repeat(1000)}` : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    script: (prefix, statuses) => {
      const index = scripts.findIndex((s) => s.prefix === prefix);
      if (index >= 0) scripts.splice(index, 1);
      scripts.push({ prefix, statuses: [...statuses] });
    },
    at: (prefix) => received.filter((r) => r.url.startsWith(prefix)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
