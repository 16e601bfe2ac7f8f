import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { FirehoseAttributionSink } from '../../src/adapters/firehose/attribution-delivery.js';
import { S3LakeWriter } from '../../src/adapters/s3/lake-writer.js';
import { selectLakeSink } from '../../src/composition/consumer.js';
import { loadRuntimeConfig } from '../../src/config/runtime.js';
import { ENV } from '../../src/definitions/environment.js';

describe("the consumer's lake sink", () => {
  const bucketWriter = new S3LakeWriter({ client: new S3Client({ region: 'us-east-1' }), bucket: 'lake' });

  it('is the attribution Firehose in the cloud, carrying attribution rows only', () => {
    const config = loadRuntimeConfig({ [ENV.attributionDeliveryStream]: 'unmogrowp-dev-attributions-lake' });

    const sink = selectLakeSink(
      config,
      { firehose: new FirehoseClient({ region: 'us-east-1' }) },
      bucketWriter,
    );

    expect(sink).toBeInstanceOf(FirehoseAttributionSink);
    expect([...(sink.tables ?? [])]).toEqual(['attributions']);
  });

  it('is the S3 NDJSON writer of every table without a delivery stream (local mode, tests)', () => {
    const sink = selectLakeSink(loadRuntimeConfig({}), {}, bucketWriter);

    expect(sink).toBe(bucketWriter);
    expect(sink.tables).toBeUndefined();
  });

  it('refuses a delivery stream without a Firehose client', () => {
    const config = loadRuntimeConfig({ [ENV.attributionDeliveryStream]: 'attributions' });

    expect(() => selectLakeSink(config, {}, bucketWriter)).toThrow(
      'ATTRIBUTION_DELIVERY_STREAM is attributions but the clients have no Firehose client',
    );
  });
});
