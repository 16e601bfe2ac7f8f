import type { AwsClients } from '../../adapters/clients.js';
import type { HandlerName } from '../../definitions/handlers.js';
import type { PlatformFaults } from '../platform.js';
import { seededRandom } from '../seeded-random.js';

/**
 * Fault injection for the soak, through AWS SDK middleware on the clients local mode gives each handler
 * (`LocalPlatformOptions.faults`): no monkey-patching. The faults, each at a rate, at seeded random
 * intervals:
 *
 * - `dynamodb-throttle`: a consumer DynamoDB call fails with ProvisionedThroughputExceededException or
 *   ThrottlingException before it is sent (the identity graph backs off and retries, or fails units);
 * - `dynamodb-timeout`: a consumer DynamoDB write is sent and applied, then its answer is lost
 *   (TimeoutError): the batch is retried over units that are already committed;
 * - `kinesis-partial`: a PutRecords call of the ingest route drops some of its records before sending and
 *   reports them failed in the answer (the publisher retries them; a 503 if it gives up);
 * - `kinesis-throttle`: a whole PutRecords call fails with ProvisionedThroughputExceededException;
 * - `consumer-crash`: the consumer fails after its graph commit, while its lake rows are written (one
 *   lake PutObject of the batch throws, others may have been written): the batch is redelivered over
 *   committed units. A batch crashes once at most.
 *
 * The poisoned record and the process restart are driven by the soak driver itself.
 */

export const FAULT_KINDS = [
  'dynamodb-throttle',
  'dynamodb-timeout',
  'kinesis-partial',
  'kinesis-throttle',
  'consumer-crash',
  'poison',
  'restart',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Share of the calls that get each middleware fault (spaced at random intervals, see `fires`). */
export interface FaultRates {
  readonly 'dynamodb-throttle': number;
  readonly 'dynamodb-timeout': number;
  readonly 'kinesis-partial': number;
  readonly 'kinesis-throttle': number;
  readonly 'consumer-crash': number;
}

export const DEFAULT_FAULT_RATES: FaultRates = {
  'dynamodb-throttle': 0.02,
  'dynamodb-timeout': 0.004,
  'kinesis-partial': 0.1,
  'kinesis-throttle': 0.02,
  'consumer-crash': 0.02,
};

/** Share of a partially failed PutRecords call's records that fail. */
const PARTIAL_SHARE = 0.2;

/** Parses `all`, `none` or a comma-separated list of fault kinds. */
export function parseFaults(spec: string): Set<FaultKind> {
  if (spec === 'all') return new Set(FAULT_KINDS);
  if (spec === 'none' || spec === '') return new Set();
  const kinds = new Set<FaultKind>();
  for (const part of spec.split(',').map((s) => s.trim())) {
    if (!(FAULT_KINDS as readonly string[]).includes(part)) {
      throw new Error(
        `--faults: unknown fault "${part}"; expected all, none or some of ${FAULT_KINDS.join(', ')}`,
      );
    }
    kinds.add(part as FaultKind);
  }
  return kinds;
}

function awsError(name: string, message: string, fault: 'client' | 'server' = 'client') {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: {} });
}

const DYNAMODB_WRITES = new Set(['TransactWriteItemsCommand', 'BatchWriteItemCommand']);

type Middleware = (
  next: (args: { input: unknown }) => Promise<{ output: unknown }>,
  context: { commandName?: string },
) => (args: { input: unknown }) => Promise<{ output: unknown }>;

function addMiddleware(client: { middlewareStack: unknown }, name: string, middleware: Middleware): void {
  (client.middlewareStack as { add(m: Middleware, o: { step: 'initialize'; name: string }): void }).add(
    middleware,
    { step: 'initialize', name },
  );
}

/** The soak's fault plan: which faults are on, their rates, and how many were injected. */
export class FaultPlan implements PlatformFaults {
  readonly injected: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<
    FaultKind,
    number
  >;
  private readonly random: () => number;
  private readonly crashedBatches = new Set<string>();
  private readonly calls: Partial<Record<keyof FaultRates, number>> = {};
  private readonly nextAt: Partial<Record<keyof FaultRates, number>> = {};

  constructor(
    readonly enabled: ReadonlySet<FaultKind>,
    seed: number,
    readonly rates: FaultRates = DEFAULT_FAULT_RATES,
  ) {
    this.random = seededRandom(seed ^ 0x5eed);
  }

  /**
   * Whether this call of a kind gets its fault. Faults come at random intervals averaging `1 / rate`
   * calls, never closer than half of that: a fault cannot strike one batch's retries over and over
   * (which would only test the poller's give-up path), and a run of C calls gets about C × rate faults.
   */
  private fires(kind: keyof FaultRates): boolean {
    const rate = this.rates[kind];
    if (!this.enabled.has(kind) || rate <= 0) return false;
    const interval = 1 / rate;
    const calls = (this.calls[kind] ?? 0) + 1;
    this.calls[kind] = calls;
    this.nextAt[kind] ??= 1 + Math.floor(interval * this.random());
    if (calls < (this.nextAt[kind] ?? 0)) return false;
    this.nextAt[kind] = calls + Math.max(1, Math.round(interval * (0.5 + this.random())));
    this.injected[kind]++;
    return true;
  }

  instrument(clients: AwsClients, handler: HandlerName): void {
    if (handler === 'consumer') {
      // The document client sends through the base client's middleware stack.
      addMiddleware(clients.dynamodb, 'soakDynamoDbFaults', (next, context) => async (args) => {
        const command = context.commandName ?? '';
        if (this.fires('dynamodb-throttle')) {
          throw this.random() < 0.5
            ? awsError('ProvisionedThroughputExceededException', `injected: ${command} throttled`)
            : awsError('ThrottlingException', `injected: ${command} throttled`);
        }
        if (DYNAMODB_WRITES.has(command) && this.fires('dynamodb-timeout')) {
          await next(args);
          throw awsError('TimeoutError', `injected: ${command} applied, its answer lost`, 'server');
        }
        return next(args);
      });
      // The lake rows are written after the graph commit: failing one of a batch's objects (the others
      // may be written) is a crash there. A batch crashes once at most, so its retry gets through.
      addMiddleware(clients.s3, 'soakConsumerCrash', (next, context) => async (args) => {
        const key = String((args.input as { Key?: string }).Key ?? '');
        const batchId = key.slice(key.lastIndexOf('/') + 1);
        if (
          context.commandName === 'PutObjectCommand' &&
          !key.startsWith('delivery-errors/') &&
          !this.crashedBatches.has(batchId) &&
          this.fires('consumer-crash')
        ) {
          this.crashedBatches.add(batchId);
          throw new Error(`injected: consumer crashed after its graph commit, before writing ${key}`);
        }
        return next(args);
      });
    }
    if (handler === 'ingest') {
      addMiddleware(clients.kinesis, 'soakKinesisFaults', (next, context) => async (args) => {
        if (context.commandName !== 'PutRecordsCommand') return next(args);
        if (this.fires('kinesis-throttle')) {
          throw awsError('ProvisionedThroughputExceededException', 'injected: PutRecords throttled');
        }
        const input = args.input as { Records: unknown[]; StreamName?: string };
        if (input.Records.length === 0 || !this.fires('kinesis-partial')) return next(args);
        // Drop some records (at least one) before sending; report them failed in their places.
        const dropped = input.Records.map(() => this.random() < PARTIAL_SHARE);
        if (!dropped.includes(true)) dropped[Math.floor(this.random() * dropped.length)] = true;
        const sent = input.Records.filter((_, i) => !dropped[i]);
        const result =
          sent.length > 0
            ? await next({ ...args, input: { ...input, Records: sent } })
            : { output: { Records: [], FailedRecordCount: 0 } };
        const output = result.output as {
          Records?: Record<string, unknown>[];
          FailedRecordCount?: number;
        };
        const answers = [...(output.Records ?? [])];
        const records = dropped.map((d) =>
          d
            ? {
                ErrorCode: 'ProvisionedThroughputExceededException',
                ErrorMessage: 'injected: record not written',
              }
            : (answers.shift() ?? {}),
        );
        return {
          ...result,
          output: {
            ...output,
            Records: records,
            FailedRecordCount: (output.FailedRecordCount ?? 0) + dropped.filter(Boolean).length,
          },
        };
      });
    }
  }
}
