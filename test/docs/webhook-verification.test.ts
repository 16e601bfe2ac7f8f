import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '../../src/app/postbacks/sender.js';
import { signRequest } from '../../src/auth/signing.js';

/**
 * The webhook verification docs/postbacks.md shows customers, run as written against what the sender
 * sends: a snippet that drifted from the signing scheme would fail here.
 */

type Verify = (secret: string, headers: Record<string, string>, rawBody: string) => boolean;

const SECRET = 'ugpw_docs-example';
const dir = mkdtempSync(join(tmpdir(), 'ugp-doc-verify-'));
let verifyUgpWebhook: Verify;

beforeAll(async () => {
  const docs = readFileSync(resolve(import.meta.dirname, '../../docs/postbacks.md'), 'utf8');
  const snippet = /```js\n([\s\S]*?verifyUgpWebhook[\s\S]*?)```/.exec(docs)?.[1];
  if (!snippet) throw new Error('docs/postbacks.md has no js block with verifyUgpWebhook');
  const file = join(dir, 'verify.mjs');
  writeFileSync(file, snippet);
  ({ verifyUgpWebhook } = (await import(pathToFileURL(file).href)) as { verifyUgpWebhook: Verify });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function signed(body: string, atSeconds = Math.floor(Date.now() / 1000)) {
  const timestamp = String(atSeconds);
  return {
    [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
    [WEBHOOK_SIGNATURE_HEADER]: signRequest(SECRET, timestamp, body),
  };
}

describe('webhook verification as docs/postbacks.md shows it', () => {
  const body = '{"type":"decision","app_id":"com.demo.game","event_id":"install-1"}';

  it('accepts a webhook signed the way the sender signs it', () => {
    expect(verifyUgpWebhook(SECRET, signed(body), body)).toBe(true);
  });

  it('refuses a changed body, another secret and an old timestamp', () => {
    expect(verifyUgpWebhook(SECRET, signed(body), body.replace('install-1', 'install-2'))).toBe(false);
    expect(verifyUgpWebhook('ugpw_other', signed(body), body)).toBe(false);
    expect(verifyUgpWebhook(SECRET, signed(body, Math.floor(Date.now() / 1000) - 3600), body)).toBe(false);
  });
});
