/**
 * Bundles each Lambda handler exactly as the CDK does (`LAMBDA_BUNDLING`: esbuild, ESM, minified, the
 * AWS SDK clients included) and reports its size with the largest packages, from the esbuild metafile.
 * Run: `npx tsx src/tools/bundle-size.ts [--json]`
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { HANDLERS, type HandlerName } from '../definitions/handlers.js';
import { esbuildOptions } from './bundling.js';

/** The project root (holds `lambdas/` and `node_modules/`). */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The size budget of one function's minified bundle (issue 7). */
export const BUNDLE_BUDGET_BYTES = 500 * 1024;

export interface BundleSize {
  readonly handler: HandlerName;
  /** Bytes of the minified bundle (without its source map). */
  readonly bytes: number;
  /** The largest packages in the bundle (`own code` for ours), bytes each, largest first. */
  readonly packages: readonly { readonly name: string; readonly bytes: number }[];
  /** Where the bundle was written, when asked to write it. */
  readonly file?: string;
  /** The input files with bytes in the bundle (tree-shaken ones excluded). */
  readonly inputs: readonly string[];
}

/**
 * Bundles every handler (or the named ones). With `outdir` the bundles are written there as
 * `<handler>.mjs`; keep that directory inside the project so that Node resolves what stays external.
 */
export async function measureBundles(
  options: {
    outdir?: string;
    handlers?: readonly HandlerName[];
    top?: number;
    /** Build as a function with `traceSdkCalls` on (the Powertools tracer bundled). @default false */
    traceSdkCalls?: boolean;
  } = {},
): Promise<BundleSize[]> {
  const names = options.handlers ?? (Object.keys(HANDLERS) as HandlerName[]);
  if (options.outdir) mkdirSync(options.outdir, { recursive: true });
  const sizes: BundleSize[] = [];
  for (const handler of names) {
    const outfile = join(options.outdir ?? join(PROJECT_ROOT, 'cdk.out', 'bundle-size'), `${handler}.mjs`);
    const result = await build({
      ...esbuildOptions(join(PROJECT_ROOT, HANDLERS[handler]), outfile, options.traceSdkCalls),
      absWorkingDir: PROJECT_ROOT,
      write: options.outdir !== undefined,
      metafile: true,
    });
    const output = result.metafile.outputs[Object.keys(result.metafile.outputs)[0] ?? ''];
    const packages = new Map<string, number>();
    for (const [path, input] of Object.entries(output?.inputs ?? {})) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? 'own code';
      packages.set(name, (packages.get(name) ?? 0) + input.bytesInOutput);
    }
    sizes.push({
      handler,
      bytes: output?.bytes ?? 0,
      packages: [...packages]
        .sort((a, b) => b[1] - a[1])
        .slice(0, options.top ?? 6)
        .map(([name, bytes]) => ({ name, bytes })),
      ...(options.outdir ? { file: outfile } : {}),
      inputs: Object.entries(output?.inputs ?? {})
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => path),
    });
  }
  return sizes;
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = await measureBundles();
  if (process.argv.includes('--json')) console.log(JSON.stringify(sizes, null, 2));
  else
    for (const s of sizes) {
      const top = s.packages.map((p) => `${p.name} ${kib(p.bytes)}`).join(', ');
      const flag = s.bytes > BUNDLE_BUDGET_BYTES ? '  over the 500 KiB budget' : '';
      console.log(`${s.handler.padEnd(9)} ${kib(s.bytes).padStart(9)}  (${top})${flag}`);
    }
}
