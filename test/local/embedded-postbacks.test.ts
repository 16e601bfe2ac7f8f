import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { POSTBACK_ENV } from '../../src/definitions/postbacks.js';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '../../src/local/embedded/platform.js';
import { deliversAnAttributedInstall } from '../postbacks/local-scenario.js';
import { type Receiver, startReceiver } from '../postbacks/receiver.js';

/**
 * Postbacks on the embedded stack (plain `npm start`, SPEC §7): the consumer worker hands each committed
 * batch's decisions to the HTTP thread, which makes the jobs once and sends them with the same sender
 * code as the SQS Lambda to a receiver on 127.0.0.1 (UNMOGROWP_ALLOW_LOOPBACK_POSTBACKS=1).
 */

let platform: EmbeddedPlatform;
let receiver: Receiver;
let factsDir: string;

describe('postbacks on the embedded stack', () => {
  beforeAll(async () => {
    process.env[POSTBACK_ENV.allowLoopback] = '1';
    receiver = await startReceiver();
    factsDir = mkdtempSync(join(tmpdir(), 'ugp-facts-'));
    platform = await startEmbeddedPlatform({ port: 0, factsDir });
  });

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
    rmSync(factsDir, { recursive: true, force: true });
    delete process.env[POSTBACK_ENV.allowLoopback];
  });

  it('delivers an attributed install to the partner and the webhook, and charts it', async () => {
    await deliversAnAttributedInstall(platform, receiver, 'embedded-install-1');
  });
});
