import type { TestProject } from 'vitest/node';
import { type LocalServiceEndpoints, startLocalServices } from '../../src/local/services.js';

/**
 * Starts DynamoDB Local, kinesalite and s3rver once per test run; every integration test file creates
 * its own uniquely named tables, streams and buckets on them.
 */
export default async function setup(project: TestProject) {
  const services = await startLocalServices();
  project.provide('localEndpoints', services.endpoints);
  return async () => {
    await services.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    localEndpoints: LocalServiceEndpoints;
  }
}
