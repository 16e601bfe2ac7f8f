import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { LAKE_READER_SESSION } from '../../definitions/lake.js';

/**
 * Credentials of the lake reader role, one tagged session per tenant (`tenant=<id>`), so that whatever a
 * tenant's Athena query asks for, S3 answers only that tenant's partitions (the role's statements name
 * `tenant_id=${aws:PrincipalTag/tenant}`). Sessions are cached per tenant and renewed shortly before they
 * expire; concurrent requests of one tenant share one AssumeRole call.
 */

/** Temporary credentials, in the shape the AWS SDK's `credentials` option takes. */
export interface TenantCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface StsTenantCredentialsOptions {
  readonly client: STSClient;
  /** ARN of the lake reader role. */
  readonly roleArn: string;
  /** @default `LAKE_READER_SESSION.durationSeconds` (one hour, the role's maximum) */
  readonly durationSeconds?: number;
  /** @default `LAKE_READER_SESSION.refreshBeforeExpirySeconds` (five minutes) */
  readonly refreshBeforeExpirySeconds?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export class StsTenantCredentials {
  private readonly sessions = new Map<string, Promise<TenantCredentials>>();
  private readonly now: () => number;

  constructor(private readonly options: StsTenantCredentialsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The tenant's session credentials: cached, or a new session when none is cached or it expires soon. */
  async credentialsFor(tenantId: string): Promise<TenantCredentials> {
    const cached = this.sessions.get(tenantId);
    if (cached) {
      const credentials = await cached.catch(() => undefined);
      if (credentials && !this.expiresSoon(credentials)) return credentials;
      // Another caller may have renewed it meanwhile: renew only the entry that was seen.
      if (this.sessions.get(tenantId) !== cached) return this.credentialsFor(tenantId);
    }
    const session = this.assume(tenantId);
    this.sessions.set(tenantId, session);
    // A failed call is not cached: the next request tries again.
    session.catch(() => {
      if (this.sessions.get(tenantId) === session) this.sessions.delete(tenantId);
    });
    return session;
  }

  private expiresSoon(credentials: TenantCredentials): boolean {
    const marginMs =
      (this.options.refreshBeforeExpirySeconds ?? LAKE_READER_SESSION.refreshBeforeExpirySeconds) * 1000;
    return credentials.expiration.getTime() - marginMs <= this.now();
  }

  private async assume(tenantId: string): Promise<TenantCredentials> {
    const { Credentials: c } = await this.options.client.send(
      new AssumeRoleCommand({
        RoleArn: this.options.roleArn,
        // Session names show in CloudTrail: which tenant's reads these were.
        RoleSessionName: `lake-${tenantId}`.slice(0, 64),
        DurationSeconds: this.options.durationSeconds ?? LAKE_READER_SESSION.durationSeconds,
        Tags: [{ Key: LAKE_READER_SESSION.tenantTag, Value: tenantId }],
      }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
      throw new Error(`STS returned no credentials for the lake reader session of tenant ${tenantId}`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  }
}
