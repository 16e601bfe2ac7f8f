import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ENV, type CliIo } from '../../src/cli/api-client.js';
import { parseCostCsv, run } from '../../src/cli/costs.js';

/** `npx unmogrowp costs load`: every row checked first, errors by line and column, batches to the API. */

const HEADER = 'date,network,campaign,adset,ad,country,spend,currency,clicks,impressions';

describe('cost CSV', () => {
  it('reads rows, leaving empty cells out and numbers as numbers', () => {
    const { rows, problems } = parseCostCsv(`${HEADER}\n2026-11-20,meta,"spring, sale",,,de,12.5,USD,10,\n`);
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      {
        date: '2026-11-20',
        network: 'meta',
        campaign: 'spring, sale',
        country: 'de',
        spend: 12.5,
        currency: 'USD',
        clicks: 10,
      },
    ]);
  });

  it('names the line and column of each bad cell', () => {
    const { problems } = parseCostCsv(
      `${HEADER}\n2026-11-20,meta,c,,,DE,12,USD,,\n2026-11-31,meta,c,,,DE,abc,usd,,\n`,
    );
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [3, 'date'],
      [3, 'spend'],
      [3, 'currency'],
    ]);
    expect(problems[1]?.message).toBe('expected a number. Received "abc"');
  });

  it('refuses a header without the required columns or with unknown ones', () => {
    const { problems } = parseCostCsv('date,network,cost\n');
    expect(problems.map((p) => p.column).sort()).toEqual(['cost', 'currency', 'spend']);
  });
});

describe('costs load', () => {
  let server: Server;
  let endpoint: string;
  const received: { path: string; rows: number }[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'costs-cli-'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const rows = (JSON.parse(body).costs as unknown[]).length;
        received.push({ path: req.url ?? '', rows });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: rows, rejected: [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      env: { [CLI_ENV.endpoint]: endpoint, [CLI_ENV.token]: 'token' },
      cwd: dir,
    };
    return { code: await run(args, io), stdout: out.join(''), stderr: err.join('') };
  };

  it('sends a big file in batches of 1000 rows and reports the count', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => `2026-11-20,meta,c${i},,,DE,1.5,USD,,`);
    writeFileSync(join(dir, 'big.csv'), `${HEADER}\n${lines.join('\n')}\n`);
    const result = await cli(['load', 'big.csv', '--app', 'com.demo.game', '--quiet']);
    expect(result.code).toBe(0);
    expect(received.map((r) => r.rows)).toEqual([1000, 1000, 500]);
    expect(received[0]?.path).toBe('/v1/costs/com.demo.game');
    expect(result.stdout).toContain('loaded 2500 of 2500 cost rows');
  });

  it('loads nothing from a file with a bad row, naming its line and column', async () => {
    received.length = 0;
    writeFileSync(
      join(dir, 'bad.csv'),
      `${HEADER}\n2026-11-20,meta,c,,,DE,1,USD,,\n2026-11-20,meta,c,,,DE,-4,USD,,\n`,
    );
    const result = await cli(['load', 'bad.csv', '--app', 'com.demo.game', '--quiet']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bad.csv:3 column spend: expected an amount of 0 or more');
    expect(received).toEqual([]);
  });

  it('prints its usage with --help', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('costs load <file.csv> --app <appId>');
  });
});
