import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signLocalToken } from '../auth/jwt.js';

/**
 * What both local stacks (embedded and emulators) keep the same way: the state directory with its
 * signing secret and demo key, the demo tenant's onboarding, `local.json` for the CLI, and the few HTTP
 * helpers of their servers.
 */

export const DEMO_TENANT = 'demo';
export const DEMO_APP = 'com.demo.game';

/** The shortest `jwtSecret` accepted: HS256 wants a key of at least 256 bits. */
export const MIN_JWT_SECRET_LENGTH = 32;

/** What `state.json` keeps across restarts. */
export interface SavedState {
  jwtSecret: string;
  apiKeys: Record<string, string>;
}

export interface LocalState {
  readonly dataDir: string;
  /** False for a fresh temporary state, deleted on stop. */
  readonly persistent: boolean;
  /** Where `local.json` is written. */
  readonly factsDir: string;
  readonly saved: SavedState;
}

export interface LocalStateOptions {
  /** @default a fresh temporary directory */
  readonly dataDir?: string;
  /** @default `<cwd>/.unmogrowp` */
  readonly factsDir?: string;
  /** @default the saved secret, else a random one */
  readonly jwtSecret?: string;
}

const statePath = (state: Pick<LocalState, 'dataDir'>) => join(state.dataDir, 'state.json');

/**
 * Opens (or creates) the state directory of local mode: its saved signing secret and demo key, the
 * secret replaced by `jwtSecret` when one is given.
 * @throws Error when `jwtSecret` is shorter than `MIN_JWT_SECRET_LENGTH`
 */
export function openLocalState(options: LocalStateOptions, tempPrefix: string): LocalState {
  const persistent = options.dataDir !== undefined;
  // Fresh state lives in a temporary directory; a data dir keeps it.
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), tempPrefix)));
  mkdirSync(dataDir, { recursive: true });
  const path = statePath({ dataDir });
  const saved: SavedState = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as SavedState)
    : { jwtSecret: randomBytes(32).toString('hex'), apiKeys: {} };
  if (options.jwtSecret !== undefined) {
    if (options.jwtSecret.length < MIN_JWT_SECRET_LENGTH) {
      throw new Error(
        `jwtSecret (UNMOGROWP_JWT_SECRET) must be at least ${MIN_JWT_SECRET_LENGTH} characters. Received ${options.jwtSecret.length}`,
      );
    }
    saved.jwtSecret = options.jwtSecret;
  }
  const state = {
    dataDir,
    persistent,
    factsDir: options.factsDir ?? join(process.cwd(), '.unmogrowp'),
    saved,
  };
  saveLocalState(state);
  return state;
}

export function saveLocalState(state: Pick<LocalState, 'dataDir' | 'saved'>): void {
  writeFileSync(statePath(state), JSON.stringify(state.saved));
}

/** An owner token of the platform tenant, and the demo app's key (onboarded on first start). */
export async function onboardDemo(
  endpoint: string,
  state: LocalState,
): Promise<{ adminToken: string; apiKey: string }> {
  const adminToken = await signLocalToken(state.saved.jwtSecret, {
    sub: 'local-owner',
    role: 'owner',
    tenant: '*',
  });
  const apiKey = await demoApiKey(endpoint, adminToken, state.saved);
  saveLocalState(state);
  return { adminToken, apiKey };
}

/** Writes `local.json`, where the CLI, the demo and the benchmarks find the running local mode. */
export function writeFacts(state: LocalState, facts: unknown): void {
  mkdirSync(state.factsDir, { recursive: true });
  writeFileSync(join(state.factsDir, 'local.json'), `${JSON.stringify(facts, null, 2)}\n`);
}

/** Removes `local.json`, and a temporary state with everything in it. */
export function removeLocalState(state: LocalState): void {
  rmSync(join(state.factsDir, 'local.json'), { force: true });
  if (!state.persistent) rmSync(state.dataDir, { recursive: true, force: true });
}

export async function demoApiKey(
  endpoint: string,
  adminToken: string,
  saved: { apiKeys: Record<string, string> },
): Promise<string> {
  const known = saved.apiKeys[`${DEMO_TENANT}/${DEMO_APP}`];
  if (known) return known;
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const tenant = await fetch(`${endpoint}/v1/tenants`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ tenant_id: DEMO_TENANT, name: 'Demo tenant' }),
  });
  if (tenant.status !== 201 && tenant.status !== 409) {
    throw new Error(`creating the demo tenant failed: ${tenant.status} ${await tenant.text()}`);
  }
  const app = await fetch(`${endpoint}/v1/tenants/${DEMO_TENANT}/apps`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      app_id: DEMO_APP,
      name: 'Demo Game',
      store_urls: {
        android: `https://play.google.com/store/apps/details?id=${DEMO_APP}`,
        ios: 'https://apps.apple.com/app/id1234567890',
      },
      // Benchmarks, soak and cost runs drive the demo app at full local speed: the highest rate limit.
      settings: { rate_limit_per_second: 1000, daily_event_quota: 1_000_000_000 },
    }),
  });
  if (app.status !== 201) throw new Error(`creating the demo app failed: ${app.status} ${await app.text()}`);
  const apiKey = ((await app.json()) as { api_key?: string }).api_key;
  if (!apiKey) throw new Error('the app onboarding answer carries no API key');
  saved.apiKeys[`${DEMO_TENANT}/${DEMO_APP}`] = apiKey;
  return apiKey;
}

export async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Keep reading past the limit only far enough for the handler to see the body is too large.
    if (size <= limit + 1) chunks.push(chunk as Buffer);
  }
  return chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(value));
}

/** Local mode only: X-Forwarded-For stands for the client's address, so demos can simulate devices. */
export function localSourceIp(req: IncomingMessage, forwardedFor: string | undefined): string {
  return forwardedFor?.split(',')[0]?.trim() || req.socket.remoteAddress || '127.0.0.1';
}

/** Listens on 127.0.0.1 (`0` picks a free port); answers the endpoint. */
export async function listen(server: Server, port: number): Promise<string> {
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolveListen());
  });
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
}

/** Stops accepting and closes open connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
}
