import { describe, expect, it } from 'vitest';
import { ALL_API_ADAPTERS, createApiServices } from '../../src/composition/api.js';
import { loadRuntimeConfig, RUNTIME_ENV } from '../../src/config/runtime.js';
import { localClients } from '../support/local.js';

/** Bearer tokens are verified only by the functions serving bearer routes (not ingest: smaller bundle). */
describe('bearer token verification per function', () => {
  const config = loadRuntimeConfig({ [RUNTIME_ENV.jwtSecret]: 'a-secret-of-at-least-32-characters!!' });
  const clients = localClients();

  it('refuses every bearer token in a function built without the verifier (ingest)', async () => {
    const services = createApiServices(config, clients);

    await expect(services.verifyToken('any.token.here')).rejects.toThrow(
      'serves no route with bearer tokens',
    );
  });

  it('verifies them where the function wires the verifier (query, admin, local mode, tests)', async () => {
    const services = createApiServices(config, clients, { adapters: ALL_API_ADAPTERS });

    await expect(services.verifyToken('not-a-jwt')).rejects.not.toThrow('serves no route with bearer tokens');
  });
});
