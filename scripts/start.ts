/**
 * `npm start`: the whole platform on this machine (SPEC §2), on the embedded stack (no Java, no Docker).
 * `npm start -- --emulators`: the same platform on DynamoDB Local, kinesalite and s3rver (needs Java).
 *   PORT=4000 (default) · UNMOGROWP_DATA_DIR=<dir> keeps state across restarts (default: fresh state)
 *   · UNMOGROWP_JWT_SECRET=<at least 32 characters> signs and verifies bearer tokens (default: random).
 */
import { stackFromArgs, startPlatform } from '../src/local/stacks.js';

const port = process.env.PORT ? Number(process.env.PORT) : 4000;
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number (0-65535). Received ${process.env.PORT}`);
  process.exit(2);
}
const stack = stackFromArgs(process.argv.slice(2));

const started = Date.now();
const platform = await startPlatform({
  stack,
  port,
  ...(process.env.UNMOGROWP_DATA_DIR ? { dataDir: process.env.UNMOGROWP_DATA_DIR } : {}),
  ...(process.env.UNMOGROWP_JWT_SECRET ? { jwtSecret: process.env.UNMOGROWP_JWT_SECRET } : {}),
  log: (line) => console.log(`· ${line}`),
}).catch((error: unknown) => {
  console.error(`npm start failed: ${(error as Error).message}`);
  if (stack === 'emulators')
    console.error('--emulators needs Java 11+ for DynamoDB Local; plain `npm start` does not.');
  process.exit(1);
});

const { facts } = platform;
const app = facts.tenants[0]?.apps[0];
const backing =
  platform.stack === 'emulators'
    ? `  DynamoDB    ${platform.services.endpoints.dynamodb}
  Kinesis     ${platform.services.endpoints.kinesis}
  S3          ${platform.services.endpoints.s3}`
    : `  stack       embedded (store, log and lake in ${platform.dataDir})`;
console.log(`
UnMoGrowP is running locally (started in ${((Date.now() - started) / 1000).toFixed(1)} s)

  API         ${facts.endpoint}
  dashboard   ${facts.endpoint}/dashboard
  health      ${facts.endpoint}/health
  demo app    ${facts.tenants[0]?.tenantId} / ${app?.appId}   x-api-key: ${app?.apiKey}
  admin token (owner) in .unmogrowp/local.json; more: npx unmogrowp tokens mint --tenant demo --role analyst
${backing}

Try:  npm run demo      Stop: Ctrl-C
`);
console.log(JSON.stringify(facts, null, 2));

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping every service this command started…`);
  await platform.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
