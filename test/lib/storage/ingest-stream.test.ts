import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, it } from 'vitest';
import { IngestStream } from '../../../lib/storage/ingest-stream.js';

describe('IngestStream', () => {
  it('is on demand unless shards are configured', () => {
    const stack = new Stack(new App(), 'S');
    new IngestStream(stack, 'Stream', {
      streamName: 's',
      encryptionKey: new kms.Key(stack, 'Key'),
      removalPolicy: RemovalPolicy.DESTROY,
    });

    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS' },
    });
  });

  it('uses the configured shard count in provisioned mode', () => {
    const stack = new Stack(new App(), 'S');
    new IngestStream(stack, 'Stream', {
      streamName: 's',
      encryptionKey: new kms.Key(stack, 'Key'),
      capacity: { mode: 'provisioned', shardCount: 6 },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 6,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
  });
});
