#!/usr/bin/env node
/**
 * The CDK app: `npx cdk synth`, `npx cdk deploy --all`. Reads the platform config named by
 * `-c config=<file.json>` (default: the built-in two-region demo config) and builds every stack of every
 * configured region. `-c nag=true` also runs the cdk-nag AWS Solutions checks; `-c guard=true` the
 * Control Tower proactive controls (offline), failing on any finding not in CONTROL_TOWER_ACKNOWLEDGED.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadPlatformConfig } from '../lib/config/index.js';
import { buildPlatform } from '../lib/platform.js';
import { controlTowerFindings, unacknowledged } from '../lib/policy/control-tower.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const app = new App();
const configPath: unknown = app.node.tryGetContext('config');
const config = loadPlatformConfig(typeof configPath === 'string' ? resolve(configPath) : undefined);
buildPlatform(app, config, { projectRoot });
if (String(app.node.tryGetContext('nag')) === 'true') {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}
if (String(app.node.tryGetContext('guard')) === 'true') {
  const findings = unacknowledged(controlTowerFindings(app));
  for (const finding of findings) {
    console.error(
      `Control Tower ${finding.rule}: ${finding.stackName} ${finding.logicalId} (not acknowledged)`,
    );
  }
  if (findings.length > 0) process.exitCode = 1;
} else {
  app.synth();
}
