import type { Stage } from './config/schema.js';

/**
 * Physical names of the platform's resources. Names are deterministic so that stacks in other regions
 * (replica tables, the global dashboard) can address a resource without cross-region references.
 */
export class ResourceNames {
  constructor(readonly stage: Stage) {}

  /** `unmogrowp-<stage>-<parts…>`, e.g. `unmogrowp-dev-identity-graph`. */
  name(...parts: readonly string[]): string {
    return ['unmogrowp', this.stage, ...parts].join('-');
  }

  /** Stack name of one region's stack, e.g. `UnMoGrowP-dev-eu-west-1-Stateful`. */
  stackName(region: string, role: string): string {
    return `UnMoGrowP-${this.stage}-${region}-${role}`;
  }

  /** Resource name of a silo tenant's own copy, or of the shared pool copy when `tenantId` is undefined. */
  scoped(tenantId: string | undefined, ...parts: readonly string[]): string {
    return tenantId === undefined ? this.name(...parts) : this.name(tenantId, ...parts);
  }

  /** Glue database name (Glue wants lowercase and underscores). */
  get glueDatabase(): string {
    return `unmogrowp_${this.stage}`;
  }

  /** Dashboard name of one region, or of the global dashboard. */
  dashboardName(region: string | 'global'): string {
    return `UnMoGrowP-${this.stage}-${region}`;
  }

  /** KMS alias of the platform key in every region, resolvable by name from other regions. */
  get keyAlias(): string {
    return `alias/${this.name('data')}`;
  }
}

/** Powertools service names: one table in `src/definitions`, read by the runtime too. */
export { SERVICE_NAMES } from '../src/definitions/index.js';
