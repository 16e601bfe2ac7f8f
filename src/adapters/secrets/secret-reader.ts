import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { common, observed } from '../clients.js';

/**
 * Reads a secret string from AWS Secrets Manager, once per cold start and again after a time to live
 * (so a rotated value is picked up without a redeploy). The SDK client is imported lazily: only the
 * functions configured with a secret ever load it.
 */

export interface SecretReaderOptions {
  /** Secret name or ARN (`GetSecretValue` accepts both; a replica is addressed by the same name). */
  readonly secretId: string;
  readonly region: string;
  /** Endpoint override (tests). @default the regional Secrets Manager endpoint */
  readonly endpoint?: string;
  /** Seconds a value read stays cached. @default 300 */
  readonly cacheTtlSeconds?: number;
  /** @default a client built on first read */
  readonly client?: Pick<SecretsManagerClient, 'send'>;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The secret could not be read, or holds no string. */
export class SecretReadError extends Error {
  constructor(
    message: string,
    readonly secretId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SecretReadError';
  }
}

/**
 * A function that returns the secret's current string, cached; concurrent first calls share one read,
 * and a failed read is not cached.
 * @example
 * const signingSecret = secretStringReader({ secretId: 'unmogrowp-dev/service-token', region: 'eu-west-1' });
 * const value = await signingSecret();
 */
export function secretStringReader(options: SecretReaderOptions): () => Promise<string> {
  const ttlMs = (options.cacheTtlSeconds ?? 300) * 1000;
  const now = options.now ?? Date.now;
  let client = options.client;
  let cached: { value: string; expiresAtMs: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const read = async (): Promise<string> => {
    const sdk = await import('@aws-sdk/client-secrets-manager');
    // Observed like every client of clients.ts (the IAM coverage test records the call).
    client ??= observed(new sdk.SecretsManagerClient(common(options.region, options.endpoint)));
    let secretString: string | undefined;
    try {
      const response = await client.send(new sdk.GetSecretValueCommand({ SecretId: options.secretId }));
      secretString = response.SecretString;
    } catch (cause) {
      const name = cause instanceof Error ? cause.name : String(cause);
      throw new SecretReadError(`cannot read secret ${options.secretId}: ${name}`, options.secretId, {
        cause,
      });
    }
    if (!secretString) {
      throw new SecretReadError(`secret ${options.secretId} holds no string value`, options.secretId);
    }
    cached = { value: secretString, expiresAtMs: now() + ttlMs };
    return secretString;
  };

  return async () => {
    if (cached && cached.expiresAtMs > now()) return cached.value;
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
