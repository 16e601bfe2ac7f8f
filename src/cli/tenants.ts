import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  type ApiAnswer,
  CLI_ENV,
  CliError,
  type CliIo,
  callApi,
  describeApiError,
  processIo,
  resolveTarget,
  type Target,
} from './api-client.js';

/**
 * `npx unmogrowp tenants …`: onboarding without a redeploy, through the HTTP API (`POST /v1/tenants`,
 * `POST /v1/tenants/{tenantId}/apps`), against local mode or the cloud. Each new app's API key is
 * printed once; the platform keeps only its hash.
 */

const USAGE = `usage:
  npx unmogrowp tenants add <tenantId> [--name NAME] [--app APP_ID ...] [app options] [connection]
  npx unmogrowp tenants apps add <tenantId> <appId> [<appId> ...] [app options] [connection]

Creates the tenant (an existing one is fine) and each app, and prints each app's API key once,
with ready-to-run curl commands for a first attributed install.

app options:
  --app-name NAME                display name of the apps (default: the app id)
  --android-url URL              Play Store URL tracking links send Android users to
  --ios-url URL                  App Store URL tracking links send iOS users to
  --web-url URL                  where tracking links send other platforms
  --redirect-host HOST           a host a tracking link's redirect= may point at (repeatable)
  --settings FILE.json           app settings (attribution windows, fraud rules, limits; docs/api.md)
  --rate-limit-per-second N      settings.rate_limit_per_second (default 100)
  --daily-event-quota N          settings.daily_event_quota (default 1,000,000)

connection (default: flags, else ${CLI_ENV.endpoint} / ${CLI_ENV.token}, else .unmogrowp/local.json of npm start):
  --endpoint URL                 the API's base URL
  --token JWT                    a platform owner's bearer token
  --json                         machine-readable output (one JSON document on stdout)
`;

const APP_OPTIONS = {
  'app-name': { type: 'string' },
  'android-url': { type: 'string' },
  'ios-url': { type: 'string' },
  'web-url': { type: 'string' },
  'redirect-host': { type: 'string', multiple: true },
  settings: { type: 'string' },
  'rate-limit-per-second': { type: 'string' },
  'daily-event-quota': { type: 'string' },
  endpoint: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

const ADD_OPTIONS = {
  ...APP_OPTIONS,
  name: { type: 'string' },
  app: { type: 'string', multiple: true },
} as const satisfies ParseArgsConfig['options'];

type AppFlags = {
  [K in keyof typeof APP_OPTIONS]?: (typeof APP_OPTIONS)[K] extends { multiple: true }
    ? string[]
    : (typeof APP_OPTIONS)[K] extends { type: 'boolean' }
      ? boolean
      : string;
};

/** One app as the API answers it (the key only on creation). */
interface AppAnswer {
  readonly tenant_id: string;
  readonly app_id: string;
  readonly name: string;
  readonly store_urls: Record<string, string>;
  readonly effective_settings?: { rate_limit_per_second?: number; daily_event_quota?: number };
  readonly api_key?: string;
}

/** What `tenants add` did, as `--json` prints it. */
export interface OnboardingResult {
  readonly endpoint: string;
  readonly tenant?: { readonly tenant_id: string; readonly name?: string; readonly created: boolean };
  readonly apps: readonly (
    | (AppAnswer & { readonly created: true; readonly api_key: string })
    | { readonly app_id: string; readonly created: false; readonly reason: string }
  )[];
}

export async function run(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const [sub, ...rest] = args;
    if (sub === 'add') return await add(rest, io);
    if (sub === 'apps' && rest[0] === 'add') return await addApps(rest.slice(1), io);
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      io.stdout(USAGE);
      return sub === undefined ? 2 : 0;
    }
    io.stderr(
      `unmogrowp tenants: unknown command ${JSON.stringify([sub, ...rest.slice(0, 1)].join(' '))}\n\n${USAGE}`,
    );
    return 2;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`unmogrowp tenants: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

function parse<O extends ParseArgsConfig['options']>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
}

async function add(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, ADD_OPTIONS);
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [tenantId, ...extra] = positionals;
  if (!tenantId || extra.length > 0) {
    throw new CliError(
      `${tenantId ? `unexpected ${JSON.stringify(extra.join(' '))}` : 'missing <tenantId>'}\n\n${USAGE}`,
      2,
    );
  }
  const appBody = appRequestBody(values);
  const target = resolveTarget(io, values);
  const tenant = await callApi<{ tenant_id: string; name: string }>(target, 'POST', '/v1/tenants', {
    tenant_id: tenantId,
    ...(values.name ? { name: values.name } : {}),
  });
  if (tenant.status !== 201 && tenant.status !== 409) {
    throw new CliError(`creating tenant ${tenantId} failed: ${describeApiError(tenant)}`);
  }
  const result: OnboardingResult = {
    endpoint: target.endpoint,
    tenant: {
      tenant_id: tenantId,
      ...(tenant.status === 201 ? { name: tenant.body.name } : {}),
      created: tenant.status === 201,
    },
    apps: await createApps(target, tenantId, values.app ?? [], appBody),
  };
  report(io, result, values.json === true);
  return 0;
}

async function addApps(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, APP_OPTIONS);
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [tenantId, ...appIds] = positionals;
  if (!tenantId || appIds.length === 0) throw new CliError(`expected <tenantId> <appId> …\n\n${USAGE}`, 2);
  const appBody = appRequestBody(values);
  const target = resolveTarget(io, values);
  const result: OnboardingResult = {
    endpoint: target.endpoint,
    apps: await createApps(target, tenantId, appIds, appBody),
  };
  report(io, result, values.json === true);
  return 0;
}

/** The body of `POST /v1/tenants/{tenantId}/apps` without the app id, from the flags. */
export function appRequestBody(values: AppFlags): Record<string, unknown> {
  const storeUrls = {
    ...(values['android-url'] ? { android: values['android-url'] } : {}),
    ...(values['ios-url'] ? { ios: values['ios-url'] } : {}),
    ...(values['web-url'] ? { web: values['web-url'] } : {}),
  };
  const settings: Record<string, unknown> = values.settings ? readSettings(values.settings) : {};
  for (const [flag, field] of [
    ['rate-limit-per-second', 'rate_limit_per_second'],
    ['daily-event-quota', 'daily_event_quota'],
  ] as const) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const n = Number(raw.replaceAll('_', '').replaceAll(',', ''));
    if (!Number.isInteger(n) || n <= 0)
      throw new CliError(`--${flag}: expected a positive whole number. Received ${raw}`, 2);
    settings[field] = n;
  }
  return {
    ...(values['app-name'] ? { name: values['app-name'] } : {}),
    ...(Object.keys(storeUrls).length > 0 ? { store_urls: storeUrls } : {}),
    ...(values['redirect-host']?.length ? { allowed_redirect_hosts: values['redirect-host'] } : {}),
    ...(Object.keys(settings).length > 0 ? { settings } : {}),
  };
}

function readSettings(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `--settings: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      2,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--settings: ${file} is not JSON (${(error as Error).message})`, 2);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError(`--settings: ${file} must hold a JSON object of app settings`, 2);
  }
  return value as Record<string, unknown>;
}

/** Creates the apps one by one; an existing app is reported (its key cannot be shown again), not fatal. */
async function createApps(
  target: Target,
  tenantId: string,
  appIds: readonly string[],
  body: Record<string, unknown>,
): Promise<OnboardingResult['apps']> {
  const apps: OnboardingResult['apps'][number][] = [];
  for (const appId of appIds) {
    const answer: ApiAnswer<AppAnswer> = await callApi<AppAnswer>(
      target,
      'POST',
      `/v1/tenants/${encodeURIComponent(tenantId)}/apps`,
      { app_id: appId, ...body },
    );
    if (answer.status === 201 && answer.body.api_key) {
      apps.push({ ...answer.body, created: true, api_key: answer.body.api_key });
    } else if (answer.status === 409) {
      apps.push({
        app_id: appId,
        created: false,
        reason: `already exists: its API key was shown when it was created (rotate with POST /v1/tenants/${tenantId}/apps/${appId}/keys)`,
      });
    } else if (answer.status === 404) {
      throw new CliError(
        `unknown tenant ${tenantId}: create it first with npx unmogrowp tenants add ${tenantId}`,
      );
    } else {
      const done = apps.filter((a) => a.created).map((a) => a.app_id);
      throw new CliError(
        `creating app ${appId} failed: ${describeApiError(answer)}` +
          (done.length > 0
            ? `\n(created before the failure: ${done.join(', ')}; their keys are lost, rotate them)`
            : ''),
      );
    }
  }
  return apps;
}

function report(io: CliIo, result: OnboardingResult, asJson: boolean): void {
  if (asJson) {
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const lines: string[] = [];
  if (result.tenant) {
    lines.push(
      result.tenant.created
        ? `tenant ${result.tenant.tenant_id} created${result.tenant.name && result.tenant.name !== result.tenant.tenant_id ? ` (${result.tenant.name})` : ''}`
        : `tenant ${result.tenant.tenant_id} already exists`,
    );
  }
  for (const app of result.apps) {
    if (!app.created) {
      lines.push('', `app ${app.app_id}: not created, ${app.reason}`);
      continue;
    }
    const limits = app.effective_settings;
    lines.push(
      '',
      `app ${app.app_id} created`,
      `  API key:       ${app.api_key}`,
      '                 shown this once: only its hash is stored. Keep it in your SDK / server config.',
      ...(limits
        ? [
            `  limits:        ${limits.rate_limit_per_second?.toLocaleString('en-US')} requests/s, ${limits.daily_event_quota?.toLocaleString('en-US')} events per UTC day`,
          ]
        : []),
      Object.keys(app.store_urls).length > 0
        ? `  tracking link: ${result.endpoint}/v1/click/${app.app_id}?network=NETWORK&campaign=CAMPAIGN`
        : '  tracking links need a store URL: set one with --android-url / --ios-url (or PUT the app)',
      '',
      '  a first attributed install (a server-to-server click, then the install from the same device):',
      ...firstInstallCommands(result.endpoint, app.app_id, app.api_key).map((c) => `    ${c}`),
    );
  }
  if (result.apps.length === 0) lines.push('', 'no apps: add some with --app APP_ID (or tenants apps add)');
  io.stdout(`${lines.join('\n')}\n`);
}

/** Ready-to-run curl commands: a click, an install from the same device, then its attribution. */
export function firstInstallCommands(
  endpoint: string,
  appId: string,
  apiKey: string,
  nowMs = Date.now(),
): string[] {
  const adid = randomUUID();
  const at = (offsetMs: number) => new Date(nowMs + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const click = {
    touchpoints: [
      {
        type: 'click',
        network: 'meta',
        campaign: 'launch',
        timestamp: at(-120_000),
        device: { advertising_id: adid },
      },
    ],
  };
  const install = {
    events: [
      {
        event_id: `first-install-${adid.slice(0, 8)}`,
        type: 'install',
        timestamp: at(-60_000),
        device: { platform: 'android', advertising_id: adid },
      },
    ],
  };
  const post = (path: string, body: unknown) =>
    `curl -sS -X POST ${endpoint}${path} -H 'content-type: application/json' -H 'x-api-key: ${apiKey}' -d '${JSON.stringify(body)}'`;
  return [
    post('/v1/touchpoints', click),
    post('/v1/events', install),
    `curl -sS '${endpoint}/v1/attribution/${encodeURIComponent(appId)}?advertising_id=${adid}' -H 'x-api-key: ${apiKey}'`,
  ];
}
