/**
 * Control Tower proactive controls over the synthesised templates, counted by rule, with the synth
 * time: `npx tsx scripts/control-tower.ts [config.json]` (default config without an argument). Offline:
 * the guard rules and binary ship inside `@cdklabs/cdk-validator-cfnguard`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadPlatformConfig } from '../lib/config/index.js';
import { buildPlatform } from '../lib/platform.js';
import { controlTowerFindings, countByRule, unacknowledged } from '../lib/policy/control-tower.js';

const projectRoot = resolve(import.meta.dirname, '..');
const configPath = process.argv[2];
const outdir = mkdtempSync(join(tmpdir(), 'unmogrowp-ct-'));
const context = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')).context ?? {};
const app = new App({ outdir, context: { ...context, 'aws:cdk:bundling-stacks': [] } });
const started = performance.now();
const platform = buildPlatform(app, loadPlatformConfig(configPath && resolve(configPath)), { projectRoot });
const findings = controlTowerFindings(app);
const seconds = (performance.now() - started) / 1000;
const stacks = platform.regions.flatMap((r) => [r.stateful, r.lake, r.processing, r.api, r.observability]);
const resources = Object.fromEntries(
  stacks.map((stack) => [
    stack.stackName,
    Object.keys(JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8')).Resources ?? {}).length,
  ]),
);
console.log(
  JSON.stringify(
    {
      config: configPath ?? 'default',
      stacks: stacks.length,
      resourcesPerStack: resources,
      synthAndCheckSeconds: Number(seconds.toFixed(1)),
      findingsByRule: countByRule(findings),
      unacknowledged: unacknowledged(findings),
    },
    null,
    2,
  ),
);
rmSync(outdir, { recursive: true, force: true });
