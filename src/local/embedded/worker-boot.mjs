// Entry of the consumer worker thread: lets the worker load the TypeScript sources (tsx), whatever
// loaded the main thread (tsx, vitest), then runs the worker module named in `workerData.entry`.
import { workerData } from 'node:worker_threads';

if (!workerData.compiled) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
