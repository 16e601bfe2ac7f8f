import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { AlarmThresholds } from './alarm-specs.js';
import { estimatedCostPerHour } from './cost-estimate.js';
import type { MonitoredResources } from './monitored-resources.js';
import { PlatformMetrics } from './platform-metrics.js';
import { alarmArn, regionAlarmNames, totalCost } from './region-monitoring.js';
import { alarmStatusWidgets, graph, rowHeading } from './widgets.js';

export interface GlobalDashboardProps {
  readonly dashboardName: string;
  /** Every configured region with the names of its resources. */
  readonly regions: readonly { readonly region: string; readonly resources: MonitoredResources }[];
  /**
   * The thresholds the regions' alarms were built with (their names depend on which alarms exist).
   * @default the defaults of {@link AlarmThresholds}
   */
  readonly thresholds?: AlarmThresholds;
}

/** The rows of the global dashboard, top to bottom (docs/operations.md has the same table). */
export const GLOBAL_DASHBOARD_ROWS = [
  'Health',
  'Ingest',
  'Stream',
  'Attribution',
  'Storage',
  'Lake',
  'Cost',
] as const;

/**
 * One dashboard, in the home region, with every region's signals side by side, in the order of the
 * regional dashboards; every line's label ends with its region.
 */
export class GlobalDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  private readonly regions: GlobalDashboardProps['regions'];

  constructor(scope: Construct, id: string, props: GlobalDashboardProps) {
    super(scope, id);
    this.regions = props.regions;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.addHealthRow(this.importStatusAlarms(props.thresholds));
    this.addIngestRow();
    this.addStreamRow();
    this.addAttributionRow();
    this.addStorageRow();
    this.addLakeRow();
    this.addCostRow();
  }

  /** `f`'s metrics for every region, region after region. */
  private each<T>(f: (m: PlatformMetrics, r: MonitoredResources) => T[]): T[] {
    return this.regions.flatMap(({ region, resources }) => f(new PlatformMetrics(region), resources));
  }

  /** Every alarm of every region by ARN, for the status widgets. */
  private importStatusAlarms(thresholds: AlarmThresholds | undefined): cloudwatch.IAlarm[] {
    return this.regions.flatMap(({ region, resources }) =>
      regionAlarmNames(region, resources, thresholds).map((name) =>
        cloudwatch.Alarm.fromAlarmArn(this, `Status-${region}-${name}`, alarmArn(this, region, name)),
      ),
    );
  }

  private addHealthRow(statusAlarms: cloudwatch.IAlarm[]): void {
    const regionList = this.regions.map((r) => r.region).join(', ');
    this.dashboard.addWidgets(rowHeading(`# UnMoGrowP global (${regionList}): health`));
    this.dashboard.addWidgets(
      ...alarmStatusWidgets('Alarms in every region', statusAlarms),
      new cloudwatch.SingleValueWidget({
        title: 'Now, by region',
        metrics: this.each((m, r) => [
          m.serverErrorRatio('ingest'),
          ...r.consumers.map((c) => m.consumerIteratorAgeMs(c.functionName)),
          m.consumerRecords('poisoned'),
        ]),
        width: 12,
        height: 6,
      }),
    );
  }

  private addIngestRow(): void {
    this.dashboard.addWidgets(rowHeading('## Ingest'));
    this.dashboard.addWidgets(
      graph(
        'API requests by region',
        this.each((m, r) => [m.apiRequests(r.apiName)]),
        { width: 8 },
      ),
      graph(
        '5xx ratio per function by region',
        this.each((m, r) => r.apiFunctions.map((f) => m.serverErrorRatio(f.service))),
        { width: 8 },
      ),
      graph(
        'API p99 latency by region (ms)',
        this.each((m, r) => [m.apiLatency(r.apiName, 'p99')]),
        { width: 8 },
      ),
    );
  }

  private addStreamRow(): void {
    this.dashboard.addWidgets(rowHeading('## Stream'));
    this.dashboard.addWidgets(
      graph(
        'Stream incoming records by region',
        this.each((m, r) => r.streamNames.map((n) => m.streamIncomingRecords(n))),
        { width: 12 },
      ),
      graph(
        'Consumer iterator age by region (ms)',
        this.each((m, r) => r.consumers.map((c) => m.consumerIteratorAgeMs(c.functionName))),
        { width: 12 },
      ),
    );
  }

  private addAttributionRow(): void {
    this.dashboard.addWidgets(rowHeading('## Attribution'));
    this.dashboard.addWidgets(
      graph(
        'Attribution outcomes per minute by region',
        this.each((m) => m.attributionOutcomes()),
        { width: 12 },
      ),
      graph(
        'Consumer failed and quarantined records by region',
        this.each((m) => [m.consumerRecords('failed'), m.consumerRecords('poisoned')]),
        { width: 12 },
      ),
    );
  }

  private addStorageRow(): void {
    this.dashboard.addWidgets(rowHeading('## Storage'));
    this.dashboard.addWidgets(
      graph(
        'DynamoDB throttles by region (tables and GSIs)',
        this.each((m, r) => r.tables.map((t) => m.tableThrottles(t.tableName, t.indexNames))),
        { width: 12 },
      ),
      graph(
        'Replication latency by source and receiving region (ms)',
        this.regions.flatMap(({ region, resources }) =>
          resources.tableNames.flatMap((n) =>
            resources.regions
              .filter((to) => to !== region)
              .map((to) => new PlatformMetrics(region).replicationLatencyMs(n, to)),
          ),
        ),
        { width: 12 },
      ),
    );
  }

  private addLakeRow(): void {
    this.dashboard.addWidgets(rowHeading('## Lake'));
    this.dashboard.addWidgets(
      graph(
        'Lake delivered / ingested by region',
        this.each((m, r) => r.deliveryStreamNames.map((n) => m.deliveredOverIngested(n))),
        { width: 12 },
      ),
      graph(
        'Lake partition overflow by region',
        this.each((m, r) => r.deliveryStreamNames.map((n) => m.deliveryPartitionCountExceeded(n))),
        { width: 12 },
      ),
    );
  }

  private addCostRow(): void {
    this.dashboard.addWidgets(rowHeading('## Cost'));
    this.dashboard.addWidgets(
      graph(
        'Estimated cost by region ($/hour, list prices)',
        this.regions.map(({ region, resources }) =>
          totalCost(estimatedCostPerHour(new PlatformMetrics(region), resources), region),
        ),
        { width: 24, stacked: true },
      ),
    );
  }
}
