import type { _Record } from '@aws-sdk/client-kinesis';
import type { EmbeddedLog } from '../../adapters/embedded/ordered-log.js';
import type { CheckpointStore, ShardSource } from '../stream-poller.js';

/**
 * The embedded log as the stream poller's source: the poller then gives the consumer the event source
 * mapping's semantics (ordered batches per shard, partial batch failures, bisect, retries, dead letters)
 * over it exactly as over Kinesis. An iterator is `<shardId>|<last sequence read>`.
 */
export class EmbeddedShardSource implements ShardSource {
  constructor(private readonly log: EmbeddedLog) {}

  async listShards(): Promise<string[]> {
    return [...this.log.shardIds];
  }

  async iterator(shardId: string, afterSequence: string | undefined): Promise<string> {
    return `${shardId}|${afterSequence ?? ''}`;
  }

  async read(iterator: string, limit: number): Promise<{ records: _Record[]; nextIterator: string }> {
    const [shardId = '', after = ''] = iterator.split('|');
    const records = this.log.read(shardId, after === '' ? undefined : after, limit);
    const last = records.at(-1)?.sequenceNumber ?? after;
    return {
      records: records.map((r) => ({
        SequenceNumber: r.sequenceNumber,
        PartitionKey: r.partitionKey,
        Data: r.data,
        ApproximateArrivalTimestamp: new Date(r.arrivalMs),
      })),
      nextIterator: `${shardId}|${last}`,
    };
  }
}

/** The consumer's checkpoints kept in the log itself (and the log trimmed behind them). */
export function logCheckpoints(log: EmbeddedLog, consumer: string): CheckpointStore {
  return {
    load: () => log.checkpoints(consumer),
    save: (shardId, sequenceNumber) => log.checkpoint(consumer, shardId, sequenceNumber),
  };
}
