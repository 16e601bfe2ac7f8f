import { defineConfig } from 'vitest/config';
import { emulatorTestFiles, javaAvailable, REQUIRE_EMULATORS_ENV } from './test/support/emulators.js';

// Tests of the cloud adapters run against the AWS emulators (DynamoDB Local needs Java). Without Java
// they are left out, with one line that says how many, why and how to run them; CI requires them.
const emulatorsRunnable = javaAvailable();
if (!emulatorsRunnable && process.env[REQUIRE_EMULATORS_ENV] === '1') {
  throw new Error(`${REQUIRE_EMULATORS_ENV}=1 but no Java runtime was found: DynamoDB Local needs Java 11+`);
}
const leftOut = emulatorsRunnable ? [] : emulatorTestFiles(process.cwd());
if (leftOut.length > 0) {
  console.warn(
    `vitest: skipping ${leftOut.length} test files that need the AWS emulators (DynamoDB Local needs Java 11+, not found); install a Java runtime and run \`npm test\` again, or run \`.ci/run\`, to include them.`,
  );
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...leftOut],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // DynamoDB Local, kinesalite and s3rver start once per run (integration tests of the adapters),
    // only when a test that needs them runs (see test/support/global-setup.ts).
    globalSetup: ['test/support/global-setup.ts'],
    env: {
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
    },
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'lib/**/*.ts', 'lambdas/**/*.ts'],
      thresholds: { lines: 80, functions: 80, branches: 70, statements: 80 },
    },
  },
});
