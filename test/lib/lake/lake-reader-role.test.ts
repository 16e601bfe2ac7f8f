import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { LakeReaderRole } from '../../../lib/lake/lake-reader-role.js';
import { buildTestPlatform, nagErrors, regionOf, templateOf } from '../support/platform.js';
import { lakeAnalyticsStack } from './fixtures.js';

function build(readers = 1) {
  const { stack, analytics } = lakeAnalyticsStack('Api');
  const roles = Array.from(
    { length: readers },
    (_, i) =>
      new iam.Role(stack, `Reader${i}`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }),
  );
  const reader = new LakeReaderRole(stack, 'LakeReader', { analytics, readers: roles });
  for (const role of roles) reader.grantAssume(role);
  return Template.fromStack(stack);
}

describe('lake reader role', () => {
  let template: Template;
  beforeAll(() => {
    template = build();
  });

  it('may be assumed only by its readers, only with a non-empty tenant tag and no other tag key', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Reader0'), 'Arn'] } },
            Condition: {
              StringLike: { 'aws:RequestTag/tenant': '?*' },
              'ForAllValues:StringEquals': { 'aws:TagKeys': ['tenant'] },
            },
          },
        ],
      },
    });
  });

  it('lets each reader start tagged sessions of exactly that role', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Reader0') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LakeReaderRole'), 'Arn'] },
          },
        ]),
      },
    });
  });

  it('refuses to be built without a reader', () => {
    expect(() => build(0)).toThrow('readers must name at least one role. Received none');
  });
});

describe('the query function reads the lake through the lake reader role', () => {
  const platform = buildTestPlatform({ account: '123456789012' });
  const api = regionOf(platform, 'us-east-1').api;

  it("gives the query function the role's ARN and no lake, Athena or Glue permission of its own", () => {
    const template = templateOf(api);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'unmogrowp-dev-query',
      Environment: {
        Variables: Match.objectLike({
          UNMOGROWP_LAKE_READER_ROLE_ARN: {
            'Fn::GetAtt': [Match.stringLikeRegexp('^LakeReaderRole'), 'Arn'],
          },
        }),
      },
    });
    const queryActions = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) =>
        (policy.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith('QueryFunctionRole')),
      )
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .flatMap((st: { Action: string | string[] }) => [st.Action].flat());
    expect(queryActions.filter((a) => /^(s3|athena|glue):/.test(a))).toEqual([]);
    expect(queryActions).toEqual(expect.arrayContaining(['sts:AssumeRole', 'sts:TagSession']));
  });

  it('passes cdk-nag with zero errors', () => {
    expect(nagErrors(api)).toEqual([]);
  });
});
