import { App, Duration, Stack } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { PlatformFunction } from '../../../lib/compute/platform-function.js';
import { AttributionConsumer } from '../../../lib/processing/attribution-consumer.js';
import { PROJECT_ROOT } from '../support/platform.js';

describe('AttributionConsumer', () => {
  it('rejects a parallelization factor Lambda does not support', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
    const fn = new PlatformFunction(stack, 'Fn', {
      handler: 'consumer',
      functionName: 'consumer',
      serviceName: 'consumer',
      projectRoot: PROJECT_ROOT,
      logRetention: logs.RetentionDays.ONE_WEEK,
    });

    expect(
      () =>
        new AttributionConsumer(stack, 'Consumer', {
          function: fn,
          stream: new kinesis.Stream(stack, 'Stream'),
          encryptionKey: new kms.Key(stack, 'Key'),
          onFailureQueueName: 'q',
          batchSize: 100,
          parallelizationFactor: 12,
          retryAttempts: 3,
          maxRecordAge: Duration.hours(1),
        }),
    ).toThrow('parallelizationFactor must be between 1 and 10. Received 12');
  });
});
