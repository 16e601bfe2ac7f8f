import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { MonitoredResources } from './monitored-resources.js';
import { PlatformMetrics } from './platform-metrics.js';
import { graph } from './region-monitoring.js';

export interface GlobalDashboardProps {
  readonly dashboardName: string;
  /** Every configured region with the names of its resources. */
  readonly regions: readonly { readonly region: string; readonly resources: MonitoredResources }[];
}

/** One dashboard, in the home region, with every region's headline signals side by side. */
export class GlobalDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: GlobalDashboardProps) {
    super(scope, id);
    const each = <T>(f: (m: PlatformMetrics, r: MonitoredResources) => T[]): T[] =>
      props.regions.flatMap(({ region, resources }) => f(new PlatformMetrics(region), resources));

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# UnMoGrowP global (${props.regions.map((r) => r.region).join(', ')})`,
        width: 24,
        height: 1,
      }),
    );
    this.dashboard.addWidgets(
      graph(
        'API requests by region',
        each((m, r) => [m.apiRequests(r.apiName)]),
      ),
      graph(
        'API 4xx / 5xx by region',
        each((m, r) => [m.api4xx(r.apiName), m.api5xx(r.apiName)]),
      ),
      graph(
        'API p95 / p99 latency by region (ms)',
        each((m, r) => [m.apiLatency(r.apiName, 'p95'), m.apiLatency(r.apiName, 'p99')]),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Stream incoming records by region',
        each((m, r) => r.streamNames.map((n) => m.streamIncomingRecords(n))),
      ),
      graph(
        'Stream iterator age by region (ms)',
        each((m, r) => r.streamNames.map((n) => m.streamIteratorAgeMs(n))),
      ),
      graph(
        'Consumer errors by region',
        each((m, r) => r.consumers.map((c) => m.functionErrors(c.functionName))),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'DynamoDB throttles by region',
        each((m, r) => r.tableNames.map((n) => m.tableThrottledRequests(n))),
      ),
      graph(
        'On-failure queue depth by region',
        each((m, r) => r.consumers.map((c) => m.queueDepth(c.onFailureQueueName))),
      ),
      graph(
        'Attribution outcomes per minute by region',
        each((m, r) => m.attributionOutcomes(r.consumerServiceName)),
      ),
    );
  }
}
