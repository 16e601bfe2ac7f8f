import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { POSTBACK_ALARM_IDS } from '../postbacks/postback-delivery.js';
import { type AlarmThresholds, alarmName, regionAlarmSpecs } from './alarm-specs.js';
import { consumerEventSourceAlarmIds } from './consumer-event-source-alarms.js';
import { estimatedCostPerHour } from './cost-estimate.js';
import type { MonitoredResources } from './monitored-resources.js';
import { createPlatformAlarm } from './platform-alarm.js';
import { mathId, PlatformMetrics } from './platform-metrics.js';
import { TenantInsights } from './tenant-insights.js';
import { alarmStatusWidgets, ContributorInsightsWidget, graph, rowHeading } from './widgets.js';

export type { AlarmThresholds } from './alarm-specs.js';

export interface RegionMonitoringProps {
  readonly dashboardName: string;
  readonly region: string;
  readonly resources: MonitoredResources;
  /** Where every alarm notifies. */
  readonly alarmAction: cloudwatch.IAlarmAction;
  /**
   * Alarm thresholds.
   * @default the defaults of {@link AlarmThresholds}
   */
  readonly thresholds?: AlarmThresholds;
  /**
   * Where the runbooks linked from the alarm descriptions are published.
   * @default 'docs/operations.md'
   */
  readonly runbookBaseUrl?: string;
}

/** The rows of the regional dashboard, top to bottom (docs/operations.md has the same table). */
export const REGION_DASHBOARD_ROWS = [
  'Health',
  'Ingest',
  'Stream',
  'Attribution',
  'Storage',
  'Lake',
  'Cost and limits',
  'Postbacks',
] as const;

/** The ARN of an alarm of this account in a region, by name (no reference to the alarm's stack). */
export function alarmArn(scope: Construct, region: string, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'cloudwatch',
    region,
    resource: 'alarm',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * The names of every alarm of a region: its observability stack's, its consumers' event sources' and
 * the postback queue's.
 */
export function regionAlarmNames(
  region: string,
  resources: MonitoredResources,
  thresholds?: AlarmThresholds,
): string[] {
  return [
    ...regionAlarmSpecs(region, resources, thresholds).map((spec) => spec.id),
    ...resources.consumers.flatMap((c) => consumerEventSourceAlarmIds(c.functionName)),
    ...POSTBACK_ALARM_IDS,
  ].map((id) => alarmName(resources, id));
}

/**
 * One region's dashboard, read top-down (health, then ingest → stream → attribution → storage → lake →
 * cost), its alarms (see `regionAlarmSpecs`), each linked to its runbook and notifying one action, and
 * the per-tenant Contributor Insights rules.
 */
export class RegionMonitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[];
  readonly tenantInsights: TenantInsights;
  private readonly region: string;

  constructor(scope: Construct, id: string, props: RegionMonitoringProps) {
    super(scope, id);
    const { region } = props;
    this.region = region;
    const m = new PlatformMetrics(region);
    const r = props.resources;

    this.alarms = regionAlarmSpecs(region, r, props.thresholds).map((spec) =>
      createPlatformAlarm(this, spec, {
        alarmName: alarmName(r, spec.id),
        alarmAction: props.alarmAction,
        ...(props.runbookBaseUrl ? { runbookBaseUrl: props.runbookBaseUrl } : {}),
      }),
    );
    this.tenantInsights = new TenantInsights(this, 'TenantInsights', {
      ruleNamePrefix: r.alarmNamePrefix,
      apiFunctionNames: r.apiFunctions.map((f) => f.functionName),
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    const names = regionAlarmNames(region, r, props.thresholds);
    const statusAlarms = names.map((name, i) =>
      cloudwatch.Alarm.fromAlarmArn(this, `Status${i}`, alarmArn(this, region, name)),
    );
    const cost = estimatedCostPerHour(m, r);
    const consumers = r.consumers.map((c) => c.functionName);
    const apiServices = r.apiFunctions.map((f) => f.service);
    const functionNames = [...r.apiFunctionNames, ...consumers];

    this.dashboard.addWidgets(rowHeading(`# UnMoGrowP ${region}: health`));
    this.dashboard.addWidgets(
      ...alarmStatusWidgets(`Alarms ${region}`, statusAlarms),
      new cloudwatch.SingleValueWidget({
        title: `Now ${region}`,
        metrics: [
          ...apiServices.map((s) => m.serverErrorRatio(s)),
          ...consumers.map((c) => m.consumerIteratorAgeMs(c)),
          ...r.consumers.map((c) => m.queueDepth(c.onFailureQueueName)),
          m.consumerRecords('poisoned'),
          totalCost(cost, region),
        ],
        width: 12,
        height: 6,
      }),
    );

    this.dashboard.addWidgets(rowHeading(`## Ingest ${region}`));
    this.dashboard.addWidgets(
      graph(
        'Requests per function',
        apiServices.map((s) => m.serviceRequests(s)),
      ),
      graph('5xx and 4xx ratio per function', [
        ...apiServices.map((s) => m.serverErrorRatio(s)),
        ...apiServices.map((s) => m.clientErrorRatio(s)),
      ]),
      graph('Latency (ms): API p95 / p99, function p99', [
        m.apiLatency(r.apiName, 'p95'),
        m.apiLatency(r.apiName, 'p99'),
        ...r.apiFunctionNames.map((n) => m.functionDuration(n)),
      ]),
      graph(
        'Function throttles',
        functionNames.map((n) => m.functionThrottles(n)),
      ),
    );

    this.dashboard.addWidgets(rowHeading(`## Stream ${region}`));
    this.dashboard.addWidgets(
      graph(
        'Stream incoming records',
        r.streamNames.map((n) => m.streamIncomingRecords(n)),
      ),
      graph(
        'Stream write throttles',
        r.streamNames.map((n) => m.streamWriteThrottles(n)),
      ),
      graph(
        'Consumer iterator age (ms)',
        consumers.map((c) => m.consumerIteratorAgeMs(c)),
      ),
      graph('Event source: polled, dropped, on-failure', [m.eventSourceCounts()]),
    );

    this.dashboard.addWidgets(rowHeading(`## Attribution ${region}`));
    this.dashboard.addWidgets(
      graph('Attribution outcomes per minute', m.attributionOutcomes()),
      graph(
        'Consumer records: failed, quarantined, redelivered (left); forwarded home, waiting (right)',
        [
          m.consumerRecords('failed'),
          m.consumerRecords('poisoned'),
          m.consumerRecords('redelivered'),
          m.consumerRecords('forwardFailed'),
        ],
        // The write model: records of tenants homed elsewhere, and of a tenant moving here.
        { right: [m.consumerRecords('forwarded'), m.consumerRecords('awaitingHome')] },
      ),

      graph(
        'On-failure queue depth',
        r.consumers.map((c) => m.queueDepth(c.onFailureQueueName)),
      ),
      graph(
        'Consumer errors and duration p99 (ms)',
        consumers.map((c) => m.functionErrors(c)),
        {
          right: consumers.map((c) => m.functionDuration(c)),
        },
      ),
    );

    this.dashboard.addWidgets(rowHeading(`## Storage ${region}`));
    const replicas = r.regions.filter((other) => other !== region);
    this.dashboard.addWidgets(
      graph(
        'DynamoDB consumed capacity',
        r.tableNames.flatMap((n) => [m.tableConsumed(n, 'Read'), m.tableConsumed(n, 'Write')]),
      ),
      graph(
        'DynamoDB throttles (tables and GSIs)',
        r.tables.map((t) => m.tableThrottles(t.tableName, t.indexNames)),
      ),
      graph(
        'DynamoDB system errors',
        r.tableNames.map((n) => m.tableSystemErrors(n)),
      ),
      graph(
        'Replication latency (ms) per receiving region',
        r.tableNames.flatMap((n) => replicas.map((to) => m.replicationLatencyMs(n, to))),
      ),
    );

    this.dashboard.addWidgets(rowHeading(`## Lake ${region}`));
    this.dashboard.addWidgets(
      graph(
        'Lake ingested vs delivered records',
        r.deliveryStreamNames.flatMap((n) => [m.deliveryIncomingRecords(n), m.deliveryDeliveredRecords(n)]),
        { right: [m.consumerRecords('lakeRecords')] },
      ),
      graph(
        'Lake active partitions and overflow',
        r.deliveryStreamNames.map((n) => m.deliveryPartitionCount(n)),
        { right: r.deliveryStreamNames.map((n) => m.deliveryPartitionCountExceeded(n)) },
      ),
      graph(
        'Lake freshness (s)',
        r.deliveryStreamNames.map((n) => m.deliveryFreshnessSeconds(n)),
      ),
      graph(
        'Lake failed conversions',
        r.deliveryStreamNames.map((n) => m.deliveryFailedConversions(n)),
      ),
    );

    this.dashboard.addWidgets(rowHeading(`## Cost and limits ${region}`));
    this.dashboard.addWidgets(
      graph('Estimated cost ($/hour, list prices)', cost, { stacked: true }),
      graph(
        'Lambda concurrency: account % of quota, per function',
        [m.accountConcurrencyPercent(props.thresholds?.accountConcurrencyQuota ?? 1_000)],
        {
          right: functionNames.map((n) => m.functionConcurrency(n)),
        },
      ),
      new ContributorInsightsWidget({
        title: `Requests per tenant ${region}`,
        ruleName: this.tenantInsights.requestsRuleName,
        region,
        width: 6,
      }),
      new ContributorInsightsWidget({
        title: `4xx/5xx per tenant ${region}`,
        ruleName: this.tenantInsights.errorsRuleName,
        region,
        width: 6,
      }),
    );
  }

  /**
   * Appends a row under its own heading (`## <title> <region>`): the stages built outside this
   * construct, such as the postback sender's, keep the dashboard's one-heading-per-row layout.
   */
  addRow(title: string, widgets: readonly cloudwatch.IWidget[]): void {
    this.dashboard.addWidgets(rowHeading(`## ${title} ${this.region}`));
    this.dashboard.addWidgets(...widgets);
  }
}

/** The sum of the per-service cost estimates. */
export function totalCost(cost: cloudwatch.MathExpression[], region: string): cloudwatch.MathExpression {
  const usingMetrics = Object.fromEntries(cost.map((e, i) => [mathId('cost', String(i), region), e]));
  return new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics).join(' + '),
    usingMetrics,
    label: `estimated $/h ${region}`,
    period: Duration.hours(1),
  });
}
