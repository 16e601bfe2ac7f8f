/**
 * Counts the dashboards' widgets, the alarms and the custom (UnMoGrowP namespace) metric queries of the
 * synthesized templates, per configuration: `npx tsx scripts/monitoring-inventory.ts`. A custom metric
 * query is a dashboard row or alarm metric in the `UnMoGrowP` namespace, or a `SEARCH` over it.
 */
import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_PLATFORM_CONFIG, parsePlatformConfig } from '../lib/config/index.js';
import { buildPlatform } from '../lib/platform.js';
import { METRICS_NAMESPACE } from '../src/definitions/index.js';

const CONFIGS = {
  default: {},
  'three regions with a silo tenant': {
    auth: { kind: 'jwt-secret' as const },
    homeRegion: 'us-east-1',
    regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
    tenants: [
      { tenantId: 'demo', tier: 'pool' as const },
      { tenantId: 'bigco', tier: 'silo' as const, ownTable: true },
    ],
  },
};

/** Whether a dashboard row's part is an expression that searches the custom namespace. */
const searchesCustomNamespace = (part: unknown): boolean =>
  typeof (part as { expression?: unknown })?.expression === 'string' &&
  (part as { expression: string }).expression.includes(`SEARCH('{${METRICS_NAMESPACE},`);

/** A dashboard body with every token replaced by a placeholder string, parsed. */
function dashboardBody(body: unknown): { widgets: { properties?: { metrics?: unknown[][] } }[] } {
  if (typeof body === 'string') return JSON.parse(body);
  const join = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return JSON.parse(join[1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(join[0]));
}

for (const [name, overrides] of Object.entries(CONFIGS)) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const platform = buildPlatform(app, parsePlatformConfig({ ...DEFAULT_PLATFORM_CONFIG, ...overrides }), {
    projectRoot: resolve(import.meta.dirname, '..'),
  });
  let dashboards = 0;
  let widgets = 0;
  let alarms = 0;
  let customQueries = 0;
  let insightRules = 0;
  for (const region of platform.regions) {
    for (const stack of [region.stateful, region.lake, region.processing, region.api, region.observability]) {
      const template = Template.fromStack(stack);
      alarms += Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length;
      insightRules += Object.keys(template.findResources('AWS::CloudWatch::InsightRule')).length;
      for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
        const p = alarm.Properties;
        if (p.Namespace === METRICS_NAMESPACE) customQueries++;
        for (const m of p.Metrics ?? [])
          if (m.MetricStat?.Metric?.Namespace === METRICS_NAMESPACE) customQueries++;
      }
      for (const dashboard of Object.values(template.findResources('AWS::CloudWatch::Dashboard'))) {
        dashboards++;
        const body = dashboardBody(dashboard.Properties.DashboardBody);
        widgets += body.widgets.length;
        for (const w of body.widgets)
          for (const row of w.properties?.metrics ?? [])
            if (row[0] === METRICS_NAMESPACE || row.some(searchesCustomNamespace)) customQueries++;
      }
    }
  }
  console.log(
    JSON.stringify({
      config: name,
      dashboards,
      widgets,
      alarms,
      customMetricQueries: customQueries,
      insightRules,
    }),
  );
}
