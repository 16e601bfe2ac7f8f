import { appendFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { openEmbeddedDatabase } from '../../adapters/embedded/database.js';
import type { DispatchResult, PostbackDispatcher } from '../../app/postbacks/dispatcher.js';
import { createEmbeddedConsumer, embeddedLog } from '../../composition/embedded.js';
import { StreamPoller } from '../stream-poller.js';
import { EmbeddedShardSource, logCheckpoints } from './log-source.js';
import type {
  ConsumerProgress,
  ConsumerTimings,
  ConsumerWorkerData,
  FromWorker,
  ToWorker,
} from './protocol.js';

/**
 * The attribution consumer of the embedded local mode, on its own thread: it polls the embedded log
 * (the event source mapping's semantics, `StreamPoller`) and hands each batch to the consumer the
 * composition root wires (`createEmbeddedConsumer`: the same use case and engine as the Lambda
 * function, over the embedded identity graph and the lake files). The HTTP thread only appends to the
 * log, so ingest latency does not depend on the consumer's work.
 */

const data = workerData as ConsumerWorkerData;
const port = parentPort;
if (!port) throw new Error('consumer-worker.ts runs as a worker thread (see src/local/embedded/platform.ts)');
const send = (message: FromWorker) => port.postMessage(message);

const db = openEmbeddedDatabase(data.dataDir, { noSync: data.noSync });
const log = embeddedLog(db, data.shards);
const timings: ConsumerTimings = { handlerMs: 0, loadMs: 0, commitMs: 0, lakeMs: 0 };
const timed = async <T>(step: keyof ConsumerTimings, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[step] += performance.now() - started;
  }
};
/**
 * The postback stage: the HTTP thread holds the destinations and the delivery log, so the subjects of
 * each committed batch go there and the batch waits for the answer (a failure fails it, as in Lambda).
 */
const pendingDispatches = new Map<
  number,
  { resolve(result: DispatchResult): void; reject(error: Error): void }
>();
let dispatchId = 0;
const postbacks: PostbackDispatcher | undefined = data.postbacks
  ? (subjects) =>
      new Promise<DispatchResult>((resolve, reject) => {
        const id = ++dispatchId;
        pendingDispatches.set(id, { resolve, reject });
        send({ type: 'postbacks', id, subjects: [...subjects] });
      })
  : undefined;
const { consume, graph } = createEmbeddedConsumer(db, {
  ...(postbacks ? { postbacks } : {}),
  lakeDirectory: data.lakeDirectory,
  defaultSettings: data.defaultSettings,
  dataCenterCidrs: data.dataCenterCidrs,
  timed,
  // Test hook of the crash test (`test/local/embedded-crash.test.ts`): a pause after every commit, so
  // a `kill -9` lands between a batch's commit and its checkpoint. Unset outside that test.
  commitPauseMs: Number(process.env.UNMOGROWP_TEST_COMMIT_PAUSE_MS ?? 0),
  logger: {
    info: () => undefined,
    warn: (message) => send({ type: 'log', line: `consumer: ${message}` }),
    error: (message, extra) =>
      send({ type: 'log', line: `consumer: ${message} ${JSON.stringify(extra ?? {})}` }),
  },
});

let consumedRecords = 0;
let deadLetters = 0;
let batches: ConsumerProgress['batches'][number][] = [];
const poller = new StreamPoller({
  source: new EmbeddedShardSource(log),
  streamName: data.streamName,
  region: data.region,
  handler: (event) => timed('handlerMs', () => consume(event)),
  batchSize: data.batchSize,
  idleMs: 50,
  checkpoints: logCheckpoints(log, 'attribution-consumer'),
  onDeadLetter: (letter) => {
    deadLetters += letter.records.length;
    consumedRecords += letter.records.length;
    appendFileSync(data.deadLetterFile, `${JSON.stringify(letter)}\n`);
  },
  onBatch: (info) => {
    consumedRecords += info.handled;
    batches.push({ atMs: Date.now(), records: info.records, failed: info.failed, lagMs: info.lagMs });
  },
});

let reported = -1;
const report = () => {
  const caughtUpAtMs = poller.caughtUpAtMs;
  if (batches.length === 0 && caughtUpAtMs === reported) return;
  reported = caughtUpAtMs;
  send({ type: 'progress', consumedRecords, deadLetters, caughtUpAtMs, timings: { ...timings }, batches });
  batches = [];
};
const progress = setInterval(report, 25);
// Expired touchpoints, event markers and IP-hour counts go as DynamoDB's TTL would remove them.
const sweep = setInterval(() => void graph.sweepExpired().catch(() => undefined), 10 * 60_000);

port.on('message', async (message: ToWorker) => {
  if (message.type === 'postbacks-dispatched') {
    const pending = pendingDispatches.get(message.id);
    pendingDispatches.delete(message.id);
    if (message.result) pending?.resolve(message.result);
    else pending?.reject(new Error(message.error ?? 'postback jobs not made'));
    return;
  }
  if (message.type !== 'stop') return;
  clearInterval(sweep);
  await poller.drain(15_000).catch((error: unknown) => {
    send({ type: 'log', line: `stopping with records pending: ${(error as Error).message}` });
  });
  await poller.stop();
  clearInterval(progress);
  report();
  await db.close();
  send({ type: 'stopped' });
});

poller.start();
send({ type: 'ready' });
