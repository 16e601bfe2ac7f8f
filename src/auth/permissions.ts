/**
 * Roles and what each may do (SPEC §3). One table, read by the handlers through `can`/`authorize`;
 * every permission is checked by a route (test/security/role-matrix.test.ts). People and their roles
 * are managed in the identity provider that issues the tokens, not here: no permission manages users.
 */

export const ROLES = ['owner', 'admin', 'analyst', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  /** Create tenants: only the platform owner (tenant `*`). */
  'tenants:create',
  'apps:create',
  'apps:read',
  /** Change an app: name, store URLs, redirect hosts and attribution settings. */
  'apps:write',
  'keys:rotate',
  /** Turn request signing on (a new signing secret) or off. */
  'signing:write',
  'reports:read',
  'privacy:erase',
  /** Read the status of erasure requests. */
  'privacy:read',
  /** Set up postbacks and webhooks to networks (SPEC §7). */
  'postbacks:write',
  /** Import ad spend (SPEC §8). */
  'costs:write',
  /** Run a what-if replay of attribution under other settings. */
  'replay:run',
  /** Read the tenant's audit log of who changed what (`GET /v1/tenants/{tenantId}/audit-log`). */
  'audit:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Tenant claim of the platform operator, who may act on every tenant. */
export const PLATFORM_TENANT = '*';

const ALL_BUT_TENANTS = PERMISSIONS.filter((p) => p !== 'tenants:create');

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: PERMISSIONS,
  admin: ALL_BUT_TENANTS,
  developer: [
    'apps:read',
    'apps:write',
    'keys:rotate',
    'signing:write',
    'reports:read',
    'postbacks:write',
    'replay:run',
  ],
  analyst: ['apps:read', 'reports:read', 'costs:write', 'replay:run'],
  viewer: ['apps:read', 'reports:read'],
};

/** A person (or service) authenticated by a bearer token. */
export interface UserPrincipal {
  readonly kind: 'user';
  readonly subject: string;
  readonly role: Role;
  /** The tenant the token acts for, or `*` for the platform owner. */
  readonly tenantId: string;
}

/** An app authenticated by its API key. */
export interface AppPrincipal {
  readonly kind: 'app';
  readonly tenantId: string;
  readonly appId: string;
}

export function can(principal: UserPrincipal, permission: Permission): boolean {
  if (permission === 'tenants:create' && principal.tenantId !== PLATFORM_TENANT) return false;
  return ROLE_PERMISSIONS[principal.role].includes(permission);
}

/** True when the principal acts for `tenantId` (its own, or any for the platform owner). */
export function actsFor(principal: UserPrincipal, tenantId: string): boolean {
  return principal.tenantId === PLATFORM_TENANT || principal.tenantId === tenantId;
}
