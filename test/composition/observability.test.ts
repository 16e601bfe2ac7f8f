import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { createObservability, traceClients, traceHandler } from '../../src/composition/observability.js';

/** Bundles built without SDK-call tracing have no tracer (`traceSdkCalls`, src/tools/bundling.ts). */
describe('observability without the tracer', () => {
  it('wraps a handler in a middleware that does nothing, which middy accepts', async () => {
    const handler = middy(async (event: { n: number }) => event.n + 1).use(traceHandler(undefined));

    await expect(handler({ n: 1 }, {} as never)).resolves.toBe(2);
  });

  it('leaves the SDK clients as they are', () => {
    const clients = { dynamodb: { send: () => undefined } };

    expect(traceClients(undefined, clients)).toBe(clients);
  });

  it('has a tracer when the code is not bundled (local mode, tests)', () => {
    expect(createObservability('ingest').tracer).toBeDefined();
  });
});
