import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { loadPlatformConfig } from '../../lib/config/index.js';
import { buildPlatform } from '../../lib/platform.js';
import { PROJECT_ROOT } from '../lib/support/platform.js';

describe('the CDK app with real esbuild bundling', () => {
  it('bundles the consumer as minified ESM with a source map', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'unmogrowp-synth-'));
    // Bundle one stack only: every function goes through the same house construct.
    const app = new App({
      outdir,
      context: { 'aws:cdk:bundling-stacks': ['UnMoGrowP-dev-us-east-1-Processing'] },
    });
    buildPlatform(app, loadPlatformConfig(), { projectRoot: PROJECT_ROOT });

    const assembly = app.synth();

    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    const bundles = assets.filter((name) => existsSync(join(outdir, name, 'index.mjs')));
    expect(bundles.length).toBeGreaterThanOrEqual(1);
    const bundle = join(outdir, bundles[0] ?? '', 'index.mjs');
    expect(existsSync(`${bundle}.map`)).toBe(true);
    expect(readFileSync(bundle, 'utf8')).toContain('createRequire');
    expect(assembly.stacks).toHaveLength(10);
  }, 120_000);
});
