/**
 * Bundles each Lambda handler as the CDK does (esbuild, ESM, Node 20, minified, AWS SDK v3 included)
 * and prints its size with the largest inputs, from the esbuild metafile.
 * Run: `npx tsx src/tools/bundle-size.ts`
 */
import { build } from 'esbuild';
import { HANDLERS } from '../definitions/tables.js';

const rows: { handler: string; bytes: number; top: string }[] = [];
for (const [name, entry] of Object.entries(HANDLERS)) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    outfile: `out/${name}.mjs`,
    logLevel: 'silent',
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  });
  const output = Object.values(result.metafile.outputs)[0];
  const packages = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = match?.[1] ?? 'own code';
    packages.set(key, (packages.get(key) ?? 0) + input.bytesInOutput);
  }
  const top = [...packages]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([p, b]) => `${p} ${(b / 1024).toFixed(0)} KiB`)
    .join(', ');
  rows.push({ handler: name, bytes: output?.bytes ?? 0, top });
}
for (const r of rows)
  console.log(`${r.handler.padEnd(9)} ${(r.bytes / 1024).toFixed(0).padStart(6)} KiB  (${r.top})`);
