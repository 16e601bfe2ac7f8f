import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import kinesalite from 'kinesalite';
import S3rver from 's3rver';

/**
 * Starts the local stand-ins of the platform's AWS services on free ports, with no Docker and no AWS
 * account: DynamoDB Local (the Java jar shipped in `amplify-dynamodb-simulator`), kinesalite and s3rver
 * (both in this process). Used by the integration tests' global setup and by local mode.
 *
 * @example
 * const services = await startLocalServices();
 * process.env.DYNAMODB_ENDPOINT = services.endpoints.dynamodb;
 * // …
 * await services.stop();
 */

export interface LocalServiceEndpoints {
  readonly dynamodb: string;
  readonly kinesis: string;
  readonly s3: string;
}

export interface LocalServices {
  readonly endpoints: LocalServiceEndpoints;
  /** Where s3rver keeps the objects: `<s3Directory>/<bucket>/<key>._S3rver_object`. */
  readonly s3Directory: string;
  /** Stops every service this call started; safe to call twice. */
  stop(): Promise<void>;
}

export interface LocalServicesOptions {
  /**
   * Directory whose state survives restarts: DynamoDB Local keeps `dynamodb/`, s3rver keeps `s3/`.
   * Kinesalite always runs in memory (its on-disk mode needs a native LevelDB build).
   * @default a fresh temporary directory, deleted on stop
   */
  readonly dataDir?: string;
  /** Host the services bind to. @default '127.0.0.1' */
  readonly host?: string;
  /** Milliseconds to wait for DynamoDB Local to accept connections (a JVM starts slowly on a loaded machine). @default 120000 */
  readonly startTimeoutMs?: number;
}

/** Raised when a local service cannot be started. */
export class LocalServiceStartError extends Error {
  constructor(
    message: string,
    readonly service: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LocalServiceStartError';
  }
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(host: string, port: number, timeoutMs: number, exited: () => boolean) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) return false;
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Directory of the DynamoDB Local jar inside the `amplify-dynamodb-simulator` package. */
export function dynamoDbLocalDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

async function startDynamoDbLocal(host: string, dataDir: string | undefined, timeoutMs: number) {
  const port = await freePort(host);
  const dir = dynamoDbLocalDirectory();
  const storage = dataDir ? ['-dbPath', dataDir] : ['-inMemory'];
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const javaArgs = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    ...storage,
    // Shared database: every region and access key sees the same tables, as the handlers expect.
    '-sharedDb',
    // No usage reports leave the machine (DynamoDB Local sends telemetry unless told not to).
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  // The JVM runs under a small shell that holds our end of a pipe: when this process ends for any
  // reason (Ctrl-C, a crash, SIGKILL) the pipe closes and the shell stops the JVM, so no orphan keeps
  // the port or the database files. `stop` closes the pipe on purpose.
  const child: ChildProcess = spawn(
    'sh',
    [
      '-c',
      // Background jobs of a non-interactive shell read /dev/null, so the watcher reads the pipe as fd 3.
      'exec 3<&0; java "$@" & pid=$!; (read -r _ <&3; kill "$pid" 2>/dev/null) & wait "$pid"',
      'dynamodb-local',
      ...javaArgs,
    ],
    { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  let exited = false;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  child.once('exit', () => {
    exited = true;
  });
  child.once('error', (error) => {
    exited = true;
    stderr += String(error);
  });
  const up = await waitForPort(host, port, timeoutMs, () => exited);
  if (!up) {
    child.stdin?.end();
    child.kill('SIGKILL');
    throw new LocalServiceStartError(
      `DynamoDB Local did not start on port ${port} within ${timeoutMs} ms (is Java 11+ installed?): ${stderr}`,
      'dynamodb',
    );
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (exited) return resolve();
      child.once('exit', () => resolve());
      child.stdin?.end();
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return { endpoint: `http://${host}:${port}`, stop };
}

async function startKinesalite(host: string) {
  const port = await freePort(host);
  const server: Server = kinesalite({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 100,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { endpoint: `http://${host}:${port}`, stop };
}

async function startS3rver(host: string, directory: string) {
  const port = await freePort(host);
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    address: host,
    port,
    silent: true,
    directory,
    vhostBuckets: false,
    // The SDK signs with whatever credentials it has; s3rver only knows its own, so skip the check.
    allowMismatchedSignatures: true,
  });
  await server.run();
  return { endpoint: `http://${host}:${port}`, stop: () => server.close() };
}

export async function startLocalServices(options: LocalServicesOptions = {}): Promise<LocalServices> {
  const host = options.host ?? '127.0.0.1';
  const temporary = options.dataDir === undefined;
  const root = options.dataDir ?? mkdtempSync(join(tmpdir(), 'unmogrowp-'));
  const started: { stop: () => Promise<void> }[] = [];
  try {
    const [dynamodb, kinesis, s3] = await Promise.all([
      startDynamoDbLocal(
        host,
        temporary ? undefined : join(root, 'dynamodb'),
        options.startTimeoutMs ?? 120_000,
      ).then((s) => {
        started.push(s);
        return s;
      }),
      startKinesalite(host).then((s) => {
        started.push(s);
        return s;
      }),
      startS3rver(host, join(root, 's3')).then((s) => {
        started.push(s);
        return s;
      }),
    ]);
    let stopped = false;
    return {
      endpoints: { dynamodb: dynamodb.endpoint, kinesis: kinesis.endpoint, s3: s3.endpoint },
      s3Directory: join(root, 's3'),
      async stop() {
        if (stopped) return;
        stopped = true;
        await Promise.allSettled(started.map((s) => s.stop()));
        if (temporary) rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((s) => s.stop()));
    if (temporary) rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
