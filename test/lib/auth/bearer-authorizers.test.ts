import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BEARER_HEADER_PATTERN, JwtTokenAuthorizer } from '../../../lib/auth/jwt-token-authorizer.js';
import { ServiceTokenSecret } from '../../../lib/auth/service-token-secret.js';
import { bearerAuthEnvironment } from '../../../lib/stacks/function-environment.js';
import { nagErrors, PROJECT_ROOT, testApp } from '../support/platform.js';

describe('JwtTokenAuthorizer', () => {
  let stack: Stack;
  let template: Template;
  beforeAll(() => {
    stack = new Stack(testApp(), 'Api', { env: { region: 'eu-west-1' } });
    const authorizer = new JwtTokenAuthorizer(stack, 'Bearer', {
      functionName: 'unmogrowp-dev-authorizer',
      projectRoot: PROJECT_ROOT,
      logRetention: logs.RetentionDays.ONE_MONTH,
      logRemovalPolicy: RemovalPolicy.DESTROY,
      environment: bearerAuthEnvironment({
        kind: 'jwks',
        jwksUrl: 'https://idp.example.com/jwks',
        issuer: 'https://idp.example.com/',
        audience: 'unmogrowp',
      }),
    });
    const api = new apigateway.RestApi(stack, 'RestApi', { deploy: false });
    api.root.addMethod('GET', new apigateway.MockIntegration(), { authorizer: authorizer.authorizer });
    template = Template.fromStack(stack);
  });

  it('is a TOKEN authorizer on the Authorization header that rejects malformed headers before running', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      IdentityValidationExpression: BEARER_HEADER_PATTERN,
      AuthorizerResultTtlInSeconds: 300,
    });
    expect(new RegExp(BEARER_HEADER_PATTERN).test('Bearer eyJhbGciOi.eyJzdWIi.c2ln')).toBe(true);
    expect(new RegExp(BEARER_HEADER_PATTERN).test('Basic dXNlcjpwYXNz')).toBe(false);
  });

  it('runs the authorizer house function with the issuer, audience and JWKS URL', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'unmogrowp-dev-authorizer',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Environment: {
        Variables: Match.objectLike({
          UNMOGROWP_JWKS_URL: 'https://idp.example.com/jwks',
          UNMOGROWP_JWT_ISSUER: 'https://idp.example.com/',
          UNMOGROWP_JWT_AUDIENCE: 'unmogrowp',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'apigateway.amazonaws.com',
      Action: 'lambda:InvokeFunction',
    });
  });
});

describe('ServiceTokenSecret', () => {
  let stack: Stack;
  let template: Template;
  beforeAll(() => {
    stack = new Stack(testApp(), 'Stateful', { env: { region: 'us-east-1', account: '111122223333' } });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new ServiceTokenSecret(stack, 'ServiceToken', {
      secretName: 'unmogrowp-dev-service-token',
      encryptionKey: key,
      replicaKeyArns: { 'eu-west-1': 'arn:aws:kms:eu-west-1:111122223333:alias/unmogrowp-dev-data' },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const reader = new iam.Role(stack, 'Reader', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    ServiceTokenSecret.grantReadByName(stack, 'unmogrowp-dev-service-token', key, reader);
    template = Template.fromStack(stack);
  });

  it('lets Secrets Manager generate a 64-character value, KMS-encrypted and replicated to every region', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'unmogrowp-dev-service-token',
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      KmsKeyId: Match.anyValue(),
      ReplicaRegions: [
        { Region: 'eu-west-1', KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:alias/unmogrowp-dev-data' },
      ],
    });
    expect(nagErrors(stack)).toEqual([]);
  });

  it("grants reading the secret by name (the region's replica) and decrypting it, nothing more", () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const secrets = statements.filter((st) =>
      [st.Action].flat().some((a) => a.startsWith('secretsmanager:')),
    );

    expect(secrets).toEqual([
      expect.objectContaining({
        Action: 'secretsmanager:GetSecretValue',
        Resource: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:unmogrowp-dev-service-token-??????',
      }),
    ]);
    expect(statements.some((st) => [st.Action].flat().includes('kms:Decrypt'))).toBe(true);
  });
});

describe('bearerAuthEnvironment', () => {
  it('names the signing secret, never its value, for service tokens', () => {
    expect(
      bearerAuthEnvironment({
        kind: 'jwt-secret',
        secretName: 'unmogrowp-dev-service-token',
        issuer: 'unmogrowp',
      }),
    ).toEqual({ UNMOGROWP_JWT_SECRET_ID: 'unmogrowp-dev-service-token', UNMOGROWP_JWT_ISSUER: 'unmogrowp' });
  });
});
