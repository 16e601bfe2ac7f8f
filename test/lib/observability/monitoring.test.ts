import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { beforeAll, describe, expect, it } from 'vitest';
import { regionAlarmSpecs } from '../../../lib/observability/alarm-specs.js';
import { GLOBAL_DASHBOARD_ROWS } from '../../../lib/observability/global-dashboard.js';
import { REGION_DASHBOARD_ROWS, RegionMonitoring } from '../../../lib/observability/region-monitoring.js';
import { RUNBOOKS } from '../../../lib/observability/runbooks.js';
import type { Platform } from '../../../lib/platform.js';
import { PRICES } from '../../../src/cost/prices.js';
import {
  allStacks,
  buildTestPlatform,
  dashboardsOf,
  PROJECT_ROOT,
  regionOf,
  templateOf,
} from '../support/platform.js';

const THREE_REGIONS_WITH_SILO = {
  auth: { kind: 'jwt-secret' as const },
  homeRegion: 'us-east-1',
  regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
  tenants: [
    { tenantId: 'demo', tier: 'pool' as const },
    { tenantId: 'bigco', tier: 'silo' as const, ownTable: true },
  ],
};

/** An alarm on one metric stat, matched by name and dimensions. */
const alarmOn = (
  metricName: string,
  dimensions: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) =>
  Match.objectLike({
    ...extra,
    Metrics: Match.arrayWith([
      Match.objectLike({
        MetricStat: Match.objectLike({
          Metric: Match.objectLike({
            MetricName: metricName,
            // The template lists dimensions sorted by name.
            Dimensions: Match.arrayWith(
              Object.entries(dimensions)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([Name, Value]) => Match.objectLike({ Name, Value })),
            ),
          }),
        }),
      }),
    ]),
  });

/** Every metric row label of every graph and single value widget of a dashboard. */
function labelsOf(dashboard: ReturnType<typeof dashboardsOf>[number]): string[] {
  return dashboard.widgets.flatMap((w) =>
    (w.properties.metrics ?? []).flatMap((row) => {
      const options = row[row.length - 1] as { label?: string; visible?: boolean };
      return typeof options === 'object' && options.visible !== false && options.label ? [options.label] : [];
    }),
  );
}

describe('regional monitoring (default app: us-east-1 and eu-west-1)', () => {
  let platform: Platform;
  let home: Template;
  beforeAll(() => {
    platform = buildTestPlatform();
    home = templateOf(regionOf(platform, 'us-east-1').observability);
  });

  it('creates 37 alarms in each observability stack, 2 beside each consumer event source and 2 of the postback queue', () => {
    home.resourceCountIs('AWS::CloudWatch::Alarm', 37);
    templateOf(regionOf(platform, 'eu-west-1').observability).resourceCountIs('AWS::CloudWatch::Alarm', 37);
    templateOf(regionOf(platform, 'us-east-1').processing).resourceCountIs('AWS::CloudWatch::Alarm', 4);
  });

  it('gives every alarm a name, an action for firing and recovering, and a runbook link', () => {
    for (const region of platform.regions)
      for (const stack of [region.observability, region.processing])
        for (const alarm of Object.values(templateOf(stack).findResources('AWS::CloudWatch::Alarm'))) {
          const p = alarm.Properties;
          expect(p.AlarmName).toMatch(/^unmogrowp-dev-/);
          expect(p.AlarmActions).toHaveLength(1);
          expect(p.OKActions).toHaveLength(1);
          expect(p.AlarmDescription).toMatch(/Runbook: docs\/operations\.md#runbook-[a-z-]+$/);
        }
  });

  it('leaves no alarm of any stack without an action (issue 12, item 5)', () => {
    for (const stack of allStacks(platform))
      for (const [id, alarm] of Object.entries(templateOf(stack).findResources('AWS::CloudWatch::Alarm')))
        expect(alarm.Properties.AlarmActions, `${stack.stackName} ${id}`).toHaveLength(1);
  });

  it('has a runbook section in docs/operations.md for every runbook an alarm links', () => {
    const docs = readFileSync(resolve(PROJECT_ROOT, 'docs/operations.md'), 'utf8');
    for (const id of Object.keys(RUNBOOKS)) expect(docs, id).toContain(`<a id="runbook-${id}"></a>`);
  });

  describe('ingest alarms', () => {
    it('alarms on the 5xx ratio per function: 1 % for ingest, 5 % for reports and admin', () => {
      for (const [service, threshold] of [
        ['ingest', 0.01],
        ['query', 0.05],
        ['admin', 0.05],
      ] as const) {
        home.hasResourceProperties(
          'AWS::CloudWatch::Alarm',
          alarmOn(
            'Http5xx',
            { service },
            { AlarmName: `unmogrowp-dev-ApiServerErrors-${service}`, Threshold: threshold },
          ),
        );
      }
      home.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'unmogrowp-dev-ApiServerErrors-ingest',
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: Match.stringLikeRegexp('^IF\\(m_d_ingest_5xx_us_east_1 >= 20, ') }),
          Match.objectLike({
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Requests' }) }),
          }),
        ]),
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
      });
    });

    it('alarms on the 4xx ratio per function', () => {
      for (const service of ['ingest', 'query', 'admin'])
        home.hasResourceProperties(
          'AWS::CloudWatch::Alarm',
          alarmOn('Http4xx', { service }, { Threshold: 0.25 }),
        );
    });

    it('alarms on ingest latency only, not on reports that wait on Athena', () => {
      home.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarmOn('Duration', { FunctionName: 'unmogrowp-dev-ingest' }, { Threshold: 1000 }),
      );
      expect(JSON.stringify(home.findResources('AWS::CloudWatch::Alarm'))).not.toContain('"Latency"');
    });

    it('pages on short bursts of throttles: 2 of 5 minutes', () => {
      for (const name of ['unmogrowp-dev-ingest', 'unmogrowp-dev-consumer'])
        home.hasResourceProperties(
          'AWS::CloudWatch::Alarm',
          alarmOn('Throttles', { FunctionName: name }, { EvaluationPeriods: 5, DatapointsToAlarm: 2 }),
        );
      home.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarmOn(
          'WriteProvisionedThroughputExceeded',
          { StreamName: 'unmogrowp-dev-ingest' },
          { EvaluationPeriods: 5, DatapointsToAlarm: 2 },
        ),
      );
    });
  });

  describe('stream and attribution alarms', () => {
    it("watches each consumer's own iterator age, not the stream's (which the lake Firehose also reads)", () => {
      home.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarmOn('IteratorAge', { FunctionName: 'unmogrowp-dev-consumer' }, { Threshold: 60000 }),
      );
      expect(JSON.stringify(home.findResources('AWS::CloudWatch::Alarm'))).not.toContain(
        'GetRecords.IteratorAgeMilliseconds',
      );
    });

    it("alarms on the consumer's failed, quarantined and redelivered records", () => {
      for (const [metricName, datapoints] of [
        ['FailedRecords', 3],
        ['PoisonedRecords', 1],
        ['RedeliveredRecords', 3],
      ] as const)
        home.hasResourceProperties(
          'AWS::CloudWatch::Alarm',
          alarmOn(
            metricName,
            { service: 'attribution-consumer' },
            { Threshold: 0, DatapointsToAlarm: datapoints },
          ),
        );
    });

    it('pages as soon as a dead letter waits in the on-failure queue', () => {
      home.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarmOn(
          'ApproximateNumberOfMessagesVisible',
          { QueueName: 'unmogrowp-dev-consumer-failures' },
          {
            AlarmName: 'unmogrowp-dev-DeadLetters-unmogrowp-dev-consumer-failures',
            Threshold: 0,
            EvaluationPeriods: 1,
          },
        ),
      );
    });
  });

  describe('storage and lake alarms', () => {
    it('counts throttles of the tables and of every global secondary index', () => {
      for (const [table, index] of [
        ['unmogrowp-dev-identity-graph', 'gsi1'],
        ['unmogrowp-dev-tenant-registry', 'byApiKeyHash'],
      ])
        for (const kind of ['Read', 'Write'])
          home.hasResourceProperties(
            'AWS::CloudWatch::Alarm',
            alarmOn(`${kind}ThrottleEvents`, { TableName: table, GlobalSecondaryIndexName: index }),
          );
    });

    it('alarms on DynamoDB system errors over the operations the adapters call', () => {
      home.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarmOn('SystemErrors', {
          TableName: 'unmogrowp-dev-identity-graph',
          Operation: 'TransactWriteItems',
        }),
      );
    });

    it('alarms on replication latency towards each receiving region', () => {
      home.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarmOn('ReplicationLatency', {
          TableName: 'unmogrowp-dev-identity-graph',
          ReceivingRegion: 'eu-west-1',
        }),
      );
      templateOf(regionOf(platform, 'eu-west-1').observability).hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarmOn('ReplicationLatency', {
          TableName: 'unmogrowp-dev-identity-graph',
          ReceivingRegion: 'us-east-1',
        }),
      );
    });

    it('alarms on Firehose partition overflow and on delivered falling behind ingested', () => {
      for (const name of ['unmogrowp-dev-raw-lake', 'unmogrowp-dev-attributions-lake']) {
        home.hasResourceProperties(
          'AWS::CloudWatch::Alarm',
          alarmOn('PartitionCountExceeded', { DeliveryStreamName: name }, { Threshold: 0 }),
        );
        home.hasResourceProperties(
          'AWS::CloudWatch::Alarm',
          alarmOn(
            'DeliveryToS3.Records',
            { DeliveryStreamName: name },
            { ComparisonOperator: 'LessThanThreshold', Threshold: 0.9 },
          ),
        );
      }
    });

    it("divides by the account's raised concurrency quota from the config (quotas.lambdaConcurrency)", () => {
      const raised = templateOf(
        regionOf(buildTestPlatform({ quotas: { lambdaConcurrency: 10_000 } }), 'us-east-1').observability,
      );
      raised.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'unmogrowp-dev-AccountConcurrency',
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: '100 * m_account_concurrency_us_east_1 / 10000' }),
        ]),
      });
    });

    it('alarms when Lambda concurrency nears the account quota', () => {
      home.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'unmogrowp-dev-AccountConcurrency',
        Threshold: 80,
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: '100 * m_account_concurrency_us_east_1 / 1000' }),
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: { MetricName: 'ConcurrentExecutions', Namespace: 'AWS/Lambda' },
            }),
          }),
        ]),
      });
    });
  });

  describe('dashboards', () => {
    it('reads top-down: health, ingest, stream, attribution, storage, lake, cost, then postbacks', () => {
      const [regional] = dashboardsOf(regionOf(platform, 'eu-west-1').observability);
      const widgets = regional?.widgets ?? [];
      const headings = widgets.filter((w) => w.type === 'text').map((w) => String(w.properties.markdown));
      expect(headings).toHaveLength(REGION_DASHBOARD_ROWS.length);
      for (const [i, row] of REGION_DASHBOARD_ROWS.entries())
        expect(headings[i]?.toLowerCase()).toContain(row.toLowerCase());
      expect(widgets[1]?.type).toBe('alarm');
      // The postback sender's widgets sit under their own heading, after cost and limits.
      const postbacks = widgets.findIndex((w) =>
        String(w.properties.markdown).includes('Postbacks eu-west-1'),
      );
      expect(widgets[postbacks + 1]?.properties.title).toBe('Postbacks sent / failed / dead');
    });

    it("lists every alarm of the region, its consumers' event source and postback alarms too, in the health row", () => {
      const [regional] = dashboardsOf(regionOf(platform, 'eu-west-1').observability);
      const alarms = JSON.stringify(regional?.widgets[1]?.properties.alarms);
      expect(regional?.widgets[1]?.properties.alarms).toHaveLength(41);
      expect(alarms).toContain('alarm:unmogrowp-dev-PostbackDeadLetters');
      expect(alarms).toContain(':eu-west-1:');
      expect(alarms).toContain('alarm:unmogrowp-dev-DroppedEvents-unmogrowp-dev-consumer');
    });

    it('names the region in every label of every dashboard, the global one included', () => {
      for (const region of platform.regions)
        for (const dashboard of dashboardsOf(region.observability))
          for (const label of labelsOf(dashboard)) expect(label).toMatch(/ (us-east-1|eu-west-1)$/);
      const global = dashboardsOf(regionOf(platform, 'us-east-1').observability)[1];
      const labels = labelsOf(global ?? { widgets: [] });
      expect(labels).toContain('requests us-east-1');
      expect(labels).toContain('requests eu-west-1');
    });

    it('charts per-tenant requests and errors from Contributor Insights rules over the JSON logs', () => {
      home.hasResourceProperties('AWS::CloudWatch::InsightRule', {
        RuleName: 'unmogrowp-dev-tenant-requests',
        RuleState: 'ENABLED',
        RuleBody: Match.serializedJson(
          Match.objectLike({
            LogGroupNames: [
              '/aws/lambda/unmogrowp-dev-ingest',
              '/aws/lambda/unmogrowp-dev-query',
              '/aws/lambda/unmogrowp-dev-admin',
            ],
            Contribution: Match.objectLike({ Keys: ['$.tenant_id'] }),
          }),
        ),
      });
      const [regional] = dashboardsOf(regionOf(platform, 'us-east-1').observability);
      const rules = (regional?.widgets ?? []).flatMap((w) =>
        w.properties.insightRule ? [(w.properties.insightRule as { ruleName: string }).ruleName] : [],
      );
      expect(rules).toEqual(['unmogrowp-dev-tenant-requests', 'unmogrowp-dev-tenant-errors']);
    });

    it('estimates the cost per hour from metered usage and the cost model prices', () => {
      const [regional] = dashboardsOf(regionOf(platform, 'us-east-1').observability);
      const cost = regional?.widgets.find((w) => String(w.properties.title).startsWith('Estimated cost'));
      const expressions = JSON.stringify(cost?.properties.metrics);
      expect(expressions).toContain(
        `FILL(m_c_api_us_east_1, 0) * ${PRICES.apiGateway.restRequest.usd.toFixed(7)}`,
      );
      expect(expressions).toContain('API Gateway $/h us-east-1');
      expect(expressions).toContain('Firehose $/h us-east-1');
    });

    it('keeps the global dashboard in the same row order with every region side by side', () => {
      const global = dashboardsOf(regionOf(platform, 'us-east-1').observability)[1];
      const headings = (global?.widgets ?? [])
        .filter((w) => w.type === 'text')
        .map((w) => String(w.properties.markdown));
      for (const [i, row] of GLOBAL_DASHBOARD_ROWS.entries())
        expect(headings[i]?.toLowerCase()).toContain(row.toLowerCase());
      const alarms = JSON.stringify(global?.widgets[1]?.properties.alarms);
      expect(alarms).toContain(':us-east-1:');
      expect(alarms).toContain(':eu-west-1:');
    });
  });
});

describe('three regions with a silo tenant', () => {
  let platform: Platform;
  beforeAll(() => {
    platform = buildTestPlatform(THREE_REGIONS_WITH_SILO);
  });

  it("alarms on the silo consumer's own iterator age and dead letters", () => {
    const eu = templateOf(regionOf(platform, 'eu-west-1').observability);
    eu.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      alarmOn('IteratorAge', { FunctionName: 'unmogrowp-dev-bigco-consumer' }),
    );
    eu.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      alarmOn('ApproximateNumberOfMessagesVisible', { QueueName: 'unmogrowp-dev-bigco-consumer-failures' }),
    );
  });

  it("splits the global alarm status over widgets of at most 100 alarms, listing every region's alarms", () => {
    const global = dashboardsOf(regionOf(platform, 'us-east-1').observability)[1];
    const statusWidgets = (global?.widgets ?? []).filter((w) => w.type === 'alarm');
    const counts = statusWidgets.map((w) => (w.properties.alarms as string[]).length);
    const perRegion = platform.regions.map(
      (r) =>
        Object.keys(templateOf(r.observability).findResources('AWS::CloudWatch::Alarm')).length +
        Object.keys(templateOf(r.processing).findResources('AWS::CloudWatch::Alarm')).length,
    );
    expect(counts.every((n) => n <= 100)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(perRegion.reduce((a, b) => a + b, 0));
    expect(statusWidgets.length).toBeGreaterThan(1);
  });

  it('charts replication from each region to both others, labelled with the source region', () => {
    const global = dashboardsOf(regionOf(platform, 'us-east-1').observability)[1];
    const labels = labelsOf(global ?? { widgets: [] });
    expect(labels).toContain('replication to ap-southeast-2 unmogrowp-dev-identity-graph eu-west-1');
    expect(labels).toContain('replication to us-east-1 unmogrowp-dev-bigco-identity-graph ap-southeast-2');
  });
});

describe('alarm thresholds', () => {
  const resources = () => buildTestPlatform().plan.monitoredResources;

  it('refuses an error ratio outside (0, 1]', () => {
    expect(() => regionAlarmSpecs('us-east-1', resources(), { ingest5xxRatio: 5 })).toThrow(
      'thresholds.ingest5xxRatio must be a ratio above 0 and at most 1. Received 5',
    );
  });

  it('refuses a concurrency quota that is not a positive integer', () => {
    expect(() => regionAlarmSpecs('us-east-1', resources(), { accountConcurrencyQuota: 0 })).toThrow(
      'thresholds.accountConcurrencyQuota must be a positive integer. Received 0',
    );
  });

  it('uses the configured thresholds', () => {
    const stack = new Stack(new App(), 'Monitoring', {
      env: { region: 'us-east-1', account: '111111111111' },
    });
    new RegionMonitoring(stack, 'Monitoring', {
      dashboardName: 'd',
      region: 'us-east-1',
      resources: resources(),
      alarmAction: {
        bind: () => ({ alarmActionArn: 'arn:aws:sns:us-east-1:111111111111:t' }),
      } as cloudwatch.IAlarmAction,
      thresholds: { ingest5xxRatio: 0.02, accountConcurrencyQuota: 3000 },
      runbookBaseUrl: 'https://example.com/ops',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'unmogrowp-dev-ApiServerErrors-ingest',
      Threshold: 0.02,
      AlarmDescription: Match.stringLikeRegexp('Runbook: https://example.com/ops#runbook-api-server-errors$'),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'unmogrowp-dev-AccountConcurrency',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: '100 * m_account_concurrency_us_east_1 / 3000' }),
      ]),
    });
  });
});
