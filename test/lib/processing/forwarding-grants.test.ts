import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestPlatform, nagErrors, regionOf, templateOf } from '../support/platform.js';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

function statementsOf(template: Template, rolePrefix: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify(p.Properties.Roles).includes(rolePrefix),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** The home-region write model: a consumer may put records only on the same stream in the other regions. */
describe('forwarding between regions (processing stack)', () => {
  let platform: ReturnType<typeof buildTestPlatform>;
  let eu: Template;
  beforeAll(() => {
    platform = buildTestPlatform();
    eu = templateOf(regionOf(platform, 'eu-west-1').processing);
  });

  it("lets the consumer put records on the other region's ingest stream of the same name only", () => {
    const puts = statementsOf(eu, 'Consumer').filter((s) => actions(s).includes('kinesis:PutRecords'));

    expect(puts).toHaveLength(1);
    expect(JSON.stringify(puts[0]?.Resource)).toContain(':kinesis:us-east-1:');
    expect(JSON.stringify(puts[0]?.Resource)).toContain('stream/unmogrowp-dev-ingest');
    expect(JSON.stringify(puts[0]?.Resource)).not.toContain('eu-west-1');
  });

  it("encrypts with the other region's platform key only, by alias and through Kinesis", () => {
    const kms = statementsOf(eu, 'Consumer').filter(
      (s) => actions(s).includes('kms:GenerateDataKey') && JSON.stringify(s.Resource).includes('us-east-1'),
    );

    expect(kms).toHaveLength(1);
    expect(kms[0]?.Condition).toMatchObject({
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': expect.stringMatching(/^alias\//) },
      StringEquals: { 'kms:ViaService': ['kinesis.us-east-1.amazonaws.com'] },
    });
  });

  it('keeps cdk-nag at zero errors in the processing stacks', () => {
    for (const region of ['us-east-1', 'eu-west-1']) {
      expect(nagErrors(regionOf(platform, region).processing), region).toEqual([]);
    }
  });
});
