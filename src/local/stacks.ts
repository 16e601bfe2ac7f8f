import {
  type EmbeddedPlatform,
  type EmbeddedPlatformOptions,
  startEmbeddedPlatform,
} from './embedded/platform.js';
import { type LocalPlatform, type LocalPlatformOptions, startLocalPlatform } from './platform.js';

/**
 * The two local stacks (docs/local-mode.md):
 * - `embedded` (the default of `npm start`): store, log and lake inside Node; no Java, fast, durable.
 * - `emulators` (`npm start -- --emulators`): DynamoDB Local, kinesalite and s3rver, to exercise the
 *   cloud adapters themselves.
 */
export type LocalStack = 'embedded' | 'emulators';

export type RunningPlatform = EmbeddedPlatform | (LocalPlatform & { readonly stack: 'emulators' });

export type StartOptions =
  | (EmbeddedPlatformOptions & { readonly stack?: 'embedded' })
  | (LocalPlatformOptions & { readonly stack: 'emulators' });

/** Starts local mode on the chosen stack. @default the embedded stack */
export async function startPlatform(options: StartOptions = {}): Promise<RunningPlatform> {
  if (options.stack === 'emulators') {
    const { stack: _, ...rest } = options;
    return { ...(await startLocalPlatform(rest)), stack: 'emulators' };
  }
  const { stack: _, ...rest } = options;
  return startEmbeddedPlatform(rest);
}

/** The stack named on a command line: `--emulators` picks the emulators, anything else the embedded one. */
export function stackFromArgs(argv: readonly string[]): LocalStack {
  return argv.includes('--emulators') ? 'emulators' : 'embedded';
}
