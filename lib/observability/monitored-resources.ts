import type { ServiceKey } from '../../src/definitions/index.js';

/** One API function and the service name its metrics carry. */
export interface MonitoredApiFunction {
  readonly service: Extract<ServiceKey, 'ingest' | 'query' | 'admin'>;
  readonly functionName: string;
  readonly memoryMb: number;
}

/** The physical names of one region's resources that dashboards chart and alarms watch. */
export interface MonitoredResources {
  readonly apiName: string;
  /** Functions behind the API (the token authorizer too, when there is one). */
  readonly apiFunctionNames: readonly string[];
  /** The API functions that serve routes, with their service names (reports apart from ingest). */
  readonly apiFunctions: readonly MonitoredApiFunction[];
  /** Each stream consumer with its on-failure queue. */
  readonly consumers: readonly {
    readonly functionName: string;
    readonly onFailureQueueName: string;
    readonly memoryMb: number;
  }[];
  readonly streamNames: readonly string[];
  readonly tableNames: readonly string[];
  /** Each table with the names of its global secondary indexes (their throttles are alarmed too). */
  readonly tables: readonly { readonly tableName: string; readonly indexNames: readonly string[] }[];
  readonly deliveryStreamNames: readonly string[];
  /** Every configured region (replication latency is charted towards each other one). */
  readonly regions: readonly string[];
  /** Prefix of every alarm name, e.g. `unmogrowp-dev`; names are deterministic so dashboards list them. */
  readonly alarmNamePrefix: string;
}
