import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CLI_ENV,
  CliError,
  type CliIo,
  callApi,
  describeApiError,
  processIo,
  resolveTarget,
} from './api-client.js';

/**
 * `npx unmogrowp replay`: which installs would change source under new settings, and why, through the
 * HTTP API (`POST /v1/reports/{appId}/replay`), against local mode or the cloud. It writes nothing.
 */

const USAGE = `usage:
  npx unmogrowp replay --app <appId> --settings new.json [--from YYYY-MM-DD] [--to YYYY-MM-DD] [connection]

Re-runs the app's accepted events and touchpoints of the range (event time, UTC days; default the
last 30 days) under its current settings and under the settings in new.json (the whole settings
object, as the app settings call takes it), and prints every install whose source would change,
with the explanation of the new decision. Nothing is written: settings change only by the app
settings call (PUT /v1/tenants/{tenantId}/apps/{appId}).

options:
  --app APP_ID                   the app (of the token's tenant)
  --settings FILE.json           the candidate settings, e.g. { "click_lookback_hours": 48 }
  --from YYYY-MM-DD              first day replayed (default: 29 days before --to)
  --to YYYY-MM-DD                last day replayed (default: today)
  --limit N                      changes printed (default 20; --json prints them all)

connection (default: flags, else ${CLI_ENV.endpoint} / ${CLI_ENV.token}, else .unmogrowp/local.json of npm start):
  --endpoint URL                 the API's base URL
  --token JWT                    a bearer token whose role reads reports (analyst and up)
  --json                         machine-readable output (the API's answer on stdout)
`;

/** A side of a change as the API answers it. */
interface Decision {
  readonly status: string;
  readonly kind: string;
  readonly network: string;
  readonly touchpoint_id?: string;
  readonly match: string;
  readonly fraud: readonly string[];
}

/** The answer of `POST /v1/reports/{appId}/replay`. */
export interface ReplayAnswer {
  readonly app_id: string;
  readonly from: string;
  readonly to: string;
  readonly records: { readonly events: number; readonly touchpoints: number };
  readonly decisions: number;
  readonly changed: number;
  readonly moves: readonly { readonly from: string; readonly to: string; readonly count: number }[];
  readonly changes: readonly {
    readonly event_id: string;
    readonly device_id: string;
    readonly before: Decision | null;
    readonly after: Decision | null;
    readonly description: string;
    readonly why: readonly string[];
  }[];
}

const OPTIONS = {
  app: { type: 'string' },
  settings: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  limit: { type: 'string' },
  endpoint: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function readSettings(file: string, io: CliIo): unknown {
  const path = isAbsolute(file) ? file : join(io.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `--settings: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      2,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`--settings: ${path} is not JSON (${(error as Error).message})`, 2);
  }
}

/** `meta`, `rejected:meta` or `organic`: the source a side of a change names, as `moves` spell it. */
const sourceOf = (side: Decision | null | undefined) =>
  !side ? 'none' : `${side.status === 'rejected' ? 'rejected:' : ''}${side.network}`;

/**
 * The answer for people: the moves between sources, how many keep their source (another touchpoint,
 * match class or fraud reason of the same network), then each change and why, source moves first.
 */
export function formatReplay(answer: ReplayAnswer, limit: number): string {
  const lines = [
    `replayed ${answer.app_id} ${answer.from}..${answer.to}: ${answer.records.events} events, ${answer.records.touchpoints} touchpoints, ${answer.decisions} decisions`,
  ];
  if (answer.changed === 0) {
    lines.push('no install would change source under the new settings');
    return `${lines.join('\n')}\n`;
  }
  lines.push(`${answer.changed} decisions would change:`);
  for (const move of answer.moves)
    lines.push(`  ${String(move.count).padStart(6)}  ${move.from} → ${move.to}`);
  const moved = answer.moves.reduce((sum, move) => sum + move.count, 0);
  if (answer.changed > moved)
    lines.push(
      `  ${String(answer.changed - moved).padStart(6)}  keep their source (another touchpoint, match or fraud reason)`,
    );
  lines.push('');
  const movesSource = (change: ReplayAnswer['changes'][number]) =>
    sourceOf(change.before) !== sourceOf(change.after);
  const ordered = [...answer.changes.filter(movesSource), ...answer.changes.filter((c) => !movesSource(c))];
  for (const change of ordered.slice(0, limit)) {
    lines.push(change.description);
    for (const why of change.why) lines.push(`    ${why}`);
  }
  if (answer.changes.length > limit)
    lines.push(`… and ${answer.changes.length - limit} more (--limit N, or --json for all)`);
  return `${lines.join('\n')}\n`;
}

export async function run(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; strict: true }>>;
    try {
      parsed = parseArgs({ args: [...args], options: OPTIONS, strict: true });
    } catch (error) {
      throw new CliError(`${(error as Error).message}\n\n${USAGE}`, 2);
    }
    const { values } = parsed;
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    if (!values.app) throw new CliError(`missing --app <appId>\n\n${USAGE}`, 2);
    if (!values.settings) throw new CliError(`missing --settings FILE.json\n\n${USAGE}`, 2);
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 0)
      throw new CliError(`--limit: expected a whole number. Received ${values.limit}`, 2);
    const settings = readSettings(values.settings, io);
    const target = resolveTarget(io, {
      ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
      ...(values.token === undefined ? {} : { token: values.token }),
    });
    const answer = await callApi<ReplayAnswer>(
      target,
      'POST',
      `/v1/reports/${encodeURIComponent(values.app)}/replay`,
      {
        settings,
        ...(values.from === undefined ? {} : { from: values.from }),
        ...(values.to === undefined ? {} : { to: values.to }),
      },
    );
    if (answer.status !== 200) {
      io.stderr(`unmogrowp replay: ${describeApiError(answer)}\n`);
      return 1;
    }
    io.stdout(values.json ? `${JSON.stringify(answer.body, null, 2)}\n` : formatReplay(answer.body, limit));
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`unmogrowp replay: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
