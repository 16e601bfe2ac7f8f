import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { POSTBACK_ENV } from '../../src/definitions/postbacks.js';
import { type LocalPlatform, startLocalPlatform } from '../../src/local/platform.js';
import { deliversAnAttributedInstall } from '../postbacks/local-scenario.js';
import { type Receiver, startReceiver } from '../postbacks/receiver.js';

/**
 * Postbacks in local mode (SPEC §7): started with UNMOGROWP_ALLOW_LOOPBACK_POSTBACKS=1, the platform
 * delivers to a receiver on 127.0.0.1 with the same sender code as the SQS Lambda, and the dashboard
 * counts what it sent.
 */

let platform: LocalPlatform;
let receiver: Receiver;
let factsDir: string;

describe('postbacks in local mode', () => {
  beforeAll(async () => {
    process.env[POSTBACK_ENV.allowLoopback] = '1';
    receiver = await startReceiver();
    factsDir = mkdtempSync(join(tmpdir(), 'ugp-facts-'));
    platform = await startLocalPlatform({ port: 0, factsDir });
  });

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
    rmSync(factsDir, { recursive: true, force: true });
    delete process.env[POSTBACK_ENV.allowLoopback];
  });

  it('delivers an attributed install to the partner and the webhook, and charts it', async () => {
    await deliversAnAttributedInstall(platform, receiver, 'local-install-1');
  });
});
