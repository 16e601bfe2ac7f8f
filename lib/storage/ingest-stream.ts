import { ArnFormat, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { INGEST_STREAM } from '../../src/definitions/index.js';

/** Capacity of a stream: on demand, or a fixed number of shards. */
export type StreamCapacity =
  | { readonly mode: 'onDemand' }
  | { readonly mode: 'provisioned'; readonly shardCount: number };

export interface IngestStreamProps {
  /** Physical name. */
  readonly streamName: string;
  readonly encryptionKey: kms.IKey;
  /**
   * Capacity mode.
   * @default { mode: 'onDemand' }
   */
  readonly capacity?: StreamCapacity;
  readonly removalPolicy: RemovalPolicy;
}

/** The Kinesis stream carrying touchpoints and app events to the attribution consumer and the lake. */
export class IngestStream extends Construct {
  /**
   * The ingest streams of a region, referenced by name from another stack of the region (no
   * CloudFormation export): removing a silo tenant's stream is never blocked by an export in use.
   */
  static importByName(
    scope: Construct,
    streamNames: ReadonlyMap<string | undefined, string>,
    encryptionKey: kms.IKey,
  ): Map<string | undefined, kinesis.IStream> {
    const stack = Stack.of(scope);
    return new Map(
      [...streamNames].map(([tenantId, streamName]) => [
        tenantId,
        kinesis.Stream.fromStreamAttributes(scope, `ImportedStream${tenantId ? `-${tenantId}` : ''}`, {
          streamArn: stack.formatArn({
            service: 'kinesis',
            resource: 'stream',
            resourceName: streamName,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
          encryptionKey,
        }),
      ]),
    );
  }

  readonly stream: kinesis.Stream;

  constructor(scope: Construct, id: string, props: IngestStreamProps) {
    super(scope, id);
    const capacity = props.capacity ?? { mode: 'onDemand' };
    this.stream = new kinesis.Stream(this, 'Stream', {
      streamName: props.streamName,
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: props.encryptionKey,
      retentionPeriod: Duration.hours(INGEST_STREAM.retentionHours),
      streamMode:
        capacity.mode === 'onDemand' ? kinesis.StreamMode.ON_DEMAND : kinesis.StreamMode.PROVISIONED,
      shardCount: capacity.mode === 'provisioned' ? capacity.shardCount : undefined,
      removalPolicy: props.removalPolicy,
    });
  }
}
