import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { DEFAULT_PLATFORM_CONFIG } from './default-config.js';
import { ConfigValidationError } from './errors.js';
import { type PlatformConfig, PlatformConfigSchema } from './schema.js';

function describeReceived(input: unknown, path: readonly PropertyKey[]): string {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return '';
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value === undefined ? '' : ` (received ${JSON.stringify(value)})`;
}

function toIssues(input: unknown, error: z.ZodError) {
  return error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)',
    message: `${issue.message}${describeReceived(input, issue.path)}`,
  }));
}

/**
 * Validates a platform config and resolves its defaults.
 *
 * @throws ConfigValidationError naming every bad field, its value and what is allowed.
 * @example
 * const config = parsePlatformConfig({ ...DEFAULT_PLATFORM_CONFIG, stage: 'prod' });
 */
export function parsePlatformConfig(input: unknown, source?: string): PlatformConfig {
  const result = PlatformConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigValidationError(toIssues(input, result.error), { source, cause: result.error });
  }
  return result.data;
}

/** Reads and validates a JSON config file; without a path, the default config. */
export function loadPlatformConfig(path?: string): PlatformConfig {
  if (path === undefined) return parsePlatformConfig(DEFAULT_PLATFORM_CONFIG, 'default config');
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ConfigValidationError([{ path: '(file)', message: `cannot read JSON config ${path}` }], {
      source: path,
      cause,
    });
  }
  return parsePlatformConfig(input, path);
}
