/**
 * AWS list prices in us-east-1, in US dollars: the one table the cost model prices usage with.
 *
 * Written on `PRICES_AS_OF` without network access, from the best-known public list prices (first
 * tier of each tiered price; no free tier, no savings plans, no reserved capacity). Check every line
 * against its `source` page before relying on a figure; when a price changes, change it here, change
 * `PRICES_AS_OF`, and rerun `npm run cost`.
 */

export interface ListPrice {
  /** Dollars per `unit`. */
  readonly usd: number;
  readonly unit: string;
  /** The public pricing page that states it. */
  readonly source: string;
}

/** The day this table was written (prices not re-checked online since). */
export const PRICES_AS_OF = '2026-11-29';
export const PRICES_REGION = 'us-east-1';

const API_GATEWAY = 'https://aws.amazon.com/api-gateway/pricing/';
const WAF = 'https://aws.amazon.com/waf/pricing/';
const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const DYNAMODB = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';
const KINESIS = 'https://aws.amazon.com/kinesis/data-streams/pricing/';
const FIREHOSE = 'https://aws.amazon.com/firehose/pricing/';
const S3 = 'https://aws.amazon.com/s3/pricing/';
const ATHENA = 'https://aws.amazon.com/athena/pricing/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';
const KMS = 'https://aws.amazon.com/kms/pricing/';
const XRAY = 'https://aws.amazon.com/xray/pricing/';
const TRANSFER = 'https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer';

const price = (usd: number, unit: string, source: string): ListPrice => ({ usd, unit, source });

export const PRICES = {
  apiGateway: {
    /** REST API, first 333 million requests a month. */
    restRequest: price(3.5 / 1e6, 'request', API_GATEWAY),
  },
  waf: {
    request: price(0.6 / 1e6, 'request', WAF),
    webAclMonth: price(5, 'web ACL-month', WAF),
    ruleMonth: price(1, 'rule-month', WAF),
  },
  lambda: {
    request: price(0.2 / 1e6, 'invocation', LAMBDA),
    /** arm64 (Graviton), first 7.5 billion GB-seconds a month. */
    arm64GbSecond: price(0.0000133334, 'GB-second', LAMBDA),
  },
  dynamodb: {
    /** On-demand, after the November 2024 price cut. */
    writeRequestUnit: price(0.625 / 1e6, 'write request unit', DYNAMODB),
    readRequestUnit: price(0.125 / 1e6, 'read request unit', DYNAMODB),
    /** Global tables: a write replicated into another region, per replica (same price as a WRU since Nov 2024). */
    replicatedWriteRequestUnit: price(0.625 / 1e6, 'replicated write request unit', DYNAMODB),
    storageGbMonth: price(0.25, 'GB-month', DYNAMODB),
    /** Replication traffic between regions. */
    interRegionTransferGb: price(0.02, 'GB', TRANSFER),
  },
  kinesis: {
    onDemandStreamHour: price(0.04, 'stream-hour', KINESIS),
    /** Each record rounded up to 1 KB. */
    onDemandDataInGb: price(0.08, 'GB', KINESIS),
    onDemandDataOutGb: price(0.04, 'GB', KINESIS),
    provisionedShardHour: price(0.015, 'shard-hour', KINESIS),
    /** One unit per 25 KB chunk of each record. */
    provisionedPutPayloadUnit: price(0.014 / 1e6, 'PUT payload unit', KINESIS),
    /**
     * On-demand extended retention: the data a stream holds beyond its first 24 hours (up to 7 days),
     * per GB-month (the page states the dimension; the figure is the known us-east-1 list price).
     */
    onDemandExtendedRetentionGbMonth: price(0.1, 'GB-month', KINESIS),
    /** Provisioned extended retention (up to 7 days): every shard-hour of a stream that keeps data past 24 h. */
    provisionedExtendedRetentionShardHour: price(0.02, 'shard-hour', KINESIS),
  },
  firehose: {
    /** Each record rounded up to a multiple of 5 KB; Kinesis-stream and direct-put sources alike. */
    ingestionGb: price(0.029, 'GB', FIREHOSE),
    /** JSON to Parquet, per GB of (5 KB-rounded) ingested data converted. */
    formatConversionGb: price(0.018, 'GB', FIREHOSE),
    dynamicPartitioningGb: price(0.02, 'GB', FIREHOSE),
    dynamicPartitioningObject: price(0.005 / 1000, 'S3 object delivered', FIREHOSE),
  },
  s3: {
    put: price(0.005 / 1000, 'PUT/COPY/POST/LIST request', S3),
    get: price(0.0004 / 1000, 'GET/SELECT request', S3),
    storageGbMonth: price(0.023, 'GB-month', S3),
  },
  athena: {
    /** SQL queries; at least 10 MB billed per query, rounded up to whole MB. */
    scannedTb: price(5, 'TB scanned', ATHENA),
  },
  cloudWatch: {
    logsIngestionGb: price(0.5, 'GB ingested', CLOUDWATCH),
    /** EMF metrics are custom metrics: one per name and dimension set. */
    customMetricMonth: price(0.3, 'metric-month', CLOUDWATCH),
    dashboardMonth: price(3, 'dashboard-month', CLOUDWATCH),
    alarmMonth: price(0.1, 'standard alarm-month', CLOUDWATCH),
    contributorInsightsRuleMonth: price(0.5, 'Contributor Insights rule-month', CLOUDWATCH),
    contributorInsightsMatchedEvent: price(0.02 / 1e6, 'log event matched by a rule', CLOUDWATCH),
  },
  xray: {
    traceRecorded: price(5 / 1e6, 'trace recorded', XRAY),
  },
  kms: {
    request: price(0.03 / 10_000, 'request', KMS),
    keyMonth: price(1, 'key-month', KMS),
  },
} as const satisfies Record<string, Record<string, ListPrice>>;

export type Prices = typeof PRICES;

/** Billing granularities the prices above refer to. */
export const BILLING_RULES = {
  /** Kinesis on-demand data in and out: each record rounded up to this. */
  kinesisOnDemandRecordBytes: 1024,
  /** Kinesis provisioned: one PUT payload unit per this much of a record. */
  kinesisPayloadUnitBytes: 25 * 1024,
  /** Firehose ingestion: each record rounded up to a multiple of this. */
  firehoseRecordBytes: 5 * 1024,
  /** Athena: minimum billed per query. */
  athenaMinimumBytes: 10 * 1024 * 1024,
  /** Athena: scans are billed in whole megabytes. */
  athenaRoundingBytes: 1024 * 1024,
  /** DynamoDB storage: overhead added to each item. */
  dynamodbItemOverheadBytes: 100,
} as const;

/** Reference points the model's result is printed beside (cost per 1,000 events). */
export const REFERENCE_COSTS_PER_1K_EVENTS = {
  /** The seed platform this project replaced (issue 7). */
  seed: 0.53,
  /** Commercial attribution providers, low and high (issue 7). */
  industryLow: 1.2,
  industryHigh: 2.0,
  /** The target of issue 7. */
  goal: 0.05,
} as const;
