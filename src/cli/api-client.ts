import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How CLI commands reach the platform's HTTP API: where (endpoint) and as whom (bearer token), from
 * the flags, else `UNMOGROWP_ENDPOINT` / `UNMOGROWP_TOKEN` (the cloud), else the `.unmogrowp/local.json`
 * that a running local mode (`npm start`) writes.
 */

export const CLI_ENV = { endpoint: 'UNMOGROWP_ENDPOINT', token: 'UNMOGROWP_TOKEN' } as const;

/** What a command writes to and reads from; the process's own by default, a capture in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where `.unmogrowp/local.json` is looked for. */
  readonly cwd: string;
}

export const processIo = (): CliIo => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});

/** A failure to show the operator as is (no stack), with the exit code to end on. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Target {
  readonly endpoint: string;
  readonly token: string;
  /** Where they came from, for messages. */
  readonly source: 'flags' | 'environment' | 'local.json';
}

/** Endpoint and token: flags over the environment over a running local mode's `local.json`. */
export function resolveTarget(io: CliIo, flags: { endpoint?: string; token?: string }): Target {
  const path = join(io.cwd, '.unmogrowp', 'local.json');
  let local: { endpoint?: unknown; adminToken?: unknown } = {};
  if (existsSync(path)) {
    try {
      local = JSON.parse(readFileSync(path, 'utf8')) as typeof local;
    } catch {
      throw new CliError(`${path} is not valid JSON; restart local mode (npm start) to rewrite it`);
    }
  }
  const fromLocal = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  const endpoint = flags.endpoint ?? io.env[CLI_ENV.endpoint] ?? fromLocal(local.endpoint);
  const token = flags.token ?? io.env[CLI_ENV.token] ?? fromLocal(local.adminToken);
  if (!endpoint) {
    throw new CliError(
      `no endpoint: start local mode (npm start, which writes ${path}), or pass --endpoint URL or set ${CLI_ENV.endpoint}`,
    );
  }
  if (!token) {
    throw new CliError(`no bearer token: pass --token JWT or set ${CLI_ENV.token} (an owner's token)`);
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new CliError(
      `endpoint ${JSON.stringify(endpoint)} is not a URL (expected e.g. http://127.0.0.1:4000)`,
    );
  }
  const source =
    flags.endpoint !== undefined
      ? 'flags'
      : io.env[CLI_ENV.endpoint] !== undefined
        ? 'environment'
        : 'local.json';
  return { endpoint: url.toString().replace(/\/+$/, ''), token, source };
}

/** The SPEC §3 error shape, as far as the CLI reads it. */
interface ApiErrorBody {
  readonly error?: {
    readonly code?: string;
    readonly message?: string;
    readonly details?: readonly { field?: string; message?: string }[];
  };
}

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T & ApiErrorBody;
}

/**
 * Calls the API. Answers whatever status came back (the caller decides what is fine, e.g. 409);
 * throws a `CliError` that says what to do when the endpoint cannot be reached or refuses the token.
 */
export async function callApi<T>(
  target: Target,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  let response: Response;
  try {
    response = await fetch(`${target.endpoint}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    const hint =
      target.source === 'local.json'
        ? 'is local mode running (npm start)?'
        : `check --endpoint / ${CLI_ENV.endpoint}`;
    throw new CliError(`cannot reach ${target.endpoint} (${why}): ${hint}`);
  }
  const text = await response.text();
  let parsed: T & ApiErrorBody;
  try {
    parsed = (text ? JSON.parse(text) : {}) as T & ApiErrorBody;
  } catch {
    throw new CliError(
      `${method} ${path} answered ${response.status} with a body that is not JSON; is ${target.endpoint} the UnMoGrowP API?`,
    );
  }
  if (response.status === 401) {
    throw new CliError(
      `the API refused the token (401 ${parsed.error?.message ?? 'unauthorized'}): pass a valid owner token with --token or ${CLI_ENV.token}` +
        (target.source === 'local.json' ? ' (or restart local mode for a fresh one)' : ''),
    );
  }
  if (response.status === 403) {
    throw new CliError(
      `the token's role may not do this (403 ${parsed.error?.message ?? 'forbidden'}): onboarding needs the platform owner's token`,
    );
  }
  return { status: response.status, body: parsed };
}

/** An API error as one line per problem, naming the field. */
export function describeApiError(answer: ApiAnswer<unknown>): string {
  const error = answer.body.error;
  const details = (error?.details ?? [])
    .map((d) => d.message ?? d.field)
    .filter((m): m is string => Boolean(m) && m !== error?.message);
  return [`${answer.status} ${error?.code ?? 'error'}: ${error?.message ?? 'no message'}`, ...details].join(
    '\n  ',
  );
}
