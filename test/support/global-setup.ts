import type { TestProject } from 'vitest/node';
import { type LocalServiceEndpoints, startLocalServices } from '../../src/local/services.js';
import { emulatorTestFiles, javaAvailable } from './emulators.js';

/**
 * Starts DynamoDB Local, kinesalite and s3rver once per test run; every integration test file creates
 * its own uniquely named tables, streams and buckets on them. Without Java, `vitest.config.ts` has
 * already left out the tests that need them (and said so): nothing is started.
 */
export default async function setup(project: TestProject) {
  if (!javaAvailable() || !runsEmulatorTests(project)) return;
  const services = await startLocalServices();
  project.provide('localEndpoints', services.endpoints);
  return async () => {
    await services.stop();
  };
}

/**
 * Whether this run includes a test that needs the emulators (a run of only embedded or unit tests
 * starts no JVM). Paths named on the command line are vitest's file filters; none means every file.
 */
function runsEmulatorTests(project: TestProject): boolean {
  // Options are not filters, even when they name a path (`--outputFile.json=/tmp/report.json` in CI).
  const named = process.argv
    .slice(2)
    .filter((a) => !a.startsWith('-') && (a.endsWith('.ts') || a.includes('/')));
  if (named.length === 0) return true;
  const needing = emulatorTestFiles(project.config.root);
  return named.some((filter) => needing.some((file) => file.includes(filter.replace(/^\.\//, ''))));
}

declare module 'vitest' {
  export interface ProvidedContext {
    localEndpoints: LocalServiceEndpoints;
  }
}
