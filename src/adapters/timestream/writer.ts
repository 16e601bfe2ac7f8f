import {
  type _Record,
  type TimestreamWriteClient,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import type { OutcomeCount, RealtimeCounterSink } from '../../app/ports/realtime-sink.js';
import { chunk, mapLimit } from '../concurrency.js';

/**
 * Real-time attribution counters in Timestream (when enabled): one record per outcome, dimensioned by
 * tenant, app, network, campaign and outcome, measure `count`. WriteRecords takes 100 records a call.
 */

export class TimestreamWriter implements RealtimeCounterSink {
  constructor(
    private readonly client: TimestreamWriteClient,
    private readonly databaseName: string,
    private readonly tableName: string,
  ) {}

  async write(counts: readonly OutcomeCount[]): Promise<void> {
    const records: _Record[] = counts.map((c) => ({
      Dimensions: [
        { Name: 'tenant_id', Value: c.tenantId },
        { Name: 'app_id', Value: c.appId },
        { Name: 'network', Value: c.network },
        { Name: 'campaign', Value: c.campaign },
        { Name: 'outcome', Value: c.outcome },
      ],
      MeasureName: 'count',
      MeasureValue: String(c.count),
      MeasureValueType: 'BIGINT',
      Time: String(c.timeMs),
      TimeUnit: 'MILLISECONDS',
    }));
    await mapLimit(chunk(records, 100), 4, async (batch) => {
      await this.client.send(
        new WriteRecordsCommand({
          DatabaseName: this.databaseName,
          TableName: this.tableName,
          Records: batch,
        }),
      );
    });
  }
}
