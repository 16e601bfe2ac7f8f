import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestPlatform, regionOf, templateOf } from '../support/platform.js';

/**
 * App keys are not API Gateway keys (issue 12, item 1): API Gateway keys exist in one region, are capped at
 * 10,000 a region and created at 5 a second. The handlers verify `x-api-key` against the replicated registry.
 */
describe('the API of every region and app keys', () => {
  const regions = ['us-east-1', 'eu-west-1'];
  let ingest: Record<string, Template>;
  beforeAll(() => {
    const platform = buildTestPlatform({ tenants: [{ tenantId: 'demo', tier: 'pool' }] });
    ingest = Object.fromEntries(
      regions.map((region) => [region, templateOf(regionOf(platform, region).api)]),
    );
  });

  it('requires no API Gateway key on any method, so the handler answers an unknown key with 401', () => {
    for (const region of regions) {
      const methods = Object.values(ingest[region]?.findResources('AWS::ApiGateway::Method') ?? {});
      expect(methods.length, region).toBeGreaterThan(0);
      expect(
        methods.filter((method) => method.Properties.ApiKeyRequired === true),
        region,
      ).toEqual([]);
    }
  });

  it('creates no usage plan, API key or usage plan key', () => {
    for (const region of regions) {
      for (const type of [
        'AWS::ApiGateway::UsagePlan',
        'AWS::ApiGateway::ApiKey',
        'AWS::ApiGateway::UsagePlanKey',
      ]) {
        ingest[region]?.resourceCountIs(type, 0);
      }
    }
  });

  it('gives no function any API Gateway management action', () => {
    for (const region of regions) {
      const policies = JSON.stringify(ingest[region]?.findResources('AWS::IAM::Policy'));
      expect(policies, region).not.toMatch(/"apigateway:/);
    }
  });

  it('tells no function a REST API id or usage plan names', () => {
    for (const region of regions) {
      const functions = JSON.stringify(ingest[region]?.findResources('AWS::Lambda::Function'));
      expect(functions, region).not.toContain('UNMOGROWP_REST_API_ID');
      expect(functions, region).not.toContain('UNMOGROWP_USAGE_PLANS');
    }
  });

  it("hands each configured tenant's usage plan to the functions as tenant limits the handlers enforce", () => {
    const functions = JSON.stringify(ingest['us-east-1']?.findResources('AWS::Lambda::Function'));
    const limits = JSON.stringify(
      JSON.stringify({ demo: { rateLimitPerSecond: 100, monthlyRequestQuota: 0 } }),
    );

    expect(functions).toContain(`"UNMOGROWP_TENANT_LIMITS":${limits}`);
  });
});
