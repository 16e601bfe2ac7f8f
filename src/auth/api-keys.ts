import { createHash, randomBytes } from 'node:crypto';

/** App API keys: shown once at creation, stored only as a SHA-256 hash. */

const PREFIX = 'ugp_';

export function generateApiKey(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** Cheap shape check before any lookup: random strings never reach the table. */
export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(PREFIX) && value.length >= 20 && value.length <= 128;
}
