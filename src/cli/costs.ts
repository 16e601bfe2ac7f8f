import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { type CostRowInput, CostRowSchema, MAX_COST_ROWS } from '../domain/spend.js';
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
 * `npx unmogrowp costs load <file.csv> --app <appId>`: loads ad spend (SPEC §8) through
 * `POST /v1/costs/{appId}`. Every row is checked before anything is sent; a bad row is reported by line
 * and column and nothing of the file is loaded (fix it and run again: loading is idempotent per row).
 */

const USAGE = `usage:
  npx unmogrowp costs load <file.csv> --app <appId> [connection]

Loads the app's ad spend from a CSV file with a header row naming the columns of SPEC §8:
  date,network,campaign,adset,ad,country,spend,currency,clicks,impressions
date (YYYY-MM-DD), network, spend and currency (ISO 4217) are required; campaign, adset, ad and
country (ISO 3166-1 alpha-2) may be empty (spend not broken down); clicks and impressions are
optional. A row sent again (same date, network, campaign, adset, ad and country) replaces the
earlier one, so a file can be loaded again after a fix.

options:
  --app APP_ID                   the app (of the token's tenant)
  --quiet                        no progress bar

connection (default: flags, else ${CLI_ENV.endpoint} / ${CLI_ENV.token}, else .unmogrowp/local.json of npm start):
  --endpoint URL                 the API's base URL
  --token JWT                    a bearer token whose role may write costs (analyst, admin, owner)
`;

const OPTIONS = {
  app: { type: 'string' },
  quiet: { type: 'boolean', default: false },
  endpoint: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const COLUMNS = [
  'date',
  'network',
  'campaign',
  'adset',
  'ad',
  'country',
  'spend',
  'currency',
  'clicks',
  'impressions',
] as const;
const NUMERIC = new Set(['spend', 'clicks', 'impressions']);

/** One problem of the file, by line (1 = the header) and column name. */
export interface CsvProblem {
  readonly line: number;
  readonly column?: string;
  readonly message: string;
}

/** Splits one CSV line (RFC 4180 quotes: `"a,b"`, `""` for a quote). */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/**
 * Reads a cost CSV into rows the API takes, or the problems that stop it, each naming its line and column.
 * @example parseCostCsv('date,network,spend,currency\n2026-11-20,meta,12.5,USD\n')
 */
export function parseCostCsv(text: string): { rows: CostRowInput[]; problems: CsvProblem[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  const problems: CsvProblem[] = [];
  for (const name of header)
    if (!(COLUMNS as readonly string[]).includes(name))
      problems.push({ line: 1, column: name, message: `unknown column; expected ${COLUMNS.join(', ')}` });
  for (const required of ['date', 'network', 'spend', 'currency'])
    if (!header.includes(required))
      problems.push({ line: 1, column: required, message: 'missing column (required)' });
  if (problems.length > 0) return { rows: [], problems };
  const rows: CostRowInput[] = [];
  lines.slice(1).forEach((raw, i) => {
    const line = i + 2;
    if (raw.trim() === '') return;
    const cells = splitCsvLine(raw);
    if (cells.length !== header.length) {
      problems.push({ line, message: `${cells.length} cells; the header has ${header.length}` });
      return;
    }
    const row: Record<string, unknown> = {};
    header.forEach((name, j) => {
      const value = (cells[j] ?? '').trim();
      if (value === '') return;
      row[name] = NUMERIC.has(name) && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    });
    const parsed = CostRowSchema.safeParse(row);
    if (parsed.success) {
      rows.push(parsed.data);
      return;
    }
    for (const issue of parsed.error.issues) {
      const column = issue.path.map(String).join('.');
      const message =
        column && typeof row[column] === 'string' && NUMERIC.has(column)
          ? `expected a number. Received ${JSON.stringify(row[column])}`
          : issue.message;
      problems.push({ line, ...(column ? { column } : {}), message });
    }
  });
  return { rows, problems };
}

export const formatProblem = (file: string, p: CsvProblem) =>
  `${file}:${p.line}${p.column ? ` column ${p.column}` : ''}: ${p.message}`;

interface CostsAnswer {
  readonly accepted: number;
  readonly rejected: readonly { index: number; message: string }[];
}

async function load(
  file: string,
  values: { app?: string; quiet?: boolean; endpoint?: string; token?: string },
  io: CliIo,
) {
  if (!values.app) throw new CliError(`missing --app <appId>\n\n${USAGE}`, 2);
  const path = isAbsolute(file) ? file : join(io.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 2);
  }
  const { rows, problems } = parseCostCsv(text);
  if (problems.length > 0) {
    for (const p of problems.slice(0, 50)) io.stderr(`${formatProblem(file, p)}\n`);
    if (problems.length > 50) io.stderr(`… and ${problems.length - 50} more\n`);
    throw new CliError(`${problems.length} problem(s) in ${file}; nothing was loaded`);
  }
  const target = resolveTarget(io, {
    ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
    ...(values.token === undefined ? {} : { token: values.token }),
  });
  const bar = values.quiet
    ? undefined
    : new cliProgress.SingleBar(
        { format: 'costs [{bar}] {value}/{total} rows', stream: process.stderr },
        cliProgress.Presets.shades_classic,
      );
  bar?.start(rows.length, 0);
  let accepted = 0;
  try {
    for (let start = 0; start < rows.length; start += MAX_COST_ROWS) {
      const batch = rows.slice(start, start + MAX_COST_ROWS);
      const answer = await callApi<CostsAnswer>(
        target,
        'POST',
        `/v1/costs/${encodeURIComponent(values.app)}`,
        { costs: batch },
      );
      if (answer.status !== 200) throw new CliError(describeApiError(answer));
      accepted += answer.body.accepted;
      for (const r of answer.body.rejected) io.stderr(`${file}:${start + r.index + 2}: ${r.message}\n`);
      bar?.update(start + batch.length);
    }
  } finally {
    bar?.stop();
  }
  io.stdout(`loaded ${accepted} of ${rows.length} cost rows into ${values.app}\n`);
  return accepted === rows.length ? 0 : 1;
}

export async function run(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    let parsed: ReturnType<
      typeof parseArgs<{ args: string[]; options: typeof OPTIONS; strict: true; allowPositionals: true }>
    >;
    try {
      parsed = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true });
    } catch (error) {
      throw new CliError(`${(error as Error).message}\n\n${USAGE}`, 2);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    const [sub, file] = positionals;
    if (sub !== 'load' || !file)
      throw new CliError(`expected: costs load <file.csv> --app <appId>\n\n${USAGE}`, 2);
    return await load(file, values, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`unmogrowp costs: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
