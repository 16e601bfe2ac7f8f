/**
 * The AWS service quotas and hard per-resource limits the capacity model (`capacity.ts`) checks a plan
 * against: the defaults of a new account, and which of them AWS raises on request.
 */

/** Account quotas (adjustable on request) and hard per-resource limits the plan is checked against. */
export interface Quotas {
  /** API Gateway: steady requests per second per account and region. */
  readonly apiGatewayRequestsPerSec: number;
  /** Lambda: concurrent executions per account and region. */
  readonly lambdaConcurrency: number;
  /** Kinesis: open shards per account and region (us-east-1, us-west-2, eu-west-1; 200 elsewhere). */
  readonly kinesisShardsPerRegion: number;
  /** Kinesis on-demand: write throughput one stream scales to, MiB/s. */
  readonly kinesisOnDemandWriteMiBPerSec: number;
  /** Kinesis on-demand: records per second one stream scales to. */
  readonly kinesisOnDemandRecordsPerSec: number;
  /** DynamoDB on-demand: write request units per second per table. */
  readonly dynamodbTableWriteUnitsPerSec: number;
  /** DynamoDB on-demand: read request units per second per table. */
  readonly dynamodbTableReadUnitsPerSec: number;
  /** Firehose direct PUT: records per second per delivery stream. */
  readonly firehoseRecordsPerSec: number;
  /** Firehose direct PUT: requests per second per delivery stream. */
  readonly firehoseRequestsPerSec: number;
  /** Firehose direct PUT: MiB per second per delivery stream. */
  readonly firehoseMiBPerSec: number;
  /** S3: PUT requests per second per prefix (hard; more prefixes scale). */
  readonly s3PutsPerSecPerPrefix: number;
  /** DynamoDB: write units per second one partition (so one item) takes (hard). */
  readonly dynamodbItemWriteUnitsPerSec: number;
  /** Kinesis shard: records per second written (hard). */
  readonly kinesisShardRecordsPerSec: number;
  /** Kinesis shard: MiB per second written (hard). */
  readonly kinesisShardWriteMiBPerSec: number;
  /** Lambda event source mapping: concurrent batches per shard (hard). */
  readonly maxParallelizationFactor: number;
}

/**
 * The defaults of a new account in us-east-1 and eu-west-1, from the service quota pages (checked
 * without network access on the day `PRICES_AS_OF` names; see docs/capacity.md for each source).
 */
export const DEFAULT_QUOTAS: Quotas = {
  apiGatewayRequestsPerSec: 10_000,
  lambdaConcurrency: 1_000,
  kinesisShardsPerRegion: 500,
  kinesisOnDemandWriteMiBPerSec: 200,
  kinesisOnDemandRecordsPerSec: 200_000,
  dynamodbTableWriteUnitsPerSec: 40_000,
  dynamodbTableReadUnitsPerSec: 40_000,
  firehoseRecordsPerSec: 500_000,
  firehoseRequestsPerSec: 2_000,
  firehoseMiBPerSec: 5,
  s3PutsPerSecPerPrefix: 3_500,
  dynamodbItemWriteUnitsPerSec: 1_000,
  kinesisShardRecordsPerSec: 1_000,
  kinesisShardWriteMiBPerSec: 1,
  maxParallelizationFactor: 10,
};

/** Quotas AWS raises on request; the others are hard limits the design has to stay under. */
export const ADJUSTABLE_QUOTAS: ReadonlySet<keyof Quotas> = new Set<keyof Quotas>([
  'apiGatewayRequestsPerSec',
  'lambdaConcurrency',
  'kinesisShardsPerRegion',
  'kinesisOnDemandWriteMiBPerSec',
  'kinesisOnDemandRecordsPerSec',
  'dynamodbTableWriteUnitsPerSec',
  'dynamodbTableReadUnitsPerSec',
  'firehoseRecordsPerSec',
  'firehoseRequestsPerSec',
  'firehoseMiBPerSec',
]);
