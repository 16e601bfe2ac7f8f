import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createKinesisClient, createS3Client } from '../adapters/clients.js';
import { LocalDeadLetters } from '../adapters/dead-letters/local.js';
import { type DeadLetterEntry, summarizeRecord } from '../adapters/dead-letters/records.js';
import { DEAD_LETTER_PREFIX, S3DeadLetters } from '../adapters/dead-letters/s3.js';
import { SqsDeadLetters } from '../adapters/dead-letters/sqs.js';
import type { LocalFacts } from '../local/platform.js';

/** Environment variable naming the consumer's SQS on-failure destination (the cloud). */
export const DLQ_URL_ENV = 'UNMOGROWP_DLQ_URL';

/** Environment variable naming the bucket that keeps dead letters with their payloads (the cloud). */
export const DLQ_BUCKET_ENV = 'UNMOGROWP_DLQ_BUCKET';

const USAGE = `usage:
  npx unmogrowp dlq list    [source] [--json]
  npx unmogrowp dlq replay  [source] (--id ID [--id ID …] | --all) [--dry-run] [--json]
  npx unmogrowp dlq capture --queue-url URL --bucket NAME [--dry-run] [--json]

source (the first that applies):
  --bucket NAME          the cloud: letters kept with their payloads in S3 (or ${DLQ_BUCKET_ENV}); replayable
                         for as long as the bucket keeps them
  --queue-url URL        the cloud: the consumer's SQS on-failure destination (or ${DLQ_URL_ENV}); its
                         messages point at records the stream keeps 7 days
  --data-dir DIR         local mode: the platform's data directory (UNMOGROWP_DATA_DIR of npm start)
  --local                local mode, found through .unmogrowp/local.json of a running npm start
options:
  --region R             AWS region (the cloud) @default AWS_REGION
  --facts FILE           local.json to read @default .unmogrowp/local.json
  --stream NAME          stream to replay local letters on @default the platform's
  --kinesis-endpoint URL kinesalite of local mode @default the platform's
  --limit N              SQS messages read @default 100
  --prefix P             key prefix of the letters in --bucket @default ${DEAD_LETTER_PREFIX}
  --endpoint-s3 URL      an S3-compatible endpoint (tests, local mode)

capture copies each SQS letter's records from the stream into --bucket, then deletes the message: run it
when the on-failure alarm fires, within the stream's 7-day retention.

Local letters are replayed once: replays are logged in <data-dir>/dead-letters.replayed.jsonl.
Cloud letters are deleted from the queue once their records are back on the stream.
`;

class UsageError extends Error {}

interface Options {
  readonly json: boolean;
  readonly ids: readonly string[] | 'all' | undefined;
  readonly dryRun: boolean;
}

const DLQ_OPTIONS = {
  'queue-url': { type: 'string' },
  bucket: { type: 'string' },
  prefix: { type: 'string' },
  'endpoint-s3': { type: 'string' },
  'data-dir': { type: 'string' },
  local: { type: 'boolean', default: false },
  facts: { type: 'string' },
  region: { type: 'string' },
  stream: { type: 'string' },
  'kinesis-endpoint': { type: 'string' },
  limit: { type: 'string' },
  id: { type: 'string', multiple: true },
  all: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

type DlqValues = ReturnType<typeof parseArgs<{ options: typeof DLQ_OPTIONS; strict: true }>>['values'];

/** The flags of one call, with the environment's defaults and their checks. */
interface DlqCall {
  readonly action: 'list' | 'replay' | 'capture';
  readonly values: DlqValues;
  readonly options: Options;
  readonly queueUrl: string | undefined;
  readonly bucket: string | undefined;
  readonly region: string | undefined;
  readonly limit: number | undefined;
}

function parseCall(action: string, rest: readonly string[]): DlqCall {
  if (action !== 'list' && action !== 'replay' && action !== 'capture')
    throw new UsageError(`unknown action ${JSON.stringify(action)}`);
  const { values } = parseArgs({ args: [...rest], options: DLQ_OPTIONS, strict: true });
  if (action === 'replay' && !values.all && !values.id?.length)
    throw new UsageError('replay needs --id ID (repeatable) or --all');
  if (values.all && values.id?.length) throw new UsageError('give --id or --all, not both');
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new UsageError(`--limit must be a positive integer. Received ${values.limit}`);
  return {
    action,
    values,
    options: {
      json: values.json ?? false,
      ids: values.all ? 'all' : values.id,
      dryRun: values['dry-run'] ?? false,
    },
    queueUrl: values['queue-url'] ?? process.env[DLQ_URL_ENV],
    bucket: values.bucket ?? process.env[DLQ_BUCKET_ENV],
    region: values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
    limit,
  };
}

/** The letters kept in S3 with their payloads. */
function s3LettersOf(call: DlqCall): S3DeadLetters {
  const { values, region, limit } = call;
  return new S3DeadLetters({
    s3: createS3Client(region ?? 'us-east-1', values['endpoint-s3']),
    kinesis: createKinesisClient(region ?? 'us-east-1', values['kinesis-endpoint']),
    bucket: call.bucket ?? '',
    ...(values.prefix ? { prefix: values.prefix } : {}),
    ...(limit ? { maxLetters: limit } : {}),
  });
}

/** The consumer's SQS on-failure destination. */
function sqsLettersOf(call: DlqCall): SqsDeadLetters {
  const { region, limit } = call;
  return new SqsDeadLetters({
    sqs: new SQSClient({ region }),
    kinesis: createKinesisClient(region ?? 'us-east-1', call.values['kinesis-endpoint']),
    queueUrl: call.queueUrl ?? '',
    ...(limit ? { maxMessages: limit } : {}),
  });
}

async function runS3(call: DlqCall): Promise<number> {
  if (!call.region && !call.values['endpoint-s3'])
    throw new UsageError('--region (or AWS_REGION) is needed with --bucket');
  const letters = s3LettersOf(call);
  if (call.action === 'list') {
    print(await letters.list(), call.options.json);
    return 0;
  }
  const { replayed, skipped } = await letters.replay(call.options.ids ?? [], {
    dryRun: call.options.dryRun,
    ...(call.values.stream ? { streamName: call.values.stream } : {}),
  });
  report(replayed, skipped, call.options);
  return skipped.length > 0 ? 1 : 0;
}

/** The action on the first source that applies (see USAGE). */
async function runCall(call: DlqCall): Promise<number> {
  const { action, options, queueUrl, bucket, region } = call;
  if (action === 'capture') {
    if (!queueUrl || !bucket)
      throw new UsageError(`capture needs --queue-url (or ${DLQ_URL_ENV}) and --bucket`);
    if (!region) throw new UsageError('--region (or AWS_REGION) is needed with --queue-url');
    return await captureCloud(sqsLettersOf(call), s3LettersOf(call), options);
  }
  if (bucket && call.values['queue-url'] === undefined) return await runS3(call);
  if (queueUrl) {
    if (!region) throw new UsageError('--region (or AWS_REGION) is needed with --queue-url');
    const letters = sqsLettersOf(call);
    return action === 'list' ? await listCloud(letters, options) : await replayCloud(letters, options);
  }
  const letters = localSource(call.values);
  return action === 'list' ? await listLocal(letters, options) : await replayLocal(letters, options);
}

/** `npx unmogrowp dlq list|replay …`; returns the exit code. */
export async function run(args: readonly string[]): Promise<number> {
  const [action, ...rest] = args;
  if (
    action === undefined ||
    action === '--help' ||
    action === '-h' ||
    action === 'help' ||
    rest.includes('--help') ||
    rest.includes('-h')
  ) {
    process.stdout.write(USAGE);
    return action === undefined ? 2 : 0;
  }
  try {
    return await runCall(parseCall(action, rest));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`unmogrowp dlq: ${message}\n`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`\n${USAGE}`);
      return 2;
    }
    return 1;
  }
}

function localSource(values: {
  'data-dir'?: string;
  local?: boolean;
  facts?: string;
  stream?: string;
  'kinesis-endpoint'?: string;
}): LocalDeadLetters {
  const factsFile = resolve(values.facts ?? join(process.cwd(), '.unmogrowp', 'local.json'));
  const facts = existsSync(factsFile)
    ? (JSON.parse(readFileSync(factsFile, 'utf8')) as LocalFacts).pipeline
    : undefined;
  const dataDir = values['data-dir'] ?? (values.local ? facts?.dataDir : undefined);
  if (!dataDir)
    throw new UsageError(
      values.local
        ? `${factsFile} names no data directory: is npm start running? (or give --data-dir)`
        : `give --queue-url (or ${DLQ_URL_ENV}), --data-dir or --local`,
    );
  const region = facts?.region ?? 'us-east-1';
  const kinesisEndpoint = values['kinesis-endpoint'] ?? facts?.kinesisEndpoint;
  const streamName = values.stream ?? facts?.streamName ?? 'unmogrowp-local-ingest';
  return new LocalDeadLetters({
    dataDir: resolve(dataDir),
    streamName,
    ...(kinesisEndpoint ? { kinesis: createKinesisClient(region, kinesisEndpoint) } : {}),
    ...(facts?.s3Endpoint && facts.lakeBucket
      ? { s3: createS3Client(region, facts.s3Endpoint), lakeBucket: facts.lakeBucket }
      : {}),
  });
}

async function listLocal(letters: LocalDeadLetters, options: Options): Promise<number> {
  const entries = [...letters.list(), ...(await letters.quarantined().catch(() => []))];
  print(entries, options.json);
  return 0;
}

async function replayLocal(letters: LocalDeadLetters, options: Options): Promise<number> {
  const ids = options.ids ?? [];
  const done = await letters.replay(ids, { dryRun: options.dryRun });
  const skipped = ids === 'all' ? [] : letters.list().filter((l) => ids.includes(l.id) && l.replayedAt);
  report(done, skipped, options);
  return 0;
}

async function captureCloud(sqs: SqsDeadLetters, s3: S3DeadLetters, options: Options): Promise<number> {
  const { captured, skipped } = await sqs.capture(
    async (entry, streamArn) => {
      await s3.keep(entry, streamArn);
    },
    { dryRun: options.dryRun },
  );
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ dryRun: options.dryRun, captured: captured.map(brief), skipped: skipped.map(brief) }, null, 2)}\n`,
    );
  } else {
    const verb = options.dryRun ? 'would capture' : 'captured';
    for (const l of captured) process.stdout.write(`${verb} ${l.id}: ${l.records.length} records\n`);
    for (const l of skipped) process.stdout.write(`skipped ${l.id}: ${l.problem}\n`);
    process.stdout.write(`${verb} ${captured.length} letters, skipped ${skipped.length}\n`);
  }
  return skipped.length > 0 ? 1 : 0;
}

async function listCloud(letters: SqsDeadLetters, options: Options): Promise<number> {
  print(await letters.list(), options.json);
  return 0;
}

async function replayCloud(letters: SqsDeadLetters, options: Options): Promise<number> {
  const { replayed, skipped } = await letters.replay(options.ids ?? [], { dryRun: options.dryRun });
  report(replayed, skipped, options);
  return skipped.length > 0 ? 1 : 0;
}

function report(done: readonly DeadLetterEntry[], skipped: readonly DeadLetterEntry[], options: Options) {
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ dryRun: options.dryRun, replayed: done.map(brief), skipped: skipped.map(brief) }, null, 2)}\n`,
    );
    return;
  }
  const verb = options.dryRun ? 'would replay' : 'replayed';
  for (const l of done) process.stdout.write(`${verb} ${l.id}: ${l.records.length} records to ${l.stream}\n`);
  for (const l of skipped)
    process.stdout.write(`skipped ${l.id}: ${l.problem ?? `already replayed at ${l.replayedAt}`}\n`);
  const records = done.reduce((n, l) => n + l.records.length, 0);
  process.stdout.write(`${verb} ${done.length} letters (${records} records), skipped ${skipped.length}\n`);
}

const brief = (l: DeadLetterEntry) => ({
  id: l.id,
  stream: l.stream,
  records: l.records.length,
  ...(l.replayedAt ? { replayedAt: l.replayedAt } : {}),
  ...(l.problem ? { problem: l.problem } : {}),
});

function print(entries: readonly DeadLetterEntry[], json: boolean): void {
  if (json) {
    const out = entries.map((e) => ({
      ...e,
      records: e.records.map((r) => ({ ...r, summary: summarizeRecord(r) })),
    }));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  if (entries.length === 0) {
    process.stdout.write('no dead letters\n');
    return;
  }
  for (const e of entries) {
    const state = e.problem
      ? `problem: ${e.problem}`
      : e.source === 'quarantine'
        ? 'quarantined (undecodable, not replayable)'
        : e.replayedAt
          ? `replayed ${e.replayedAt}`
          : 'pending';
    process.stdout.write(
      `${e.id}  ${e.failedAt}  ${e.records.length} records  ${state}${e.reason ? `  reason: ${e.reason}` : ''}\n`,
    );
    for (const r of e.records.slice(0, 5))
      process.stdout.write(`    ${r.sequenceNumber}  ${r.partitionKey}  ${summarizeRecord(r)}\n`);
    if (e.records.length > 5) process.stdout.write(`    … ${e.records.length - 5} more\n`);
  }
}
