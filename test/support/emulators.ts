import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Which tests need the AWS emulators (DynamoDB Local needs Java), and whether this machine can run them.
 * `vitest.config.ts` leaves those tests out on a machine without Java and says so in one line; CI
 * (`.ci/run`) installs Java and sets `UNMOGROWP_REQUIRE_EMULATORS=1`, so there nothing is left out.
 */

/** What a test file uses when it needs the emulators the global setup starts. */
const EMULATOR_MARKERS = [
  "support/local.js'",
  "support/api.js'",
  "inject('localEndpoints')",
  'startLocalServices(',
  'startLocalPlatform(',
  'src/local/soak/',
];

export const REQUIRE_EMULATORS_ENV = 'UNMOGROWP_REQUIRE_EMULATORS';

/** True when a Java runtime answers `java -version`. */
export function javaAvailable(): boolean {
  const result = spawnSync('java', ['-version'], { stdio: 'ignore' });
  return result.status === 0;
}

function tsFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const usesEmulators = (source: string) => EMULATOR_MARKERS.some((marker) => source.includes(marker));

/**
 * Test files (relative to `root`, `/`-separated) that need the emulators: those that use them, and those
 * that import a test helper of theirs that does (`test/security/support.ts`, say).
 */
export function emulatorTestFiles(root: string): string[] {
  const files = tsFiles(join(root, 'test'));
  const helpers = files
    .filter((file) => !file.endsWith('.test.ts') && usesEmulators(readFileSync(file, 'utf8')))
    .map((file) => `/${file.split(/[\\/]/).pop()?.replace(/\.ts$/, '.js')}'`);
  return files
    .filter((file) => file.endsWith('.test.ts'))
    .filter((file) => {
      const source = readFileSync(file, 'utf8');
      return usesEmulators(source) || helpers.some((helper) => source.includes(helper));
    })
    .map((file) => relative(root, file).split('\\').join('/'))
    .sort();
}

/** Tests (`it`/`test` calls) in the given files: the figure the skip line reports. */
export function countTests(root: string, files: readonly string[]): number {
  return files.reduce(
    (n, file) =>
      n + (readFileSync(join(root, file), 'utf8').match(/^\s*(it|test)(\.each\([^)]*\))?\(/gm)?.length ?? 0),
    0,
  );
}
