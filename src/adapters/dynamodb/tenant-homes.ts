import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TenantHomeMoveError } from '../../app/errors.js';
import type { TenantHome, TenantHomes } from '../../app/home-region.js';
import { TtlCache } from '../cache.js';

/**
 * Tenants' home regions in the tenant registry (a global table): `homeRegion` and `homeSinceMs` on the
 * tenant item. A tenant without them is homed in the platform's home region. Reads use the local replica
 * and are cached; moving a home (`moveHome`) is one conditional update, made in any surviving region.
 */

export interface DynamoTenantHomesOptions {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The platform's home region (`UNMOGROWP_HOME_REGION`): the home of tenants without their own. */
  readonly defaultRegion: string;
  /**
   * Seconds a tenant's home stays cached. A move's grace period must be longer than this.
   * @default 60
   */
  readonly cacheTtlSeconds?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Registry attributes of a tenant's home. */
export const HOME_ATTRIBUTES = { region: 'homeRegion', sinceMs: 'homeSinceMs' } as const;

const tenantKey = (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'TENANT' });

export class DynamoTenantHomes implements TenantHomes {
  private readonly cache: TtlCache<string, TenantHome>;
  private readonly now: () => number;

  constructor(private readonly options: DynamoTenantHomesOptions) {
    this.now = options.now ?? Date.now;
    this.cache = new TtlCache((options.cacheTtlSeconds ?? 60) * 1000, 10_000, this.now);
  }

  async homeOf(tenantId: string): Promise<TenantHome> {
    const cached = this.cache.get(tenantId);
    if (cached) return cached;
    const { Item } = await this.options.documents.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: tenantKey(tenantId),
        ProjectionExpression: '#region, #since',
        ExpressionAttributeNames: { '#region': HOME_ATTRIBUTES.region, '#since': HOME_ATTRIBUTES.sinceMs },
      }),
    );
    const region = typeof Item?.homeRegion === 'string' ? Item.homeRegion : this.options.defaultRegion;
    const home: TenantHome =
      typeof Item?.homeSinceMs === 'number' ? { region, sinceMs: Item.homeSinceMs } : { region };
    this.cache.set(tenantId, home);
    return home;
  }

  /**
   * Moves a tenant's home to `region`, which starts writing `graceSeconds` from now. `from`, when given,
   * must be the current home (a guard against two operators moving one tenant at once).
   * @throws TenantHomeMoveError when the tenant does not exist or its home is not `from`
   */
  async moveHome(
    tenantId: string,
    region: string,
    options: { graceSeconds: number; from?: string },
  ): Promise<TenantHome> {
    const sinceMs = this.now() + options.graceSeconds * 1000;
    const guardFrom =
      options.from === undefined
        ? ''
        : options.from === this.options.defaultRegion
          ? ' AND (attribute_not_exists(#region) OR #region = :from)'
          : ' AND #region = :from';
    try {
      await this.options.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: tenantKey(tenantId),
          UpdateExpression: 'SET #region = :region, #since = :since',
          ConditionExpression: `attribute_exists(pk)${guardFrom}`,
          ExpressionAttributeNames: { '#region': HOME_ATTRIBUTES.region, '#since': HOME_ATTRIBUTES.sinceMs },
          ExpressionAttributeValues: {
            ':region': region,
            ':since': sinceMs,
            ...(options.from === undefined ? {} : { ':from': options.from }),
          },
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      throw new TenantHomeMoveError(
        options.from === undefined
          ? `unknown tenant ${JSON.stringify(tenantId)}`
          : `tenant ${JSON.stringify(tenantId)} does not exist or is not homed in ${options.from}`,
        tenantId,
        options.from,
        { cause: error },
      );
    }
    this.cache.delete(tenantId);
    return { region, sinceMs };
  }
}
