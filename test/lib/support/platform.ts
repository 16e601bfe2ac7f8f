import { resolve } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  DEFAULT_PLATFORM_CONFIG,
  type PlatformConfigInput,
  parsePlatformConfig,
} from '../../../lib/config/index.js';
import { buildPlatform, type Platform } from '../../../lib/platform.js';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../../..');

/** An app that skips esbuild bundling: unit tests assert templates, not bundles. */
export const testApp = (): App => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

/** The default config with overrides. */
export const configWith = (overrides: Partial<PlatformConfigInput> = {}) =>
  parsePlatformConfig({ ...DEFAULT_PLATFORM_CONFIG, ...overrides });

/** Builds the whole platform for a config into a bundling-free app. */
export function buildTestPlatform(overrides: Partial<PlatformConfigInput> = {}): Platform {
  return buildPlatform(testApp(), configWith(overrides), { projectRoot: PROJECT_ROOT });
}

/** Every stack of a platform. */
export const allStacks = (platform: Platform): Stack[] =>
  platform.regions.flatMap((r) => [r.stateful, r.lake, r.processing, r.api, r.observability]);

/** cdk-nag AWS Solutions errors of a stack (acknowledged findings excluded), as `rule at path` lines. */
export function nagErrors(stack: Stack): string[] {
  const report = new AwsSolutionsChecks(undefined, { verbose: false }).validateScope(stack);
  return report.violations
    .filter((violation) => violation.severity === 'error')
    .flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
    );
}

const templates = new WeakMap<Stack, Template>();
/** The template of a stack, synthesised once per stack. */
export function templateOf(stack: Stack): Template {
  let template = templates.get(stack);
  if (template === undefined) {
    template = Template.fromStack(stack);
    templates.set(stack, template);
  }
  return template;
}

/** The stacks of one region of a platform. */
export function regionOf(platform: Platform, region: string) {
  const stacks = platform.regions.find((r) => r.region === region);
  if (stacks === undefined) throw new Error(`no stacks for ${region}`);
  return stacks;
}
