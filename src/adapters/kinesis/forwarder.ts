import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { RecordForwarder } from '../../app/home-region.js';
import type { PipelineRecord } from '../../domain/records.js';
import { KinesisPublisher } from './publisher.js';

/**
 * Forwards a tenant's records to the ingest stream of its home region: the same stream name (pool or silo)
 * in that region, the same partition key and encoding as ingest (`KinesisPublisher`), one client per region.
 */

export interface KinesisForwarderOptions {
  /** A Kinesis client of a region (created once per region and kept). */
  readonly clientFor: (region: string) => KinesisClient;
  /** Stream of a tenant: stream names are the same in every region. */
  readonly streamFor: (tenantId: string) => string;
  /** Attempts per record before a forward fails. @default 4 */
  readonly maxAttempts?: number;
}

export class KinesisForwarder implements RecordForwarder {
  private readonly publishers = new Map<string, KinesisPublisher>();

  constructor(private readonly options: KinesisForwarderOptions) {}

  async forward(region: string, records: readonly PipelineRecord[]): Promise<void> {
    await this.publisherFor(region).publish(records);
  }

  private publisherFor(region: string): KinesisPublisher {
    let publisher = this.publishers.get(region);
    if (!publisher) {
      publisher = new KinesisPublisher({
        client: this.options.clientFor(region),
        streamFor: this.options.streamFor,
        ...(this.options.maxAttempts ? { maxAttempts: this.options.maxAttempts } : {}),
      });
      this.publishers.set(region, publisher);
    }
    return publisher;
  }
}
