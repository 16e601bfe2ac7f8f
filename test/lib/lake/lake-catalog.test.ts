import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { LakeCatalog } from '../../../lib/lake/lake-catalog.js';
import { COST_COLUMNS, ERASURE_COLUMNS, REPORT_QUERY_LIST } from '../../../src/definitions/index.js';
import { testApp } from '../support/platform.js';

describe('lake catalog: erasure tombstones', () => {
  let template: Template;
  beforeAll(() => {
    const stack = new Stack(testApp(), 'Lake', { env: { region: 'eu-west-1', account: '111122223333' } });
    const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'lake');
    const catalog = new LakeCatalog(stack, 'Catalog', { databaseName: 'unmogrowp_dev', bucket });
    const reader = new iam.Role(stack, 'Reader', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    catalog.grantRead(reader);
    template = Template.fromStack(stack);
  });

  it('defines the erasures table as JSON lines under erasures/, projected by tenant and app', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'unmogrowp_dev',
      TableInput: Match.objectLike({
        Name: 'erasures',
        PartitionKeys: [
          { Name: 'tenant_id', Type: 'string' },
          { Name: 'app_id', Type: 'string' },
        ],
        Parameters: Match.objectLike({
          classification: 'json',
          'projection.enabled': 'true',
          'projection.tenant_id.type': 'injected',
          'projection.app_id.type': 'injected',
          // Athena fills the placeholders of the template, not JavaScript.
          'storage.location.template': [
            's3://lake/erasures/',
            'tenant_id=$',
            '{tenant_id}/app_id=$',
            '{app_id}/',
          ].join(''),
        }),
        StorageDescriptor: Match.objectLike({
          Location: 's3://lake/erasures/',
          Columns: ERASURE_COLUMNS.map((c) => ({ Name: c.name, Type: c.type })),
          SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
        }),
      }),
    });
  });

  it('defines the costs table (SPEC §8) under costs/, projected by tenant, app and day', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'costs',
        PartitionKeys: [
          { Name: 'tenant_id', Type: 'string' },
          { Name: 'app_id', Type: 'string' },
          { Name: 'dt', Type: 'string' },
        ],
        Parameters: Match.objectLike({
          classification: 'json',
          'projection.tenant_id.type': 'injected',
          'projection.app_id.type': 'injected',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'storage.location.template': [
            's3://lake/costs/',
            'tenant_id=$',
            '{tenant_id}/app_id=$',
            '{app_id}/dt=$',
            '{dt}/',
          ].join(''),
        }),
        StorageDescriptor: Match.objectLike({
          Columns: COST_COLUMNS.map((c) => ({ Name: c.name, Type: c.type })),
        }),
      }),
    });
  });

  it('defines the fx_rates table under fx_rates/, projected by tenant only', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'fx_rates',
        PartitionKeys: [{ Name: 'tenant_id', Type: 'string' }],
        Parameters: Match.objectLike({
          'projection.tenant_id.type': 'injected',
          'storage.location.template': ['s3://lake/fx_rates/', 'tenant_id=$', '{tenant_id}/'].join(''),
        }),
      }),
    });
  });

  it('holds no identifier column, only device ids and hashes', () => {
    expect(ERASURE_COLUMNS.map((c) => c.name)).toEqual([
      'request_id',
      'erased_at',
      'key_kind',
      'device_id',
      'identifier_hash',
    ]);
  });

  it('lets catalog readers (Athena queries) read the erasures table', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['glue:GetTable']),
            Resource: Match.arrayWith([Match.stringLikeRegexp(':table/unmogrowp_dev/erasures$')]),
          }),
        ]),
      },
    });
  });

  it('is read by every report query, each scoping the tombstones to the tenant and app', () => {
    for (const query of REPORT_QUERY_LIST) {
      expect(query.sql, query.name).toMatch(/FROM erasures\s+WHERE tenant_id = \? AND app_id = \?/);
    }
  });
});
