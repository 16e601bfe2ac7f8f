import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { GlobalTable } from '../../../lib/storage/global-table.js';
import { IDENTITY_GRAPH_TABLE } from '../../../src/definitions/index.js';

const homeStack = () => new Stack(new App(), 'Home', { env: { region: 'us-east-1' } });

describe('GlobalTable', () => {
  it('builds the key schema, index and TTL from the shared definition', () => {
    const stack = homeStack();
    new GlobalTable(stack, 'Graph', {
      definition: IDENTITY_GRAPH_TABLE,
      tableName: 'graph',
      encryptionKey: new kms.Key(stack, 'Key'),
    });

    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      AttributeDefinitions: Match.arrayWith([{ AttributeName: 'gsi1pk', AttributeType: 'S' }]),
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: [Match.objectLike({ Region: 'us-east-1', DeletionProtectionEnabled: true })],
    });
    Template.fromStack(stack).hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
  });

  it('rejects a replica key for its own region', () => {
    const stack = homeStack();

    expect(
      () =>
        new GlobalTable(stack, 'Graph', {
          definition: IDENTITY_GRAPH_TABLE,
          tableName: 'graph',
          encryptionKey: new kms.Key(stack, 'Key'),
          replicaKeyArns: { 'us-east-1': 'arn:aws:kms:us-east-1:123456789012:alias/x' },
        }),
    ).toThrow("replicaKeyArns must not include the table's own region us-east-1");
  });

  it('grants a replica by name exactly the listed actions, naming each index instead of index/*', () => {
    const stack = new Stack(new App(), 'Replica', { env: { region: 'eu-west-1' } });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const replica = GlobalTable.fromName(stack, 'Graph', {
      definition: IDENTITY_GRAPH_TABLE,
      tableName: 'graph',
      encryptionKey: new kms.Key(stack, 'Key'),
    });

    replica.grantAccess(role, { items: ['dynamodb:GetItem'], indexes: ['dynamodb:Query'] });

    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policy).toContain(':table/graph/index/gsi1');
    expect(policy).not.toContain('index/*');
    expect(policy).toContain('kms:Decrypt');
    expect(policy).not.toContain('kms:Encrypt');
    expect(policy).not.toContain('dynamodb:Scan');
    expect(policy).not.toContain('dynamodb:BatchGetItem');
  });

  it("adds the key's encrypt rights only when a listed action writes", () => {
    const stack = new Stack(new App(), 'Writer', { env: { region: 'eu-west-1' } });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const replica = GlobalTable.fromName(stack, 'Graph', {
      definition: IDENTITY_GRAPH_TABLE,
      tableName: 'graph',
      encryptionKey: new kms.Key(stack, 'Key'),
    });

    replica.grantAccess(role, { items: ['dynamodb:BatchWriteItem'] });

    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policy).toContain('kms:GenerateDataKey*');
    expect(policy).toContain('dynamodb:BatchWriteItem');
    expect(policy).not.toContain('index/gsi1');
  });
});
