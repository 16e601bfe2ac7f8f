import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { TENANT_POLICY_VARIABLE, type TenantWorkGroup } from '../../../lib/lake/lake-analytics.js';
import { REPORT_QUERY_LIST } from '../../../src/definitions/index.js';
import { lakeAnalyticsStack } from './fixtures.js';

const GIB = 1024 ** 3;

function build(tenantWorkGroups: readonly TenantWorkGroup[]) {
  const { stack, analytics } = lakeAnalyticsStack('Lake', tenantWorkGroups);
  const role = new iam.Role(stack, 'LakeReaderRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  analytics.grantTenantScopedQuery(role);
  return { stack, analytics, template: Template.fromStack(stack) };
}

describe('per-tenant Athena workgroups', () => {
  let template: Template;
  beforeAll(() => {
    template = build([
      { tenantId: 'demo', workGroupName: 'unmogrowp-dev-demo-reports' },
      { tenantId: 'bigco', workGroupName: 'unmogrowp-dev-bigco-reports', bytesScannedCutoffGiB: 50 },
    ]).template;
  });

  it("gives each tenant an enforced, encrypted workgroup writing results under the tenant's own prefix", () => {
    template.resourceCountIs('AWS::Athena::WorkGroup', 3);
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'unmogrowp-dev-demo-reports',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 10 * GIB,
        ResultConfiguration: {
          OutputLocation: 's3://lake/athena-results/tenant_id=demo/',
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
        },
      }),
    });
  });

  it("applies a tenant's own bytes-scanned cutoff", () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'unmogrowp-dev-bigco-reports',
      WorkGroupConfiguration: Match.objectLike({
        BytesScannedCutoffPerQuery: 50 * GIB,
        ResultConfiguration: Match.objectLike({
          OutputLocation: 's3://lake/athena-results/tenant_id=bigco/',
        }),
      }),
    });
  });

  it('keeps the saved report queries in the shared workgroup', () => {
    for (const query of REPORT_QUERY_LIST) {
      template.hasResourceProperties('AWS::Athena::NamedQuery', {
        Name: query.name,
        WorkGroup: 'unmogrowp-dev-reports',
      });
    }
  });

  it("lets a tenant's session use exactly the shared workgroup and its own tenant's", () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap(
      (policy) =>
        policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const athena = statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('athena:')));

    expect(athena).toHaveLength(1);
    // Sorted: the minimizePolicies feature flag orders a statement's resources.
    expect([athena[0]?.Resource].flat()).toEqual(
      [`${TENANT_POLICY_VARIABLE}-reports`, 'reports'].map(
        (name) => `arn:aws:athena:eu-west-1:111122223333:workgroup/unmogrowp-dev-${name}`,
      ),
    );
  });

  it('rejects a cutoff that is not a positive whole number of GiB', () => {
    expect(() =>
      build([{ tenantId: 'demo', workGroupName: 'unmogrowp-dev-demo-reports', bytesScannedCutoffGiB: 0.5 }]),
    ).toThrow('bytesScannedCutoffGiB of tenant demo must be a positive whole number. Received 0.5');
  });

  it('rejects a tenant workgroup that tenantWorkGroupName does not name (its sessions could not use it)', () => {
    expect(() => build([{ tenantId: 'demo', workGroupName: 'wg' }])).toThrow(
      'workGroupName of tenant demo must be unmogrowp-dev-demo-reports (tenantWorkGroupName), so that its ' +
        'tenant-scoped sessions may use it. Received wg',
    );
  });

  it("writes the shared workgroup's results under athena-results/shared/, apart from every tenant's", () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'unmogrowp-dev-reports',
      WorkGroupConfiguration: Match.objectLike({
        ResultConfiguration: Match.objectLike({ OutputLocation: 's3://lake/athena-results/shared/' }),
      }),
    });
  });
});

describe('tenant-scoped lake reads (session tag)', () => {
  // The IAM policy variable `${aws:PrincipalTag/tenant}`.
  const TENANT = TENANT_POLICY_VARIABLE;
  it('is the session tag of the tenant', () => {
    expect(TENANT).toBe(['$', '{aws:PrincipalTag/tenant}'].join(''));
  });
  let statements: { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
  beforeAll(() => {
    const { template } = build([{ tenantId: 'demo', workGroupName: 'unmogrowp-dev-demo-reports' }]);
    statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
  });
  const withAction = (action: string) => statements.filter((st) => [st.Action].flat().includes(action));

  it("reads objects only under the session's tenant's partitions of each table, and its results", () => {
    const [reads, ...more] = withAction('s3:GetObject');
    expect(more).toEqual([]);
    expect([reads?.Resource].flat()).toEqual(
      [
        'athena-results/shared',
        `athena-results/tenant_id=${TENANT}`,
        `attributions/tenant_id=${TENANT}`,
        `costs/tenant_id=${TENANT}`,
        `erasures/tenant_id=${TENANT}`,
        `events/tenant_id=${TENANT}`,
        `fx_rates/tenant_id=${TENANT}`,
        `touchpoints/tenant_id=${TENANT}`,
      ].map((prefix) => `arn:aws:s3:::lake/${prefix}/*`),
    );
  });

  it("lists the bucket only under the session's tenant's prefixes", () => {
    const [list, ...more] = withAction('s3:ListBucket');
    expect(more).toEqual([]);
    expect(list?.Resource).toBe('arn:aws:s3:::lake');
    expect(list?.Condition).toEqual({
      StringLike: {
        's3:prefix': [
          `events/tenant_id=${TENANT}/*`,
          `touchpoints/tenant_id=${TENANT}/*`,
          `attributions/tenant_id=${TENANT}/*`,
          `erasures/tenant_id=${TENANT}/*`,
          `costs/tenant_id=${TENANT}/*`,
          `fx_rates/tenant_id=${TENANT}/*`,
          `athena-results/tenant_id=${TENANT}/*`,
          'athena-results/shared/*',
        ],
      },
    });
  });

  it("writes query results only under its own tenant's results prefix and the shared workgroup's", () => {
    const [writes, ...more] = withAction('s3:PutObject');
    expect(more).toEqual([]);
    expect([writes?.Resource].flat()).toEqual([
      'arn:aws:s3:::lake/athena-results/shared/*',
      `arn:aws:s3:::lake/athena-results/tenant_id=${TENANT}/*`,
    ]);
  });

  it('grants no S3 action on a resource that does not name the tenant, except the shared results', () => {
    const loose = statements
      .filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:')))
      .flatMap((st) => [st.Resource].flat() as string[])
      .filter((arn) => arn.includes('/') && !arn.includes(TENANT) && !arn.includes('athena-results/shared/'));
    expect(loose).toEqual([]);
  });
});
