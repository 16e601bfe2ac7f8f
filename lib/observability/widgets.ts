import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** A graph of one row: 6 units wide unless said, 6 high. */
export function graph(
  title: string,
  left: cloudwatch.IMetric[],
  options: {
    readonly width?: number;
    readonly right?: cloudwatch.IMetric[];
    readonly stacked?: boolean;
  } = {},
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title,
    left,
    ...(options.right ? { right: options.right } : {}),
    width: options.width ?? 6,
    height: 6,
    stacked: options.stacked ?? false,
  });
}

/** The heading of a dashboard row. */
export function rowHeading(markdown: string): cloudwatch.TextWidget {
  return new cloudwatch.TextWidget({ markdown, width: 24, height: 1 });
}

export interface ContributorInsightsWidgetProps {
  readonly title: string;
  /** Name of the Contributor Insights rule. */
  readonly ruleName: string;
  readonly region: string;
  /**
   * Contributors shown.
   * @default 10
   */
  readonly maxContributors?: number;
  /** @default 12 */
  readonly width?: number;
  /** @default 6 */
  readonly height?: number;
}

/** The top contributors of a Contributor Insights rule (aws-cdk-lib has no widget for it). */
export class ContributorInsightsWidget extends cloudwatch.ConcreteWidget {
  constructor(private readonly props: ContributorInsightsWidgetProps) {
    super(props.width ?? 12, props.height ?? 6);
  }

  toJson(): unknown[] {
    return [
      {
        type: 'metric',
        width: this.width,
        height: this.height,
        x: this.x,
        y: this.y,
        properties: {
          title: this.props.title,
          region: this.props.region,
          insightRule: {
            ruleName: this.props.ruleName,
            maxContributorCount: this.props.maxContributors ?? 10,
            orderBy: 'Sum',
          },
          view: 'timeSeries',
          legend: { position: 'right' },
          period: 300,
        },
      },
    ];
  }
}

/** Alarms one alarm status widget shows at most (the console's limit); more go to further widgets. */
export const MAX_ALARMS_PER_STATUS_WIDGET = 100;

/** Alarm status widgets listing `alarms`, newest state change first, in chunks the console accepts. */
export function alarmStatusWidgets(
  title: string,
  alarms: readonly cloudwatch.IAlarm[],
  width = 12,
): cloudwatch.AlarmStatusWidget[] {
  const widgets: cloudwatch.AlarmStatusWidget[] = [];
  for (let i = 0; i < alarms.length; i += MAX_ALARMS_PER_STATUS_WIDGET) {
    const part = Math.floor(i / MAX_ALARMS_PER_STATUS_WIDGET) + 1;
    widgets.push(
      new cloudwatch.AlarmStatusWidget({
        title: alarms.length > MAX_ALARMS_PER_STATUS_WIDGET ? `${title} (${part})` : title,
        alarms: alarms.slice(i, i + MAX_ALARMS_PER_STATUS_WIDGET),
        width,
        height: 6,
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
      }),
    );
  }
  return widgets;
}
