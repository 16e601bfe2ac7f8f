import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { COUNTED_COMMON_RULES } from '../../lib/ingest/web-acl.js';
import type { Platform } from '../../lib/platform.js';
import { buildPlatform } from '../../lib/platform.js';
import { controlTowerFindings, unacknowledged } from '../../lib/policy/control-tower.js';
import { checkConfigQuotas, ResourcesPerStackValidation } from '../../lib/quotas.js';
import {
  allStacks,
  buildTestPlatform,
  CDK_JSON_CONTEXT,
  configWith,
  nagErrors,
  PROJECT_ROOT,
  regionOf,
  templateOf,
  testApp,
} from './support/platform.js';

/** A prod platform in three regions with one hostname, an account, a pool and a silo tenant. */
const PROD_THREE_REGIONS = {
  stage: 'prod' as const,
  account: '123456789012',
  homeRegion: 'us-east-1',
  regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
  tenants: [
    { tenantId: 'demo', tier: 'pool' as const },
    { tenantId: 'bigco', tier: 'silo' as const, ownTable: true },
  ],
  customDomain: {
    domainName: 'api.example.com',
    certificateArns: Object.fromEntries(
      ['us-east-1', 'eu-west-1', 'ap-southeast-2'].map((region) => [
        region,
        `arn:aws:acm:${region}:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100`,
      ]),
    ),
    hostedZone: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com' },
  },
};

/** The default two regions with five silo tenants (three with their own table). */
const SILO_TENANTS = {
  tenants: [
    { tenantId: 'demo', tier: 'pool' as const },
    ...['s1', 's2', 's3', 's4', 's5'].map((tenantId, index) => ({
      tenantId,
      tier: 'silo' as const,
      ownTable: index < 3,
    })),
  ],
};

type Statement = { Effect: string; Action: string | string[]; Principal?: unknown; Condition?: unknown };
const actions = (statement: Statement): string[] => [statement.Action].flat();

describe('prod in three regions behind one hostname', () => {
  let platform: Platform;
  beforeAll(() => {
    platform = buildTestPlatform(PROD_THREE_REGIONS);
    templateOf(regionOf(platform, 'us-east-1').stateful);
  });

  it('passes cdk-nag AwsSolutions with zero errors in every stack', () => {
    for (const stack of allStacks(platform)) expect(nagErrors(stack), stack.stackName).toEqual([]);
  });

  it('exports nothing across stacks or regions (weak references), so auth.kind can be switched', () => {
    for (const stack of allStacks(platform)) expect(exportsOf(stack), stack.stackName).toEqual([]);
    for (const region of platform.regions) {
      templateOf(region.api).resourceCountIs('Custom::CrossRegionExportReader', 0);
    }
  });

  describe('one hostname (Route 53 latency routing)', () => {
    it.each(['us-east-1', 'eu-west-1', 'ap-southeast-2'])(
      'answers api.example.com from %s with a latency record guarded by a health check',
      (region) => {
        const ingest = templateOf(regionOf(platform, region).api);

        ingest.hasResourceProperties('AWS::Route53::RecordSet', {
          Name: 'api.example.com.',
          Type: 'A',
          HostedZoneId: 'Z0123456789ABCDEFGHIJ',
          Region: region,
          SetIdentifier: region,
          HealthCheckId: Match.anyValue(),
          AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }),
        });
        ingest.hasResourceProperties('AWS::Route53::HealthCheck', {
          HealthCheckConfig: Match.objectLike({
            Type: 'HTTPS',
            ResourcePath: '/prod/health',
            FullyQualifiedDomainName: {
              'Fn::Join': ['', Match.arrayWith([`.execute-api.${region}.`])],
            },
            FailureThreshold: 3,
          }),
        });
      },
    );

    it('checks health on a mock route that invokes no function', () => {
      templateOf(regionOf(platform, 'eu-west-1').api).hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'GET',
        AuthorizationType: 'NONE',
        Integration: Match.objectLike({ Type: 'MOCK' }),
      });
    });
  });

  describe('RetainExceptOnCreate: a failed first deploy can be retried', () => {
    it.each([
      ['stateful', 'AWS::Kinesis::Stream'],
      ['stateful', 'AWS::S3::Bucket'],
      ['stateful', 'AWS::DynamoDB::GlobalTable'],
      ['api', 'AWS::Logs::LogGroup'],
      ['processing', 'AWS::Logs::LogGroup'],
    ] as const)('keeps every %s %s on delete and replace, but not after a failed create', (stack, type) => {
      const resources = Object.values(templateOf(regionOf(platform, 'us-east-1')[stack]).findResources(type));

      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) {
        expect(resource.DeletionPolicy).toBe('RetainExceptOnCreate');
        expect(resource.UpdateReplacePolicy).toBe('Retain');
      }
    });
  });

  describe('IAM and Control Tower items', () => {
    it('lets no Firehose delivery role delete lake objects', () => {
      const lake = templateOf(regionOf(platform, 'eu-west-1').lake);
      const policies = Object.values(lake.findResources('AWS::IAM::Policy'));
      const statements = policies.flatMap(
        (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
      );

      expect(statements.flatMap(actions)).toEqual(expect.arrayContaining(['s3:PutObject']));
      expect(statements.flatMap(actions).filter((action) => /^s3:(Delete|\*)/.test(action))).toEqual([]);
    });

    it('denies KMS grants except to AWS services acting for a resource', () => {
      templateOf(regionOf(platform, 'ap-southeast-2').stateful).hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'kms:CreateGrant',
              Resource: '*',
              Condition: {
                BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
              },
            }),
          ]),
        },
      });
    });

    it("lets CloudWatch use the key only for this account's alarms", () => {
      templateOf(regionOf(platform, 'us-east-1').stateful).hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Condition: {
                StringEquals: { 'aws:SourceAccount': '123456789012' },
                ArnLike: { 'aws:SourceArn': Match.anyValue() },
              },
            }),
          ]),
        },
      });
    });

    it('delivers access logs through the bucket policy, with ACLs disabled', () => {
      const stateful = templateOf(regionOf(platform, 'us-east-1').stateful);

      stateful.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: 'unmogrowp-prod-access-logs-123456789012-us-east-1',
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        AccessControl: Match.absent(),
      });
      stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'logging.s3.amazonaws.com' },
              Action: 's3:PutObject',
              Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': '123456789012' } }),
            }),
          ]),
        },
      });
    });

    it('names the source account on every Lambda permission of a service', () => {
      const permissions = Object.values(
        templateOf(regionOf(platform, 'eu-west-1').api).findResources('AWS::Lambda::Permission'),
      );

      expect(permissions.length).toBeGreaterThan(0);
      for (const permission of permissions) expect(permission.Properties.SourceAccount).toBe('123456789012');
    });

    it('fails no Control Tower proactive control that is not acknowledged with its reason', {
      timeout: 180_000,
    }, () => {
      const findings = controlTowerFindings(platform.regions[0]?.stateful.node.root as App);
      expect(unacknowledged(findings)).toEqual([]);
      // Fixed controls stay fixed.
      const rules = new Set(findings.map((finding) => finding.rule));
      for (const fixed of [
        'kms_create_grant_aws_service_check',
        's3_bucket_acl_prohibited_check',
        'lambda_function_public_access_prohibited_check',
      ]) {
        expect(rules).not.toContain(fixed);
      }
    });
  });

  describe('WAF', () => {
    const rules = () => templateOf(regionOf(platform, 'us-east-1').api).findResources('AWS::WAFv2::WebACL');
    const rule = (name: string) => {
      const [acl] = Object.values(rules());
      return ((acl?.Properties.Rules ?? []) as { Name: string; Statement: Record<string, unknown> }[]).find(
        (r) => r.Name === name,
      );
    };

    it('limits per IP only the public tracking links, not the server-to-server routes', () => {
      const perIp = rule('RateLimitPerIpOnTrackingLinks')?.Statement.RateBasedStatement as {
        AggregateKeyType: string;
        ScopeDownStatement: unknown;
      };
      const scoped = JSON.stringify(perIp.ScopeDownStatement);

      expect(perIp.AggregateKeyType).toBe('IP');
      expect(scoped).toContain('"/v1/click/"');
      expect(scoped).toContain('"/v1/impression/"');
      expect(scoped).not.toContain('/v1/events');
      expect(scoped).not.toContain('/v1/touchpoints');
    });

    it('limits server-to-server traffic by app key', () => {
      expect(rule('RateLimitPerAppKey')?.Statement).toEqual({
        RateBasedStatement: {
          Limit: 1_500_000,
          AggregateKeyType: 'CUSTOM_KEYS',
          CustomKeys: [
            { Header: { Name: 'x-api-key', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } },
          ],
        },
      });
    });

    it('counts, not blocks, the common rules legitimate callers trip (no User-Agent, large bodies)', () => {
      const group = rule('AwsCommonRules')?.Statement.ManagedRuleGroupStatement as {
        RuleActionOverrides: { Name: string; ActionToUse: unknown }[];
      };
      const counted = group.RuleActionOverrides.filter(
        (o) => JSON.stringify(o.ActionToUse) === '{"Count":{}}',
      );

      expect(counted.map((o) => o.Name)).toEqual(
        expect.arrayContaining(['NoUserAgent_HEADER', 'SizeRestrictions_BODY']),
      );
      expect(counted).toHaveLength(Object.keys(COUNTED_COMMON_RULES).length);
    });
  });
});

/** Outputs of a stack that CloudFormation exports (strong references that block their removal). */
const exportsOf = (stack: Stack): string[] =>
  Object.entries(templateOf(stack).toJSON().Outputs ?? {})
    .filter(([, output]) => (output as { Export?: unknown }).Export !== undefined)
    .map(([name]) => name);

describe('silo tenants', () => {
  let platform: Platform;
  beforeAll(() => {
    platform = buildTestPlatform(SILO_TENANTS);
    templateOf(regionOf(platform, 'us-east-1').stateful);
  });

  it('exports nothing, so removing a silo tenant is not blocked by an export in use', () => {
    for (const stack of allStacks(platform)) expect(exportsOf(stack), stack.stackName).toEqual([]);
    // Streams are referenced by name; the remaining references (key, topic) are weak.
    const lake = JSON.stringify(templateOf(regionOf(platform, 'eu-west-1').lake).toJSON());
    expect(lake).not.toContain('Fn::ImportValue');
    expect(lake).toContain(':stream/unmogrowp-dev-s1-ingest');
  });

  it('passes cdk-nag AwsSolutions with zero errors in every stack', () => {
    for (const stack of allStacks(platform)) expect(nagErrors(stack), stack.stackName).toEqual([]);
  });

  it('fails no Control Tower proactive control that is not acknowledged with its reason', {
    timeout: 180_000,
  }, () => {
    expect(unacknowledged(controlTowerFindings(platform.regions[0]?.stateful.node.root as App))).toEqual([]);
  });
});

describe('the default app and Control Tower', () => {
  it('fails no Control Tower proactive control that is not acknowledged with its reason', {
    timeout: 180_000,
  }, () => {
    const platform = buildTestPlatform();
    expect(unacknowledged(controlTowerFindings(platform.regions[0]?.stateful.node.root as App))).toEqual([]);
  });
});

describe('Firehose active partitions', () => {
  it('exposes the partition count and the quota-exceeded metric of every delivery stream', () => {
    const platform = buildTestPlatform(SILO_TENANTS);
    const lake = regionOf(platform, 'eu-west-1').lake;
    const silo = lake.rawDeliveries.find((d) => d.deliveryStreamName === 'unmogrowp-dev-s1-raw-lake');

    expect(silo?.metricPartitionCountExceeded()).toMatchObject({
      namespace: 'AWS/Firehose',
      metricName: 'PartitionCountExceeded',
      statistic: 'Maximum',
      dimensions: { DeliveryStreamName: 'unmogrowp-dev-s1-raw-lake' },
    });
    expect(lake.attributionDelivery.metricPartitionCount().metricName).toBe('PartitionCount');
  });
});

describe('one hostname is optional', () => {
  it('creates the regional domains but no DNS records without a hosted zone', () => {
    const { hostedZone: _, ...domain } = PROD_THREE_REGIONS.customDomain;
    const platform = buildTestPlatform({
      customDomain: {
        ...domain,
        certificateArns: {
          'us-east-1': domain.certificateArns['us-east-1'] ?? '',
          'eu-west-1': domain.certificateArns['eu-west-1'] ?? '',
        },
      },
    });
    const ingest = templateOf(regionOf(platform, 'us-east-1').api);

    ingest.resourceCountIs('AWS::ApiGateway::DomainName', 1);
    ingest.resourceCountIs('AWS::Route53::RecordSet', 0);
    ingest.resourceCountIs('AWS::Route53::HealthCheck', 0);
  });

  it('refuses a hosted zone that does not contain the domain', () => {
    expect(() =>
      configWith({
        ...PROD_THREE_REGIONS,
        customDomain: {
          ...PROD_THREE_REGIONS.customDomain,
          hostedZone: { hostedZoneId: 'Z0123', zoneName: 'other.org' },
        },
      }),
    ).toThrow('customDomain.hostedZone.zoneName: domainName must be inside hostedZone.zoneName');
  });
});

describe('quotas checked at synth', () => {
  it('declares 1,000 tenants without an API Gateway quota (no usage plans, no API Gateway keys)', () => {
    const tenants = Array.from({ length: 1000 }, (_, i) => ({ tenantId: `t${i}` }));
    expect(() => checkConfigQuotas(configWith({ tenants }))).not.toThrow();
  });

  it('refuses the retired usagePlansPerRegion quota, naming it', () => {
    expect(() => configWith({ quotas: { usagePlansPerRegion: 400 } } as never)).toThrow(
      /usagePlansPerRegion/,
    );
  });

  it('refuses more on-demand streams than Kinesis allows an account in a region', () => {
    const tenants = [
      { tenantId: 'demo' },
      ...Array.from({ length: 50 }, (_, i) => ({ tenantId: `silo${i}`, tier: 'silo' as const })),
    ];
    expect(() => buildPlatform(testApp(), configWith({ tenants }), { projectRoot: PROJECT_ROOT })).toThrow(
      'Kinesis allows 50 on-demand streams per account and region (quota "On-demand data streams per account"); the pool and 50 silo tenants need 51',
    );
  });

  it('names the stack and the CloudFormation resources-per-stack limit it passes', () => {
    const stack = new Stack(new App(), 'Crowded');
    for (let i = 0; i < 3; i += 1) new sqs.Queue(stack, `Queue${i}`);

    expect(new ResourcesPerStackValidation(stack, 2).validate()).toEqual([
      'CloudFormation allows 2 resources per stack (quota "Resources per stack"); Crowded has 3. ' +
        'Move silo tenants to the pool or split them across deployments (see docs/deployment.md, Quotas).',
    ]);
    expect(new ResourcesPerStackValidation(stack, 3).validate()).toEqual([]);
  });
});

describe('cdk.json feature flags', () => {
  it('sets every flag aws-cdk-lib recommends for new projects', () => {
    const recommended = JSON.parse(
      readFileSync(resolve(PROJECT_ROOT, 'node_modules/aws-cdk-lib/recommended-feature-flags.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(CDK_JSON_CONTEXT).toMatchObject(recommended);
  });
});
