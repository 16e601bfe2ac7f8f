import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnUserPool } from 'aws-cdk-lib/aws-cognito';
import { beforeAll, describe, expect, it } from 'vitest';
import { PlatformUserPool, type PlatformUserPoolProps } from '../../../lib/auth/platform-user-pool.js';
import { nagErrors, testApp } from '../support/platform.js';

function build(props: Partial<PlatformUserPoolProps> = {}) {
  const stack = new Stack(testApp(), 'Users', { env: { region: 'us-east-1' } });
  const users = new PlatformUserPool(stack, 'Users', { userPoolName: 'unmogrowp-dev-users', ...props });
  return { stack, users, template: Template.fromStack(stack) };
}

describe('PlatformUserPool', () => {
  let defaults: ReturnType<typeof build> & { nag: string[] };
  let chosen: ReturnType<typeof build> & { nag: string[] };
  beforeAll(() => {
    const a = build();
    defaults = { ...a, nag: nagErrors(a.stack) };
    const b = build({ mfa: 'optional', threatProtection: false, removalPolicy: RemovalPolicy.DESTROY });
    chosen = { ...b, nag: nagErrors(b.stack) };
  });

  it('creates an invitation-only pool with a strong password policy, required TOTP and threat protection', () => {
    const { template } = defaults;

    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolName: 'unmogrowp-dev-users',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
    });
    expect(defaults.nag).toEqual([]);
  });

  it('carries role and tenant as custom attributes that users can read but never write', () => {
    const { template } = defaults;

    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'role', AttributeDataType: 'String', Mutable: true }),
        Match.objectLike({ Name: 'tenant', AttributeDataType: 'String', Mutable: true }),
      ]),
    });
    const client = Object.values(template.findResources('AWS::Cognito::UserPoolClient'))[0]?.Properties;
    expect(client).toMatchObject({
      GenerateSecret: false,
      ExplicitAuthFlows: expect.arrayContaining(['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH']),
      PreventUserExistenceErrors: 'ENABLED',
    });
    expect(client.ReadAttributes).toEqual(expect.arrayContaining(['custom:role', 'custom:tenant']));
    expect(client.WriteAttributes).toEqual(['email']);
    expect(client.AllowedOAuthFlows).toBeUndefined();
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual([
      expect.stringMatching(/^UsersUserPoolClientId/),
      expect.stringMatching(/^UsersUserPoolId/),
    ]);
  });

  it('names its issuer and JWKS after the pool provider URL', () => {
    const { stack, users } = defaults;
    const poolId = stack.getLogicalId(users.userPool.node.defaultChild as CfnUserPool);

    expect(stack.resolve(users.issuer)).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [poolId, 'ProviderURL'] }]],
    });
    expect(stack.resolve(users.jwksUrl)).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [poolId, 'ProviderURL'] }, '/.well-known/jwks.json']],
    });
  });

  it('acknowledges optional MFA and the Essentials plan only when the operator chose them', () => {
    const { template } = chosen;

    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'OPTIONAL',
      UserPoolTier: 'ESSENTIALS',
      DeletionProtection: 'INACTIVE',
    });
    expect(chosen.nag).toEqual([]);
  });

  it('rejects a password length Cognito does not allow', () => {
    expect(() => build({ passwordMinLength: 6 })).toThrow(
      'passwordMinLength must be between 8 and 99. Received 6',
    );
  });
});
