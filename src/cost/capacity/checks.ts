import { ADJUSTABLE_QUOTAS, type Quotas } from '../quotas.js';
import type { HotItem, LimitCheck, RegionCapacity, ResolvedCapacityOptions } from './types.js';

/** A need of the plan to check against a quota, before the quota is looked up. */
type Need = readonly [name: string, need: number, quota: keyof Quotas, unit: string];

/** The stream's limits: the account's shard quota when provisioned, one stream's ceiling when on demand. */
function streamNeeds(r: RegionCapacity, streamMode: ResolvedCapacityOptions['streamMode']): Need[] {
  return streamMode === 'provisioned'
    ? [['Kinesis shards', r.kinesis.shards, 'kinesisShardsPerRegion', 'shards']]
    : [
        ['Kinesis on-demand write', r.kinesis.writeMiBPerSec, 'kinesisOnDemandWriteMiBPerSec', 'MiB/s'],
        ['Kinesis on-demand records', r.kinesis.recordsPerSec, 'kinesisOnDemandRecordsPerSec', 'records/s'],
      ];
}

/** Every per-region need, in the order the plan reports them. */
function regionNeeds(r: RegionCapacity, streamMode: ResolvedCapacityOptions['streamMode']): Need[] {
  return [
    ['API Gateway requests', r.api.requestsPerSec, 'apiGatewayRequestsPerSec', 'requests/s'],
    ...streamNeeds(r, streamMode),
    [
      'consumer parallelization factor',
      r.lambda.parallelizationFactor,
      'maxParallelizationFactor',
      'batches/shard',
    ],
    ['Lambda concurrency', r.lambda.concurrency, 'lambdaConcurrency', 'executions'],
    [
      'DynamoDB registry table writes',
      r.dynamodb.registryWriteUnitsPerSec,
      'dynamodbTableWriteUnitsPerSec',
      'WRU/s',
    ],
    ['DynamoDB identity graph writes', r.dynamodb.writeUnitsPerSec, 'dynamodbTableWriteUnitsPerSec', 'WRU/s'],
    [
      'DynamoDB table reads (both tables)',
      r.dynamodb.readUnitsPerSec,
      'dynamodbTableReadUnitsPerSec',
      'RRU/s',
    ],
    [
      'Firehose attribution records',
      r.firehose.attributionRecordsPerSec,
      'firehoseRecordsPerSec',
      'records/s',
    ],
    [
      'Firehose attribution requests',
      r.firehose.attributionRequestsPerSec,
      'firehoseRequestsPerSec',
      'requests/s',
    ],
    ['Firehose attribution bytes', r.firehose.attributionMiBPerSec, 'firehoseMiBPerSec', 'MiB/s'],
    ['S3 PUTs into the busiest prefix', r.s3.busiestPrefixPutsPerSec, 's3PutsPerSecPerPrefix', 'PUT/s'],
  ];
}

function check(scope: LimitCheck['scope'], [name, need, quota, unit]: Need, quotas: Quotas): LimitCheck {
  return {
    name,
    scope,
    need,
    limit: quotas[quota],
    unit,
    quota,
    adjustable: ADJUSTABLE_QUOTAS.has(quota),
    exceeded: need > quotas[quota],
  };
}

/** Every need of the plan against its quota: the region's services, then each hottest item. */
export function limitChecks(
  perRegion: RegionCapacity,
  hottestItems: readonly HotItem[],
  options: ResolvedCapacityOptions,
): LimitCheck[] {
  const itemNeeds = hottestItems.map(
    (h): Need => [`hottest ${h.keyClass}`, h.writeUnitsPerSec, 'dynamodbItemWriteUnitsPerSec', 'WCU/s'],
  );
  return [
    ...regionNeeds(perRegion, options.streamMode).map((n) => check('region', n, options.quotas)),
    ...itemNeeds.map((n) => check('item', n, options.quotas)),
  ];
}
