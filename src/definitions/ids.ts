/**
 * The id patterns of tenants and apps, one copy for the API, the CLI and the deployment config. Ids
 * become parts of keys, partitions and resource names, so they stay to plain characters.
 */

/** A tenant id: 2-63 lower-case letters, digits or dashes, not starting with a dash. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** An app id: a bundle id or package name (letters, digits, `.`, `_`, `-`), at most 128 characters. */
export const APP_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The longest id of a tenant named in the deployment config: its id becomes part of resource names
 * (`unmogrowp-<stage>-<tenant>-…`), which AWS limits.
 */
export const DEPLOYED_TENANT_ID_MAX_LENGTH = 20;
