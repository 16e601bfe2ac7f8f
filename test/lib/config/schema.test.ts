import { describe, expect, it } from 'vitest';
import {
  ConfigValidationError,
  DEFAULT_PLATFORM_CONFIG,
  loadPlatformConfig,
  type PlatformConfigInput,
  parsePlatformConfig,
} from '../../../lib/config/index.js';

const withConfig = (overrides: Record<string, unknown>): unknown => ({
  ...DEFAULT_PLATFORM_CONFIG,
  ...overrides,
});

function issuesOf(input: unknown): string[] {
  try {
    parsePlatformConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error('expected the config to be rejected');
}

describe('default platform config', () => {
  it('synthesises two regions with us-east-1 at home and one demo pool tenant', () => {
    const config = loadPlatformConfig();

    expect(config.homeRegion).toBe('us-east-1');
    expect(config.regions).toEqual(['us-east-1', 'eu-west-1']);
    expect(config.tenants).toEqual([
      expect.objectContaining({ tenantId: 'demo', tier: 'pool', ownTable: false }),
    ]);
  });

  it('resolves SPEC §4 defaults and safe platform defaults', () => {
    const config = loadPlatformConfig();

    expect(config.sinks.timestream.enabled).toBe(false);
    expect(config.tableCapacity).toEqual({ mode: 'onDemand' });
    expect(config.streamCapacity).toEqual({ mode: 'onDemand' });
    expect(config.processing).toEqual({
      batchSize: 100,
      parallelizationFactor: 2,
      retryAttempts: 3,
      maxRecordAgeHours: 24,
      maxBatchingWindowSeconds: 1,
      legacySignatureReads: false,
    });
    expect(config.attributionDefaults).toEqual({});
  });

  it('issues bearer tokens from a Cognito user pool with required MFA and threat protection by default', () => {
    expect(loadPlatformConfig().auth).toEqual({
      kind: 'cognito',
      mfa: 'required',
      threatProtection: true,
      passwordMinLength: 12,
    });
  });

  it('reads a config written before auth.kind existed as a JWKS issuer', () => {
    const config = parsePlatformConfig(
      withConfig({ auth: { jwksUrl: 'https://idp.example.com/jwks', issuer: 'https://idp.example.com/' } }),
    );

    expect(config.auth).toEqual({
      kind: 'jwks',
      jwksUrl: 'https://idp.example.com/jwks',
      issuer: 'https://idp.example.com/',
    });
  });

  it('accepts service tokens signed with a Secrets Manager secret, issuer "unmogrowp" by default', () => {
    expect(parsePlatformConfig(withConfig({ auth: { kind: 'jwt-secret' } })).auth).toEqual({
      kind: 'jwt-secret',
      issuer: 'unmogrowp',
    });
  });

  it('accepts provisioned capacity with autoscaling bounds', () => {
    const config = parsePlatformConfig(
      withConfig({
        tableCapacity: { mode: 'provisioned', minReadCapacity: 2, maxReadCapacity: 50 },
        streamCapacity: { mode: 'provisioned', shardCount: 4 },
      }),
    );

    expect(config.tableCapacity).toEqual(
      expect.objectContaining({
        mode: 'provisioned',
        minReadCapacity: 2,
        maxReadCapacity: 50,
        minWriteCapacity: 5,
      }),
    );
    expect(config.streamCapacity).toEqual({ mode: 'provisioned', shardCount: 4 });
  });
});

describe('config validation names the bad field', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown stage', { stage: 'staging' }, /^stage: .*"dev".*"prod".*received "staging"/],
    ['a malformed region', { regions: ['us-east-1', 'europe'] }, /^regions\.1: expected an AWS region code/],
    [
      'a home region outside regions',
      { homeRegion: 'ap-south-1' },
      /^homeRegion: homeRegion ap-south-1 must be one of regions/,
    ],
    [
      'a duplicate region',
      { regions: ['us-east-1', 'us-east-1'] },
      /^regions\.1: duplicate region us-east-1/,
    ],
    ['no tenants', { tenants: [] }, /^tenants: /],
    [
      'a bad tenant id',
      { tenants: [{ tenantId: 'Demo Tenant' }] },
      /^tenants\.0\.tenantId: expected 2-20 lowercase/,
    ],
    [
      'a duplicate tenant',
      { tenants: [{ tenantId: 'acme' }, { tenantId: 'acme' }] },
      /^tenants\.1\.tenantId: duplicate tenant acme/,
    ],
    ['an unknown tier', { tenants: [{ tenantId: 'acme', tier: 'gold' }] }, /^tenants\.0\.tier: /],
    [
      'an own table for a pool tenant',
      { tenants: [{ tenantId: 'acme', tier: 'pool', ownTable: true }] },
      /^tenants\.0\.ownTable: ownTable requires tier "silo"/,
    ],
    ['a bad alarm e-mail', { alarmEmail: 'ops' }, /^alarmEmail: .*received "ops"/],
    ['a batch size of 0', { processing: { batchSize: 0 } }, /^processing\.batchSize: .*received 0/],
    [
      'a parallelization factor above 10',
      { processing: { parallelizationFactor: 11 } },
      /^processing\.parallelizationFactor: .*received 11/,
    ],
    [
      'unbounded retries',
      { processing: { retryAttempts: 10_000 } },
      /^processing\.retryAttempts: .*received 10000/,
    ],
    [
      'a min provisioned concurrency above max',
      { concurrency: { minProvisioned: 30, maxProvisioned: 10 } },
      /^concurrency\.minProvisioned: minProvisioned must not exceed maxProvisioned/,
    ],
    [
      'a table read floor above its ceiling',
      { tableCapacity: { mode: 'provisioned', minReadCapacity: 500, maxReadCapacity: 10 } },
      /^tableCapacity\.minReadCapacity: minReadCapacity must not exceed maxReadCapacity/,
    ],
    ['an unknown capacity mode', { streamCapacity: { mode: 'serverless' } }, /^streamCapacity\.mode: /],
    [
      'a log retention CloudWatch does not offer',
      { logRetentionDays: 42 },
      /^logRetentionDays: expected one of 1, 3, 5/,
    ],
    [
      'a custom domain without a certificate for a region',
      {
        customDomain: {
          domainName: 'api.example.com',
          certificateArns: { 'us-east-1': 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123' },
        },
      },
      /^customDomain\.certificateArns\.eu-west-1: missing the ACM certificate ARN for region eu-west-1/,
    ],
    ['a malformed account', { account: '1234' }, /^account: expected a 12-digit AWS account id/],
    [
      'a plain-http JWKS URL',
      { auth: { jwksUrl: 'http://idp.example.com/jwks', issuer: 'x' } },
      /^auth\.jwksUrl: expected an https JWKS URL/,
    ],
    [
      'an unknown auth kind',
      { auth: { kind: 'oidc' } },
      /^auth\.kind: Invalid discriminator value\. Expected 'cognito' \| 'jwks' \| 'jwt-secret'/,
    ],
    ['a JWKS issuer without its URL', { auth: { kind: 'jwks', issuer: 'x' } }, /^auth\.jwksUrl: /],
    ['an MFA mode Cognito does not offer', { auth: { kind: 'cognito', mfa: 'off' } }, /^auth\.mfa: /],
    [
      'a password shorter than Cognito allows',
      { auth: { kind: 'cognito', passwordMinLength: 6 } },
      /^auth\.passwordMinLength: /,
    ],
    [
      'a JWKS setting on a Cognito pool',
      { auth: { kind: 'cognito', jwksUrl: 'https://idp.example.com/jwks' } },
      /^auth: Unrecognized key: "jwksUrl"/,
    ],
    [
      "a tenant's Athena cutoff of zero",
      { tenants: [{ tenantId: 'demo', athenaBytesScannedCutoffGiB: 0 }] },
      /^tenants\.0\.athenaBytesScannedCutoffGiB: /,
    ],
    ['a malformed data-centre CIDR', { dataCenterCidrs: ['10.0.0.0/33'] }, /^dataCenterCidrs\.0: /],
    ['an unknown setting', { regionz: ['us-east-1'] }, /regionz/],
    [
      'an attribution default out of range',
      { attributionDefaults: { click_lookback_hours: -1 } },
      /^attributionDefaults\.click_lookback_hours: /,
    ],
    [
      'a camelCase attribution default (one settings schema with the app settings API)',
      { attributionDefaults: { clickLookbackHours: 48 } },
      /^attributionDefaults: unknown setting "clickLookbackHours" \(settings are snake_case: "click_lookback_hours"\)/,
    ],
  ];

  for (const [what, overrides, expected] of cases) {
    it(`rejects ${what}`, () => {
      const issues = issuesOf(withConfig(overrides));

      expect(
        issues.some((issue) => expected.test(issue)),
        issues.join('\n'),
      ).toBe(true);
    });
  }

  it('lists every bad field in one error message', () => {
    const input: PlatformConfigInput = { ...DEFAULT_PLATFORM_CONFIG, stage: 'qa' as 'dev', alarmEmail: 'x' };

    expect(() => parsePlatformConfig(input, 'platform.json')).toThrow(
      /Invalid platform config \(platform\.json\):\n {2}- stage: .*\n {2}- alarmEmail: /,
    );
  });

  it('names the file it cannot read', () => {
    expect(() => loadPlatformConfig('/nonexistent/platform.json')).toThrow(
      /\(file\): cannot read JSON config \/nonexistent\/platform\.json/,
    );
  });
});
