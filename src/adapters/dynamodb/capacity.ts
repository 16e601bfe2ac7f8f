import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';

/**
 * Counts DynamoDB requests and the capacity units they consumed (every call asks for
 * `ReturnConsumedCapacity: TOTAL`), so the cost of a batch can be measured and reported.
 */
export class CapacityMeter {
  requests = 0;
  readCapacityUnits = 0;
  writeCapacityUnits = 0;
  readonly byOperation = new Map<string, { requests: number; capacityUnits: number }>();

  record(operation: string, consumed: ConsumedCapacity | readonly ConsumedCapacity[] | undefined): void {
    this.requests += 1;
    let units = 0;
    for (const c of consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]) {
      const entry = c as ConsumedCapacity;
      const total = entry.CapacityUnits ?? (entry.ReadCapacityUnits ?? 0) + (entry.WriteCapacityUnits ?? 0);
      // Some answers (and DynamoDB Local) give only the total: attribute it by the operation's kind.
      const split = entry.ReadCapacityUnits !== undefined || entry.WriteCapacityUnits !== undefined;
      this.readCapacityUnits += split ? (entry.ReadCapacityUnits ?? 0) : WRITES.has(operation) ? 0 : total;
      this.writeCapacityUnits += split ? (entry.WriteCapacityUnits ?? 0) : WRITES.has(operation) ? total : 0;
      units += total;
    }
    const op = this.byOperation.get(operation) ?? { requests: 0, capacityUnits: 0 };
    op.requests += 1;
    op.capacityUnits += units;
    this.byOperation.set(operation, op);
  }

  snapshot() {
    return {
      requests: this.requests,
      readCapacityUnits: round(this.readCapacityUnits),
      writeCapacityUnits: round(this.writeCapacityUnits),
      byOperation: Object.fromEntries(
        [...this.byOperation].map(([k, v]) => [
          k,
          { requests: v.requests, capacityUnits: round(v.capacityUnits) },
        ]),
      ),
    };
  }

  reset(): void {
    this.requests = 0;
    this.readCapacityUnits = 0;
    this.writeCapacityUnits = 0;
    this.byOperation.clear();
  }
}

const WRITES = new Set(['TransactWriteItems', 'BatchWriteItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
const round = (n: number) => Math.round(n * 100) / 100;
