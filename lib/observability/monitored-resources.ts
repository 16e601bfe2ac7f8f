/** The physical names of one region's resources that dashboards chart and alarms watch. */
export interface MonitoredResources {
  readonly apiName: string;
  /** Functions behind the API. */
  readonly apiFunctionNames: readonly string[];
  /** Each stream consumer with its on-failure queue. */
  readonly consumers: readonly { readonly functionName: string; readonly onFailureQueueName: string }[];
  readonly streamNames: readonly string[];
  readonly tableNames: readonly string[];
  readonly deliveryStreamNames: readonly string[];
  /** Powertools service name the consumers emit attribution outcomes under. */
  readonly consumerServiceName: string;
}
