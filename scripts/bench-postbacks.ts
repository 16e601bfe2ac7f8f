/**
 * `npm run bench:postbacks`: deliveries per second of one postback sender on a local stack.
 * Jobs are planned as the consumer plans them (delivery records in DynamoDB Local with `--store dynamodb`,
 * the default; in the embedded LMDB database of `npm start` with `--store embedded`), then one sender
 * (the same code as the SQS Lambda, `--concurrency` jobs in flight) sends them to a receiver on
 * 127.0.0.1 that answers 200 at once. Each delivery: read its record, the app's settings (cached),
 * the identity graph look-up of the erasure check, sign, the HTTP request, write the attempt.
 *   npm run bench:postbacks -- --jobs 3000 --concurrency 8 [--store embedded]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAwsClients } from '../src/adapters/clients.js';
import { createTables } from '../src/adapters/dynamodb/create-tables.js';
import { IdentityGraph } from '../src/adapters/dynamodb/identity-graph.js';
import { openEmbeddedDatabase } from '../src/adapters/embedded/database.js';
import { EmbeddedIdentityGraph } from '../src/adapters/embedded/identity-graph.js';
import { EmbeddedPostbackStore } from '../src/adapters/embedded/postback-store.js';
import { DynamoPostbackStore } from '../src/adapters/postbacks/dynamodb-store.js';
import { GraphErasureCheck } from '../src/adapters/postbacks/erasure-check.js';
import { LocalDeliveryQueue } from '../src/adapters/postbacks/local-queue.js';
import { SafeHttpTransport } from '../src/adapters/postbacks/safe-http-transport.js';
import { createPostbackDispatcher } from '../src/app/postbacks/dispatcher.js';
import type { DeliveryLog, PostbackConfigStore } from '../src/app/postbacks/ports.js';
import { createPostbackSender } from '../src/app/postbacks/sender.js';
import { IDENTITY_GRAPH_TABLE, TENANT_REGISTRY_TABLE } from '../src/definitions/tables.js';
import type { Attribution } from '../src/domain/attribution.js';
import { startLocalServices } from '../src/local/services.js';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '8' },
    store: { type: 'string', default: 'dynamodb' },
  },
});
const jobs = Number(args.jobs);
const concurrency = Number(args.concurrency);
if (args.store !== 'dynamodb' && args.store !== 'embedded')
  throw new Error(`--store must be dynamodb or embedded. Received ${args.store}`);

let received = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    res.writeHead(200).end('ok');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

interface BenchStores {
  readonly store: PostbackConfigStore & DeliveryLog;
  readonly erasure: GraphErasureCheck;
  stop(): Promise<void>;
}

async function dynamoStores(): Promise<BenchStores> {
  const services = await startLocalServices();
  const clients = createAwsClients({ region: 'us-east-1', endpoints: services.endpoints });
  await createTables(clients.dynamodb as never, [IDENTITY_GRAPH_TABLE, TENANT_REGISTRY_TABLE], {
    IdentityGraph: 'bench-graph',
    TenantRegistry: 'bench-registry',
  });
  const graph = new IdentityGraph({ documents: clients.documents, tableName: 'bench-graph' });
  return {
    store: new DynamoPostbackStore({ documents: clients.documents, tableName: 'bench-registry' }),
    erasure: new GraphErasureCheck(() => graph),
    stop: () => services.stop(),
  };
}

/** The embedded database as `npm start` opens it (every commit flushed). */
async function embeddedStores(): Promise<BenchStores> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ugp-bench-postbacks-'));
  const db = openEmbeddedDatabase(dataDir);
  const graph = new EmbeddedIdentityGraph({ db: db.graph });
  return {
    store: new EmbeddedPostbackStore({ db: db.postbacks }),
    erasure: new GraphErasureCheck(() => graph),
    stop: async () => {
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

console.log(`· store: ${args.store}`);
const stores = args.store === 'embedded' ? await embeddedStores() : await dynamoStores();
try {
  const { store, erasure } = stores;
  await store.putDestinations('bench', 'com.bench', [
    { id: 'backend', type: 'webhook', url: `${origin}/hook`, kinds: ['install'], events: [] },
  ]);
  await store.setWebhookSecret('bench', 'com.bench', 'ugpw_bench');
  const queue = new LocalDeliveryQueue();
  const dispatch = createPostbackDispatcher({ configs: store, log: store, queue, now: Date.now });
  const decision = (i: number): Attribution => ({
    tenantId: 'bench',
    appId: 'com.bench',
    deviceId: `dev_${i}`,
    eventId: `install-${i}`,
    status: 'attributed',
    kind: 'install',
    source: { touchpointId: `tp_${i}`, network: 'meta', campaign: 'bench' },
    match: 'click_id',
    installTimeMs: Date.now(),
    fraud: [],
    credits: { last_touch: [], first_touch: [], linear: [], time_decay: [], position_based: [] },
    explanation: ['bench'],
  });
  console.log(`· planning ${jobs} delivery jobs`);
  const planStarted = performance.now();
  for (let i = 0; i < jobs; i += 100) {
    const batch = Array.from({ length: Math.min(100, jobs - i) }, (_, k) => ({
      kind: 'decision' as const,
      attribution: decision(i + k),
      device: { platform: 'android' as const, advertisingId: `adid-${i + k}` },
    }));
    await dispatch(batch);
  }
  const send = createPostbackSender({
    log: store,
    configs: store,
    transport: new SafeHttpTransport({ allowLoopback: true }),
    // One identity graph look-up a job, as in production; the bench's devices are not in the graph
    // (it would call them erased), so the answer is dropped.
    erasure: { isErased: async (job) => (await erasure.isErased(job)) && false },
    deadLetters: queue,
  });
  const planSeconds = (performance.now() - planStarted) / 1000;
  console.log(`· planned in ${planSeconds.toFixed(2)} s = ${(jobs / planSeconds).toFixed(0)} jobs/s`);
  console.log(`· sending with one sender, ${concurrency} in flight`);
  const started = performance.now();
  queue.start(send, { concurrency });
  await queue.idle();
  const seconds = (performance.now() - started) / 1000;
  queue.stop();
  console.log(
    `deliveries: ${received} of ${jobs} in ${seconds.toFixed(2)} s = ${(received / seconds).toFixed(0)} deliveries/s (concurrency ${concurrency}, store ${args.store})`,
  );
} finally {
  await stores.stop();
  receiver.close();
}
