import { readFileSync } from 'node:fs';
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
import { type CustomMetricIdentity, METRICS_NAMESPACE, metricKey } from '../../../src/definitions/index.js';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../../..');

/** The feature flags of `cdk.json`, which the CLI gives the app: tests synthesise with the same ones. */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = JSON.parse(
  readFileSync(resolve(PROJECT_ROOT, 'cdk.json'), 'utf8'),
).context;

/** An app with `cdk.json`'s feature flags that skips esbuild bundling: tests assert templates, not bundles. */
export const testApp = (context: Readonly<Record<string, unknown>> = {}): App =>
  new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });

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

/** A dashboard body with every token replaced by a placeholder, parsed. */
export function dashboardBody(body: unknown): {
  widgets: {
    type: string;
    properties: Record<string, unknown> & { metrics?: unknown[][]; title?: string };
  }[];
} {
  if (typeof body === 'string') return JSON.parse(body);
  const join = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return JSON.parse(join[1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(join[0]));
}

/** Every dashboard of a stack, parsed. */
export function dashboardsOf(stack: Stack): ReturnType<typeof dashboardBody>[] {
  return Object.values(templateOf(stack).findResources('AWS::CloudWatch::Dashboard')).map((d) =>
    dashboardBody(d.Properties.DashboardBody),
  );
}

/**
 * Every custom (UnMoGrowP namespace) metric the dashboards and alarms of a platform query, by
 * `metricKey`: dashboard rows `[namespace, name, dim, value, …, options?]` and alarm metric stats.
 */
export function queriedCustomMetrics(platform: Platform): Map<string, CustomMetricIdentity> {
  const out = new Map<string, CustomMetricIdentity>();
  const add = (identity: CustomMetricIdentity) => {
    if (identity.namespace === METRICS_NAMESPACE) out.set(metricKey(identity), identity);
  };
  for (const stack of allStacks(platform)) {
    for (const dashboard of dashboardsOf(stack))
      for (const widget of dashboard.widgets)
        for (const row of widget.properties.metrics ?? []) {
          const parts = row.filter((p): p is string => typeof p === 'string');
          const [namespace, metricName, ...dims] = parts;
          if (namespace === undefined || metricName === undefined) continue;
          const dimensions: Record<string, string> = {};
          for (let i = 0; i + 1 < dims.length; i += 2) dimensions[dims[i] as string] = dims[i + 1] as string;
          add({ namespace, metricName, dimensions });
        }
    for (const alarm of Object.values(templateOf(stack).findResources('AWS::CloudWatch::Alarm'))) {
      const p = alarm.Properties;
      const stats = [
        ...(p.MetricName
          ? [{ Namespace: p.Namespace, MetricName: p.MetricName, Dimensions: p.Dimensions }]
          : []),
        ...(p.Metrics ?? []).flatMap((m: { MetricStat?: { Metric: unknown } }) =>
          m.MetricStat ? [m.MetricStat.Metric] : [],
        ),
      ] as { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] }[];
      for (const s of stats)
        add({
          namespace: s.Namespace,
          metricName: s.MetricName,
          dimensions: Object.fromEntries((s.Dimensions ?? []).map((d) => [d.Name, d.Value])),
        });
    }
  }
  return out;
}
