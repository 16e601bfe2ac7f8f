/**
 * Roles and what each may do (SPEC §3). One table, read by the handlers through `can`/`authorize`;
 * tenancy work extends the permissions here.
 */

export const ROLES = ['owner', 'admin', 'analyst', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  /** Create tenants: only the platform owner (tenant `*`). */
  'tenants:create',
  'apps:create',
  'apps:read',
  'apps:write',
  'reports:read',
  'privacy:erase',
  'keys:rotate',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Tenant claim of the platform operator, who may act on every tenant. */
export const PLATFORM_TENANT = '*';

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: [
    'tenants:create',
    'apps:create',
    'apps:read',
    'apps:write',
    'reports:read',
    'privacy:erase',
    'keys:rotate',
  ],
  admin: ['apps:create', 'apps:read', 'apps:write', 'reports:read', 'privacy:erase', 'keys:rotate'],
  developer: ['apps:read', 'apps:write', 'reports:read', 'keys:rotate'],
  analyst: ['apps:read', 'reports:read'],
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
