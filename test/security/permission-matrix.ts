import { PERMISSIONS, PLATFORM_TENANT, ROLE_PERMISSIONS, ROLES } from '../../src/auth/permissions.js';

/** Markers around the generated table in docs/security.md. */
export const MATRIX_START =
  '<!-- permission-matrix:start (generated from ROLE_PERMISSIONS; see test/security/permission-matrix.ts) -->';
export const MATRIX_END = '<!-- permission-matrix:end -->';

/**
 * The "Permission matrix" table of docs/security.md, generated from `ROLE_PERMISSIONS`: one row per
 * permission, one column per role, `yes` where the role holds it.
 */
export function permissionMatrixMarkdown(): string {
  const header = `| permission | ${ROLES.join(' | ')} |`;
  const rule = `| --- | ${ROLES.map(() => '---').join(' | ')} |`;
  const rows = PERMISSIONS.map((permission) => {
    const cells = ROLES.map((role) => (ROLE_PERMISSIONS[role].includes(permission) ? 'yes' : '-'));
    const name =
      permission === 'tenants:create'
        ? `\`${permission}\` (tenant \`${PLATFORM_TENANT}\` only)`
        : `\`${permission}\``;
    return `| ${name} | ${cells.join(' | ')} |`;
  });
  return [MATRIX_START, header, rule, ...rows, MATRIX_END].join('\n');
}
