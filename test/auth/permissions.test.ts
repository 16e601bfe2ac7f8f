import { describe, expect, it } from 'vitest';
import { can, PERMISSIONS, type Role, type UserPrincipal } from '../../src/auth/permissions.js';

/** The permission table (docs/security.md): what each role may do, checked through `can`. */

const as = (role: Role, tenantId = 'acme'): UserPrincipal => ({ kind: 'user', subject: 's', role, tenantId });
const grants = (role: Role) => PERMISSIONS.filter((p) => can(as(role, '*'), p));

describe('permissions a customer grants separately', () => {
  it('has postbacks, spend, replay, audit log, signing and erasure status of their own', () => {
    expect(PERMISSIONS).toEqual(
      expect.arrayContaining([
        'postbacks:write',
        'costs:write',
        'replay:run',
        'audit:read',
        'signing:write',
        'privacy:read',
      ]),
    );
    expect(new Set(PERMISSIONS).size).toBe(PERMISSIONS.length);
  });

  it('has 13 permissions and none that manages users (people are managed in the identity provider)', () => {
    expect(PERMISSIONS).toHaveLength(13);
    expect(PERMISSIONS.filter((p) => p.startsWith('users:'))).toEqual([]);
  });

  it('gives the owner everything and an admin everything but creating tenants', () => {
    expect(grants('owner')).toEqual([...PERMISSIONS]);
    expect(grants('admin')).toEqual(PERMISSIONS.filter((p) => p !== 'tenants:create'));
  });

  it('lets a developer set up postbacks, signing and replays, but not erase or read the audit log', () => {
    expect(grants('developer')).toEqual([
      'apps:read',
      'apps:write',
      'keys:rotate',
      'signing:write',
      'reports:read',
      'postbacks:write',
      'replay:run',
    ]);
  });

  it('lets an analyst import spend and run replays, and a viewer only read', () => {
    expect(grants('analyst')).toEqual(['apps:read', 'reports:read', 'costs:write', 'replay:run']);
    expect(grants('viewer')).toEqual(['apps:read', 'reports:read']);
  });

  it("never lets a tenant's owner create tenants", () => {
    expect(can(as('owner'), 'tenants:create')).toBe(false);
    expect(can(as('owner', '*'), 'tenants:create')).toBe(true);
  });
});
