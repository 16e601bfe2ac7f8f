import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { POSTBACK_ALARM_IDS } from '../postbacks/postback-delivery.js';
import { type AlarmThresholds, alarmName, regionAlarmSpecs } from './alarm-specs.js';
import { consumerEventSourceAlarmIds } from './consumer-event-source-alarms.js';
import { estimatedCostPerHour } from './cost-estimate.js';
import type { MonitoredApiFunction, MonitoredResources } from './monitored-resources.js';
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
  private readonly m: PlatformMetrics;
  private readonly r: MonitoredResources;

  constructor(scope: Construct, id: string, props: RegionMonitoringProps) {
    super(scope, id);
    this.region = props.region;
    this.m = new PlatformMetrics(props.region);
    this.r = props.resources;

    this.alarms = this.createAlarms(props);
    this.tenantInsights = new TenantInsights(this, 'TenantInsights', {
      ruleNamePrefix: this.r.alarmNamePrefix,
      apiFunctionNames: this.r.apiFunctions.map((f) => f.functionName),
    });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    const statusAlarms = this.importStatusAlarms(props.thresholds);
    const cost = estimatedCostPerHour(this.m, this.r);

    this.addHealthRow(statusAlarms, cost);
    this.addIngestRow();
    this.addStreamRow();
    this.addAttributionRow();
    this.addStorageRow();
    this.addLakeRow();
    this.addCostAndLimitsRow(cost, props.thresholds?.accountConcurrencyQuota ?? 1_000);
  }

  /**
   * Appends a row under its own heading (`## <title> <region>`): the stages built outside this
   * construct, such as the postback sender's, keep the dashboard's one-heading-per-row layout.
   */
  addRow(title: string, widgets: readonly cloudwatch.IWidget[]): void {
    this.dashboard.addWidgets(rowHeading(`## ${title} ${this.region}`));
    this.dashboard.addWidgets(...widgets);
  }

  /** One alarm per spec of `regionAlarmSpecs`, in its order, each notifying the alarm action. */
  private createAlarms(props: RegionMonitoringProps): cloudwatch.Alarm[] {
    return regionAlarmSpecs(this.region, this.r, props.thresholds).map((spec) =>
      createPlatformAlarm(this, spec, {
        alarmName: alarmName(this.r, spec.id),
        alarmAction: props.alarmAction,
        ...(props.runbookBaseUrl ? { runbookBaseUrl: props.runbookBaseUrl } : {}),
      }),
    );
  }

  /** Every alarm of the region by ARN, including those created in other stacks, for the status widgets. */
  private importStatusAlarms(thresholds: AlarmThresholds | undefined): cloudwatch.IAlarm[] {
    return regionAlarmNames(this.region, this.r, thresholds).map((name, i) =>
      cloudwatch.Alarm.fromAlarmArn(this, `Status${i}`, alarmArn(this, this.region, name)),
    );
  }

  private get consumerNames(): string[] {
    return this.r.consumers.map((c) => c.functionName);
  }

  private get apiServices(): MonitoredApiFunction['service'][] {
    return this.r.apiFunctions.map((f) => f.service);
  }

  /** The API functions, then the consumers. */
  private get functionNames(): string[] {
    return [...this.r.apiFunctionNames, ...this.consumerNames];
  }

  private addHealthRow(statusAlarms: cloudwatch.IAlarm[], cost: cloudwatch.MathExpression[]): void {
    const { m, r, region } = this;
    this.dashboard.addWidgets(rowHeading(`# UnMoGrowP ${region}: health`));
    this.dashboard.addWidgets(
      ...alarmStatusWidgets(`Alarms ${region}`, statusAlarms),
      new cloudwatch.SingleValueWidget({
        title: `Now ${region}`,
        metrics: [
          ...this.apiServices.map((s) => m.serverErrorRatio(s)),
          ...this.consumerNames.map((c) => m.consumerIteratorAgeMs(c)),
          ...r.consumers.map((c) => m.queueDepth(c.onFailureQueueName)),
          m.consumerRecords('poisoned'),
          totalCost(cost, region),
        ],
        width: 12,
        height: 6,
      }),
    );
  }

  private addIngestRow(): void {
    const { m, r, apiServices } = this;
    this.dashboard.addWidgets(rowHeading(`## Ingest ${this.region}`));
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
        this.functionNames.map((n) => m.functionThrottles(n)),
      ),
    );
  }

  private addStreamRow(): void {
    const { m, r } = this;
    this.dashboard.addWidgets(rowHeading(`## Stream ${this.region}`));
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
        this.consumerNames.map((c) => m.consumerIteratorAgeMs(c)),
      ),
      graph('Event source: polled, dropped, on-failure', [m.eventSourceCounts()]),
    );
  }

  private addAttributionRow(): void {
    const { m, r, consumerNames } = this;
    this.dashboard.addWidgets(rowHeading(`## Attribution ${this.region}`));
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
        consumerNames.map((c) => m.functionErrors(c)),
        {
          right: consumerNames.map((c) => m.functionDuration(c)),
        },
      ),
    );
  }

  private addStorageRow(): void {
    const { m, r, region } = this;
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
  }

  private addLakeRow(): void {
    const { m, r } = this;
    this.dashboard.addWidgets(rowHeading(`## Lake ${this.region}`));
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
  }

  private addCostAndLimitsRow(cost: cloudwatch.MathExpression[], accountConcurrencyQuota: number): void {
    const { m, region } = this;
    this.dashboard.addWidgets(rowHeading(`## Cost and limits ${region}`));
    this.dashboard.addWidgets(
      graph('Estimated cost ($/hour, list prices)', cost, { stacked: true }),
      graph(
        'Lambda concurrency: account % of quota, per function',
        [m.accountConcurrencyPercent(accountConcurrencyQuota)],
        {
          right: this.functionNames.map((n) => m.functionConcurrency(n)),
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
