import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PlatformFunction } from '../../lib/compute/platform-function.js';
import { partitionQuery } from '../../lib/lake/lake-delivery.js';
import type { Platform } from '../../lib/platform.js';
import { ROUTES } from '../../src/definitions/routes.js';
import { allStacks, buildTestPlatform, nagErrors, regionOf, templateOf } from './support/platform.js';

const THREE_REGIONS_WITH_SILO = {
  auth: { kind: 'jwt-secret' as const },
  homeRegion: 'us-east-1',
  regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
  tenants: [
    { tenantId: 'demo', tier: 'pool' as const },
    { tenantId: 'bigco', tier: 'silo' as const, ownTable: true },
  ],
};

describe('the default app (every configured region)', () => {
  let platform: Platform;
  beforeAll(() => {
    platform = buildTestPlatform();
    // Synthesising the app is the slow part: do it under the hook timeout, not a test's.
    templateOf(regionOf(platform, 'us-east-1').stateful);
  });

  it('has five stacks in each of us-east-1 and eu-west-1', () => {
    expect(allStacks(platform).map((stack) => stack.stackName)).toEqual([
      'UnMoGrowP-dev-us-east-1-Stateful',
      'UnMoGrowP-dev-us-east-1-Lake',
      'UnMoGrowP-dev-us-east-1-Processing',
      'UnMoGrowP-dev-us-east-1-Ingest',
      'UnMoGrowP-dev-us-east-1-Observability',
      'UnMoGrowP-dev-eu-west-1-Stateful',
      'UnMoGrowP-dev-eu-west-1-Lake',
      'UnMoGrowP-dev-eu-west-1-Processing',
      'UnMoGrowP-dev-eu-west-1-Ingest',
      'UnMoGrowP-dev-eu-west-1-Observability',
    ]);
  });

  it('passes cdk-nag AwsSolutions with zero errors in every stack', () => {
    for (const stack of allStacks(platform)) expect(nagErrors(stack), stack.stackName).toEqual([]);
  });

  it('deploys replica regions first, then the home stateful stack, then compute', () => {
    const home = regionOf(platform, 'us-east-1');
    const eu = regionOf(platform, 'eu-west-1');

    expect(home.stateful.dependencies).toContain(eu.stateful);
    expect(eu.processing.dependencies).toContain(home.stateful);
    expect(eu.api.dependencies).toContain(home.stateful);
    expect(eu.observability.dependencies).toEqual(expect.arrayContaining([eu.lake, eu.processing, eu.api]));
  });

  it('keeps dev data easy to tear down (no termination protection, DESTROY)', () => {
    const stateful = regionOf(platform, 'us-east-1').stateful;
    expect(stateful.terminationProtection).toBe(false);
    templateOf(stateful).hasResource('AWS::Kinesis::Stream', { DeletionPolicy: 'Delete' });
    templateOf(stateful).hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        Replicas: Match.arrayWith([Match.objectLike({ DeletionProtectionEnabled: false })]),
      }),
    });
  });

  describe('stateful stack', () => {
    it('declares the identity graph once, in the home region, replicated to eu-west-1 with PITR, TTL and KMS', () => {
      const home = templateOf(regionOf(platform, 'us-east-1').stateful);
      const eu = templateOf(regionOf(platform, 'eu-west-1').stateful);

      eu.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
      home.resourceCountIs('AWS::DynamoDB::GlobalTable', 2);
      home.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        TableName: 'unmogrowp-dev-identity-graph',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'gsi1' })],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: Match.arrayWith([
          Match.objectLike({
            Region: 'eu-west-1',
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            SSESpecification: {
              KMSMasterKeyId: {
                'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':kms:eu-west-1:')])],
              },
            },
          }),
          Match.objectLike({
            Region: 'us-east-1',
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ]),
      });
      home.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        TableName: 'unmogrowp-dev-tenant-registry',
        GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byApiKeyHash' })],
      });
    });

    it('encrypts the on-demand ingest stream with the rotating platform key', () => {
      const stateful = templateOf(regionOf(platform, 'eu-west-1').stateful);

      stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      stateful.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/unmogrowp-dev-data' });
      stateful.hasResourceProperties('AWS::Kinesis::Stream', {
        Name: 'unmogrowp-dev-ingest',
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        RetentionPeriodHours: 168,
        StreamEncryption: { EncryptionType: 'KMS', KeyId: Match.anyValue() },
      });
    });

    it('keeps the lake in a KMS, versioned, private, TLS-only bucket that tiers and logs access', () => {
      const stateful = templateOf(regionOf(platform, 'us-east-1').stateful);

      stateful.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: { 'Fn::Join': ['', ['unmogrowp-dev-lake-', { Ref: 'AWS::AccountId' }, '-us-east-1']] },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
            }),
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'lake/' }),
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              Transitions: [
                { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
                { StorageClass: 'GLACIER_IR', TransitionInDays: 180 },
              ],
            }),
          ]),
        },
      });
      stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('sends alarms to an encrypted topic with the configured e-mail', () => {
      const stateful = templateOf(regionOf(platform, 'us-east-1').stateful);

      stateful.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: 'unmogrowp-dev-alarms',
        KmsMasterKeyId: Match.anyValue(),
      });
      stateful.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'platform-alerts@example.com',
      });
    });

    it('creates no Timestream resources while the sink is off', () => {
      templateOf(regionOf(platform, 'us-east-1').stateful).resourceCountIs('AWS::Timestream::Database', 0);
    });
  });

  describe('lake stack', () => {
    it('delivers the stream to S3 as Parquet, partitioned by table, tenant, app and date', () => {
      const lake = templateOf(regionOf(platform, 'us-east-1').lake);

      lake.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        DeliveryStreamName: 'unmogrowp-dev-raw-lake',
        DeliveryStreamType: 'KinesisStreamAsSource',
        ExtendedS3DestinationConfiguration: Match.objectLike({
          Prefix:
            '!{partitionKeyFromQuery:table}/tenant_id=!{partitionKeyFromQuery:tenant_id}/app_id=!{partitionKeyFromQuery:app_id}/dt=!{partitionKeyFromQuery:dt}/',
          ErrorOutputPrefix: Match.stringLikeRegexp('^delivery-errors/'),
          DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
          ProcessingConfiguration: {
            Enabled: true,
            Processors: [
              {
                Type: 'MetadataExtraction',
                Parameters: Match.arrayWith([
                  {
                    ParameterName: 'MetadataExtractionQuery',
                    ParameterValue: Match.stringLikeRegexp('"touchpoint" then "touchpoints"'),
                  },
                ]),
              },
            ],
          },
          DataFormatConversionConfiguration: Match.objectLike({
            Enabled: true,
            OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
            SchemaConfiguration: Match.objectLike({ DatabaseName: 'unmogrowp_dev', TableName: 'events' }),
          }),
          EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: Match.anyValue() } },
        }),
      });
      lake.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        DeliveryStreamName: 'unmogrowp-dev-attributions-lake',
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfigurationInput: {
          KeyType: 'CUSTOMER_MANAGED_CMK',
          KeyARN: Match.anyValue(),
        },
        ExtendedS3DestinationConfiguration: Match.objectLike({
          Prefix: Match.stringLikeRegexp('^attributions/tenant_id='),
        }),
      });
    });

    it("partitions attributions with the jq the consumer's records satisfy and converts them with their Glue schema", () => {
      const lake = templateOf(regionOf(platform, 'us-east-1').lake);

      lake.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        DeliveryStreamName: 'unmogrowp-dev-attributions-lake',
        ExtendedS3DestinationConfiguration: Match.objectLike({
          ProcessingConfiguration: {
            Enabled: true,
            Processors: [
              {
                Type: 'MetadataExtraction',
                Parameters: Match.arrayWith([
                  {
                    ParameterName: 'MetadataExtractionQuery',
                    ParameterValue: partitionQuery({ table: 'attributions' }),
                  },
                ]),
              },
            ],
          },
          DataFormatConversionConfiguration: Match.objectLike({
            Enabled: true,
            SchemaConfiguration: Match.objectLike({ TableName: 'attributions' }),
          }),
        }),
      });
    });

    it('catalogs events, touchpoints and attributions with partition projection instead of crawlers', () => {
      const lake = templateOf(regionOf(platform, 'us-east-1').lake);

      lake.resourceCountIs('AWS::Glue::Crawler', 0);
      for (const table of ['events', 'touchpoints', 'attributions']) {
        lake.hasResourceProperties('AWS::Glue::Table', {
          DatabaseName: 'unmogrowp_dev',
          TableInput: Match.objectLike({
            Name: table,
            PartitionKeys: [
              { Name: 'tenant_id', Type: 'string' },
              { Name: 'app_id', Type: 'string' },
              { Name: 'dt', Type: 'string' },
            ],
            Parameters: Match.objectLike({
              'projection.enabled': 'true',
              'projection.tenant_id.type': 'injected',
              'projection.dt.type': 'date',
            }),
          }),
        });
      }
    });

    it('enforces the Athena workgroup with encrypted results and a bytes-scanned cutoff', () => {
      const lake = templateOf(regionOf(platform, 'us-east-1').lake);

      lake.hasResourceProperties('AWS::Athena::WorkGroup', {
        Name: 'unmogrowp-dev-reports',
        WorkGroupConfiguration: Match.objectLike({
          EnforceWorkGroupConfiguration: true,
          BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
          ResultConfiguration: Match.objectLike({
            EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
          }),
        }),
      });
      for (const name of [
        'installs-by-network-campaign-daily',
        'in-app-revenue-by-source',
        'fraud-rejections-by-reason',
        'retention-cohorts',
      ]) {
        lake.hasResourceProperties('AWS::Athena::NamedQuery', {
          Name: name,
          WorkGroup: 'unmogrowp-dev-reports',
        });
      }
    });
  });

  describe('processing stack', () => {
    it('consumes the stream safely: partial batch failures, bisect, bounded retries and age, encrypted DLQ', () => {
      const processing = templateOf(regionOf(platform, 'us-east-1').processing);

      processing.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 24 * 3600,
        ParallelizationFactor: 2,
        BatchSize: 100,
        StartingPosition: 'TRIM_HORIZON',
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
        MetricsConfig: { Metrics: ['EventCount'] },
      });
      // No function carries the SDK-call tracer unless the config asks for it.
      for (const stack of allStacks(platform)) {
        for (const fn of stack.node.findAll().filter((c) => c instanceof PlatformFunction)) {
          expect(fn.traceSdkCalls, fn.node.path).toBe(false);
        }
      }
      // Signature touchpoints of the layout before per-IP partitions are read only on request.
      for (const fn of Object.values(processing.findResources('AWS::Lambda::Function'))) {
        expect(fn.Properties?.Environment?.Variables ?? {}).not.toHaveProperty(
          'UNMOGROWP_LEGACY_SIGNATURE_READS',
        );
      }
      processing.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: 'unmogrowp-dev-consumer-failures',
        KmsMasterKeyId: Match.anyValue(),
      });
      // The dead-letter alarm itself is in the observability stack (test/lib/observability).
      for (const metricName of ['DroppedEventCount', 'OnFailureDestinationDeliveredEventCount']) {
        processing.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: metricName,
          Dimensions: [{ Name: 'EventSourceMappingUUID', Value: Match.anyValue() }],
          Threshold: 0,
          AlarmActions: [Match.anyValue()],
        });
      }
    });

    it('runs the consumer as a house function that writes the local replica', () => {
      const processing = templateOf(regionOf(platform, 'eu-west-1').processing);

      processing.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: 'unmogrowp-dev-consumer',
        Environment: {
          Variables: Match.objectLike({
            IDENTITY_GRAPH_TABLE: 'unmogrowp-dev-identity-graph',
            INGEST_STREAM_NAME: 'unmogrowp-dev-ingest',
            ATTRIBUTION_DELIVERY_STREAM: 'unmogrowp-dev-attributions-lake',
            POWERTOOLS_SERVICE_NAME: 'attribution-consumer',
          }),
        },
      });
      processing.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: [
                'dynamodb:BatchGetItem',
                'dynamodb:BatchWriteItem',
                'dynamodb:PutItem',
                'dynamodb:Query',
                'dynamodb:UpdateItem',
              ],
              Resource: {
                'Fn::Join': [
                  '',
                  Match.arrayWith([
                    Match.stringLikeRegexp(':dynamodb:eu-west-1:'),
                    ':table/unmogrowp-dev-identity-graph',
                  ]),
                ],
              },
            }),
          ]),
        },
      });
    });
    it('lets the consumer put only quarantined records in the lake bucket, and attributions on Firehose', () => {
      const processing = templateOf(regionOf(platform, 'us-east-1').processing);
      const statements = policyStatements(processing, 'ConsumerRole');

      const s3 = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')));
      expect(s3).toHaveLength(1);
      expect(actionsOf(s3[0])).toEqual(['s3:PutObject']);
      expect(s3[0]?.Resource).toEqual({
        'Fn::Join': [
          '',
          [
            'arn:aws:s3:::unmogrowp-dev-lake-',
            { Ref: 'AWS::AccountId' },
            '-us-east-1/delivery-errors/consumer/*',
          ],
        ],
      });
      const kms = statements.filter((st) => actionsOf(st).includes('kms:GenerateDataKey'));
      expect(kms.length).toBeGreaterThan(0);
      const firehose = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('firehose:')));
      expect(firehose.map(actionsOf)).toEqual([['firehose:PutRecordBatch']]);
    });
  });

  describe('ingest stack', () => {
    it("outputs each region's API URL and the consumer's dead-letter queue URL, for the first run", () => {
      for (const region of ['us-east-1', 'eu-west-1']) {
        const outputs = templateOf(regionOf(platform, region).api).findOutputs('*');
        const apiUrl = Object.entries(outputs).find(([id]) => id.startsWith('ApiUrl'));
        expect(apiUrl?.[1].Description, region).toContain(region);
        const queueUrls = Object.keys(
          templateOf(regionOf(platform, region).processing).findOutputs('*'),
        ).filter((id) => id.includes('OnFailureQueueUrl'));
        expect(queueUrls, region).toHaveLength(1);
      }
    });

    it('exposes every route of the API behind validators and tracing', () => {
      const ingest = templateOf(regionOf(platform, 'us-east-1').api);

      // One method per route of the shared table, and the health check of latency routing.
      ingest.resourceCountIs('AWS::ApiGateway::Method', ROUTES.length + 1);
      ingest.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'POST',
        RequestModels: { 'application/json': Match.anyValue() },
        RequestValidatorId: Match.anyValue(),
      });
      ingest.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'GET',
        RequestParameters: {
          'method.request.path.appId': true,
          'method.request.querystring.network': true,
        },
      });
      ingest.hasResourceProperties('AWS::ApiGateway::Model', {
        Schema: Match.objectLike({
          required: ['events'],
          properties: { events: Match.objectLike({ maxItems: 500, minItems: 1 }) },
        }),
      });
      ingest.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
        ValidateRequestBody: true,
        ValidateRequestParameters: true,
      });
      ingest.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'dev',
        TracingEnabled: true,
        AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      });
    });

    it('protects the stage with a rate-based WAF rule', () => {
      const ingest = templateOf(regionOf(platform, 'us-east-1').api);

      ingest.hasResourceProperties('AWS::WAFv2::WebACL', {
        Scope: 'REGIONAL',
        Rules: Match.arrayWith([
          Match.objectLike({
            Name: 'RateLimitPerIpOnTrackingLinks',
            Action: { Block: {} },
            Statement: {
              RateBasedStatement: Match.objectLike({ Limit: 2000, AggregateKeyType: 'IP' }),
            },
          }),
        ]),
      });
      ingest.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    });

    it('lets the admin function put erasure tombstones and spend (erasures/, costs/, fx_rates/) in the lake, and nothing else of it', () => {
      const ingest = templateOf(regionOf(platform, 'us-east-1').api);
      const s3 = policyStatements(ingest, 'AdminFunctionRole').filter((st) =>
        actionsOf(st).some((a) => a.startsWith('s3:')),
      );
      expect(s3.length).toBeGreaterThan(0);
      for (const st of s3) expect(actionsOf(st).every((a) => a.startsWith('s3:Put'))).toBe(true);
      const resources = s3.flatMap((st) => resourcesOf(st as Statement).map((r) => JSON.stringify(r)));
      const prefixes = resources.map((r) => /\/(erasures|costs|fx_rates)\/\*"/.exec(r)?.[1]).sort();
      expect(prefixes).toEqual(['costs', 'erasures', 'fx_rates']);
    });

    it('lets the ingest function update only the usage counter items of the tenant registry', () => {
      const ingest = templateOf(regionOf(platform, 'us-east-1').api);
      const writes = policyStatements(ingest, 'IngestFunctionRole').filter((st) =>
        actionsOf(st).some((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)),
      );
      expect(writes).toHaveLength(1);
      expect(actionsOf(writes[0])).toEqual(['dynamodb:UpdateItem']);
      expect((writes[0] as { Condition?: unknown }).Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LIMIT#*'] },
      });
    });

    it("lets the query function put only audit log entries in the tenant registry (a replay run's)", () => {
      const api = templateOf(regionOf(platform, 'us-east-1').api);
      const writes = policyStatements(api, 'QueryFunctionRole').filter((st) =>
        actionsOf(st).some((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)),
      );
      expect(writes).toHaveLength(1);
      expect(actionsOf(writes[0])).toEqual(['dynamodb:PutItem']);
      expect((writes[0] as { Condition?: unknown }).Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] },
      });
    });

    it('builds every API function as an arm64 Node.js function with JSON logs, X-Ray and Powertools', () => {
      const ingest = templateOf(regionOf(platform, 'us-east-1').api);

      for (const name of ['ingest', 'query', 'admin']) {
        ingest.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: `unmogrowp-dev-${name}`,
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
          Environment: {
            Variables: Match.objectLike({
              POWERTOOLS_SERVICE_NAME: name,
              POWERTOOLS_METRICS_NAMESPACE: 'UnMoGrowP',
              UNMOGROWP_STAGE: 'dev',
              UNMOGROWP_HOME_REGION: 'us-east-1',
            }),
          },
        });
      }
      ingest.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/lambda/unmogrowp-dev-ingest',
        RetentionInDays: 30,
      });
      // Provisioned concurrency is a prod feature.
      ingest.resourceCountIs('AWS::Lambda::Alias', 0);
    });
  });

  describe('bearer auth (the default Cognito user pool)', () => {
    const bearerRoutes = ROUTES.filter((route) => route.auth === 'bearer').length;

    it('keeps one user pool, in the home region, with its CLI client', () => {
      const home = templateOf(regionOf(platform, 'us-east-1').stateful);

      home.resourceCountIs('AWS::Cognito::UserPool', 1);
      home.hasResourceProperties('AWS::Cognito::UserPool', {
        UserPoolName: 'unmogrowp-dev-users',
        MfaConfiguration: 'ON',
        UserPoolTier: 'PLUS',
      });
      home.hasResourceProperties('AWS::Cognito::UserPoolClient', { GenerateSecret: false });
      templateOf(regionOf(platform, 'eu-west-1').stateful).resourceCountIs('AWS::Cognito::UserPool', 0);
    });

    it('puts every bearer route, and only those, behind the Cognito authorizer in the home region', () => {
      const ingest = templateOf(regionOf(platform, 'us-east-1').api);
      const methods = Object.values(ingest.findResources('AWS::ApiGateway::Method'));
      const byType = (type: string) =>
        methods.filter((method) => method.Properties.AuthorizationType === type);

      expect(byType('COGNITO_USER_POOLS')).toHaveLength(bearerRoutes);
      expect(byType('NONE')).toHaveLength(methods.length - bearerRoutes);
      for (const method of byType('COGNITO_USER_POOLS')) {
        expect(method.Properties.AuthorizerId).toEqual({ Ref: expect.stringMatching(/^BearerAuthorizer/) });
      }
      ingest.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        Type: 'COGNITO_USER_POOLS',
        IdentitySource: 'method.request.header.Authorization',
        ProviderARNs: [Match.anyValue()],
      });
    });

    it("verifies the pool's tokens in other regions with a JWKS token authorizer, not a cross-region pool", () => {
      const eu = templateOf(regionOf(platform, 'eu-west-1').api);
      const methods = Object.values(eu.findResources('AWS::ApiGateway::Method'));

      expect(methods.filter((m) => m.Properties.AuthorizationType === 'CUSTOM')).toHaveLength(bearerRoutes);
      expect(methods.filter((m) => m.Properties.AuthorizationType === 'COGNITO_USER_POOLS')).toHaveLength(0);
      eu.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
      eu.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'TOKEN' });
      eu.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: Match.stringLikeRegexp('authorizer'),
        Environment: {
          Variables: Match.objectLike({
            UNMOGROWP_JWKS_URL: Match.anyValue(),
            UNMOGROWP_JWT_ISSUER: Match.anyValue(),
          }),
        },
      });
    });

    it("reaches the home region's pool from eu-west-1 through a weak cross-region reference", () => {
      const eu = templateOf(regionOf(platform, 'eu-west-1').api);

      // Fn::GetStackOutput (cdk.json `@aws-cdk/core:defaultCrossStackReferences` weak): no SSM export
      // writer and reader, so switching auth.kind is not blocked by an export in use.
      const authorizerFunctions = Object.values(eu.findResources('AWS::Lambda::Function')).filter((fn) =>
        JSON.stringify(fn.Properties.FunctionName ?? '').includes('authorizer'),
      );
      expect(authorizerFunctions).toHaveLength(1);
      expect(JSON.stringify(authorizerFunctions[0]?.Properties.Environment)).toContain('Fn::GetStackOutput');
      eu.resourceCountIs('Custom::CrossRegionExportReader', 0);
      templateOf(regionOf(platform, 'us-east-1').stateful).resourceCountIs(
        'Custom::CrossRegionExportWriter',
        0,
      );
    });

    it("tells the bearer handlers the pool's issuer, JWKS and client id so they verify tokens too", () => {
      const ingest = templateOf(regionOf(platform, 'us-east-1').api);

      for (const name of ['unmogrowp-dev-query', 'unmogrowp-dev-admin']) {
        ingest.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: name,
          Environment: {
            Variables: Match.objectLike({
              UNMOGROWP_JWT_ISSUER: Match.anyValue(),
              UNMOGROWP_JWKS_URL: Match.anyValue(),
              UNMOGROWP_JWT_AUDIENCE: Match.anyValue(),
            }),
          },
        });
      }
    });

    it("answers API Gateway's own refusals in the SPEC error shape", () => {
      const ingest = templateOf(regionOf(platform, 'us-east-1').api);

      ingest.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'UNAUTHORIZED',
        ResponseTemplates: {
          'application/json':
            '{"error":{"code":"unauthorized","message":$context.error.messageString,"details":[]}}',
        },
      });
      ingest.hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: 'THROTTLED' });
    });

    it('answers a method and path without a route 404 route_not_found, as local mode does', () => {
      templateOf(regionOf(platform, 'us-east-1').api).hasResourceProperties(
        'AWS::ApiGateway::GatewayResponse',
        {
          ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
          StatusCode: '404',
          ResponseTemplates: {
            'application/json':
              '{"error":{"code":"route_not_found","message":"no route for this method and path","details":[]}}',
          },
        },
      );
    });

    it('gives each tenant its own Athena workgroup and tells the functions which one', () => {
      templateOf(regionOf(platform, 'eu-west-1').lake).hasResourceProperties('AWS::Athena::WorkGroup', {
        Name: 'unmogrowp-dev-demo-reports',
        WorkGroupConfiguration: Match.objectLike({ EnforceWorkGroupConfiguration: true }),
      });
      templateOf(regionOf(platform, 'eu-west-1').api).hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: 'unmogrowp-dev-query',
        Environment: {
          Variables: Match.objectLike({
            UNMOGROWP_TENANT_WORKGROUPS: JSON.stringify({ demo: 'unmogrowp-dev-demo-reports' }),
          }),
        },
      });
    });
  });
  // The observability stack: test/lib/observability/monitoring.test.ts.
});

describe('three regions with a silo tenant', () => {
  let platform: Platform;
  beforeAll(() => {
    platform = buildTestPlatform(THREE_REGIONS_WITH_SILO);
    templateOf(regionOf(platform, 'us-east-1').stateful);
  });

  it('passes cdk-nag AwsSolutions with zero errors in every stack', () => {
    expect(allStacks(platform)).toHaveLength(15);
    for (const stack of allStacks(platform)) expect(nagErrors(stack), stack.stackName).toEqual([]);
  });

  it("replicates the pool's and the silo tenant's own table to every region", () => {
    const home = templateOf(regionOf(platform, 'us-east-1').stateful);
    const replicas = Match.arrayWith([
      Match.objectLike({ Region: 'eu-west-1' }),
      Match.objectLike({ Region: 'ap-southeast-2' }),
      Match.objectLike({ Region: 'us-east-1' }),
    ]);

    home.resourceCountIs('AWS::DynamoDB::GlobalTable', 3);
    home.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'unmogrowp-dev-bigco-identity-graph',
      Replicas: replicas,
    });
    home.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'unmogrowp-dev-identity-graph',
      Replicas: replicas,
    });
  });

  it('gives the silo tenant its own stream, consumer, DLQ and lake delivery in each region', () => {
    const sydney = regionOf(platform, 'ap-southeast-2');

    templateOf(sydney.stateful).hasResourceProperties('AWS::Kinesis::Stream', {
      Name: 'unmogrowp-dev-bigco-ingest',
    });
    // Two stream consumers (pool and silo), one postback sender on its queue.
    const mappings = Object.values(
      templateOf(sydney.processing).findResources('AWS::Lambda::EventSourceMapping'),
    );
    expect(mappings.filter((m) => m.Properties.StartingPosition === 'TRIM_HORIZON')).toHaveLength(2);
    expect(mappings).toHaveLength(3);
    templateOf(sydney.processing).hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'unmogrowp-dev-bigco-consumer',
      Environment: {
        Variables: Match.objectLike({
          IDENTITY_GRAPH_TABLE: 'unmogrowp-dev-bigco-identity-graph',
          INGEST_STREAM_NAME: 'unmogrowp-dev-bigco-ingest',
        }),
      },
    });
    templateOf(sydney.processing).hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'unmogrowp-dev-bigco-consumer-failures',
    });
    templateOf(sydney.lake).hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: 'unmogrowp-dev-bigco-raw-lake',
    });
  });

  it('tells the ingest function where silo tenants write', () => {
    templateOf(regionOf(platform, 'eu-west-1').api).hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'unmogrowp-dev-ingest',
      Environment: {
        Variables: Match.objectLike({
          UNMOGROWP_TENANT_STREAMS: '{"bigco":"unmogrowp-dev-bigco-ingest"}',
          UNMOGROWP_TENANT_TABLES: '{"bigco":"unmogrowp-dev-bigco-identity-graph"}',
        }),
      },
    });
  });

  it('keeps the service-token secret in the home region, replicated to the other two', () => {
    const home = templateOf(regionOf(platform, 'us-east-1').stateful);

    home.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'unmogrowp-dev-service-token',
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
      ReplicaRegions: [
        Match.objectLike({ Region: 'eu-west-1' }),
        Match.objectLike({ Region: 'ap-southeast-2' }),
      ],
    });
    templateOf(regionOf(platform, 'eu-west-1').stateful).resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  it('verifies service tokens with a Lambda token authorizer that reads the local replica by name', () => {
    const ingest = templateOf(regionOf(platform, 'ap-southeast-2').api);

    ingest.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'TOKEN' });
    for (const prefix of ['BearerAuthorizerFunctionRole', 'QueryFunctionRole', 'AdminFunctionRole']) {
      const reads = policyStatements(ingest, prefix).filter((st) =>
        actionsOf(st).includes('secretsmanager:GetSecretValue'),
      );
      expect(reads.flatMap(resourcesOf), prefix).toEqual([
        {
          'Fn::Join': [
            '',
            [
              'arn:aws:secretsmanager:ap-southeast-2:',
              { Ref: 'AWS::AccountId' },
              ':secret:unmogrowp-dev-service-token-??????',
            ],
          ],
        },
      ]);
    }
    expect(policyStatements(ingest, 'IngestFunctionRole').flatMap(actionsOf)).not.toContain(
      'secretsmanager:GetSecretValue',
    );
    ingest.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'unmogrowp-dev-authorizer',
      Environment: {
        Variables: Match.objectLike({
          UNMOGROWP_JWT_SECRET_ID: 'unmogrowp-dev-service-token',
          UNMOGROWP_JWT_ISSUER: 'unmogrowp',
        }),
      },
    });
  });
});

describe('prod with provisioned capacity and the Timestream sink', () => {
  let platform: Platform;
  beforeAll(() => {
    platform = buildTestPlatform({
      stage: 'prod',
      tableCapacity: { mode: 'provisioned', minReadCapacity: 5, maxReadCapacity: 200 },
      streamCapacity: { mode: 'provisioned', shardCount: 4 },
      sinks: { timestream: { enabled: true } },
      auth: { jwksUrl: 'https://idp.example.com/.well-known/jwks.json', issuer: 'https://idp.example.com/' },
      concurrency: { minProvisioned: 3, maxProvisioned: 30 },
      processing: { legacySignatureReads: true },
      traceSdkCalls: true,
    });
    templateOf(regionOf(platform, 'us-east-1').stateful);
  });

  it('bundles the SDK-call tracer into the API, consumer and postback-sender functions when asked', () => {
    const traced = Object.fromEntries(
      allStacks(platform)
        .filter((stack) => stack.region === 'us-east-1')
        .flatMap((stack) => stack.node.findAll())
        .filter((c): c is PlatformFunction => c instanceof PlatformFunction)
        .map((fn) => [fn.node.path.split('/').slice(1).join('/'), fn.traceSdkCalls]),
    );
    expect(Object.values(traced).filter(Boolean)).toHaveLength(5);
    for (const [path, on] of Object.entries(traced)) {
      expect(on, path).toBe(!path.includes('BearerAuthorizer'));
    }
  });

  it('reads the signature touchpoints of the earlier layout when the upgrade asks for it', () => {
    templateOf(regionOf(platform, 'us-east-1').processing).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ UNMOGROWP_LEGACY_SIGNATURE_READS: '1' }) },
    });
  });

  it('passes cdk-nag AwsSolutions with zero errors in every stack', () => {
    for (const stack of allStacks(platform)) expect(nagErrors(stack), stack.stackName).toEqual([]);
  });

  it('protects prod data: termination protection, RetainExceptOnCreate and deletion protection', () => {
    const stateful = regionOf(platform, 'us-east-1').stateful;

    expect(stateful.terminationProtection).toBe(true);
    templateOf(stateful).hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'RetainExceptOnCreate',
      Properties: Match.objectLike({
        Replicas: Match.arrayWith([Match.objectLike({ DeletionProtectionEnabled: true })]),
      }),
    });
    templateOf(stateful).hasResource('AWS::S3::Bucket', { DeletionPolicy: 'RetainExceptOnCreate' });
  });

  it('autoscales provisioned table capacity and uses fixed shards', () => {
    const stateful = templateOf(regionOf(platform, 'us-east-1').stateful);

    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'unmogrowp-prod-identity-graph',
      BillingMode: 'PROVISIONED',
      WriteProvisionedThroughputSettings: {
        WriteCapacityAutoScalingSettings: Match.objectLike({ MinCapacity: 5, MaxCapacity: 100 }),
      },
      Replicas: Match.arrayWith([
        Match.objectLike({
          ReadProvisionedThroughputSettings: {
            ReadCapacityAutoScalingSettings: Match.objectLike({ MinCapacity: 5, MaxCapacity: 200 }),
          },
        }),
      ]),
    });
    templateOf(regionOf(platform, 'eu-west-1').stateful).hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 4,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
  });

  it('keeps latency-sensitive functions warm with target-tracked provisioned concurrency', () => {
    const ingest = templateOf(regionOf(platform, 'eu-west-1').api);

    ingest.resourceCountIs('AWS::Lambda::Alias', 1);
    ingest.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 3 },
    });
    ingest.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 3,
      MaxCapacity: 30,
      ScalableDimension: 'lambda:function:ProvisionedConcurrency',
    });
    ingest.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 0.7,
        PredefinedMetricSpecification: { PredefinedMetricType: 'LambdaProvisionedConcurrencyUtilization' },
      }),
    });
  });

  it('passes the bearer token issuer to the API functions', () => {
    templateOf(regionOf(platform, 'us-east-1').api).hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'unmogrowp-prod-admin',
      Environment: {
        Variables: Match.objectLike({
          UNMOGROWP_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
          UNMOGROWP_JWT_ISSUER: 'https://idp.example.com/',
        }),
      },
    });
  });

  it('verifies JWKS tokens with a Lambda token authorizer on every bearer route', () => {
    const ingest = templateOf(regionOf(platform, 'eu-west-1').api);
    const custom = Object.values(ingest.findResources('AWS::ApiGateway::Method')).filter(
      (method) => method.Properties.AuthorizationType === 'CUSTOM',
    );

    expect(custom).toHaveLength(ROUTES.filter((route) => route.auth === 'bearer').length);
    ingest.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
    });
    ingest.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'unmogrowp-prod-authorizer',
      Environment: {
        Variables: Match.objectLike({ UNMOGROWP_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json' }),
      },
    });
    templateOf(regionOf(platform, 'us-east-1').stateful).resourceCountIs('AWS::Cognito::UserPool', 0);
  });

  it('alarms on errors of the token authorizer like on those of the API functions', () => {
    templateOf(regionOf(platform, 'eu-west-1').observability).hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      {
        Metrics: [
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({
                MetricName: 'Errors',
                Dimensions: [{ Name: 'FunctionName', Value: 'unmogrowp-prod-authorizer' }],
              }),
            }),
          }),
        ],
      },
    );
  });

  it('creates the Timestream counters and lets the consumer write them', () => {
    const region = regionOf(platform, 'eu-west-1');

    templateOf(region.stateful).hasResourceProperties('AWS::Timestream::Database', {
      DatabaseName: 'unmogrowp-prod-counters',
      KmsKeyId: Match.anyValue(),
    });
    templateOf(region.stateful).hasResourceProperties('AWS::Timestream::Table', {
      TableName: 'attribution_outcomes',
    });
    templateOf(region.processing).hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'unmogrowp-prod-consumer',
      Environment: { Variables: Match.objectLike({ TIMESTREAM_DATABASE: 'unmogrowp-prod-counters' }) },
    });
  });
});

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Statements of the IAM policies attached to roles whose logical id starts with `rolePrefix`. */
function policyStatements(template: Template, rolePrefix: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref.startsWith(rolePrefix)),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statement: Statement | undefined): string[] =>
  statement === undefined ? [] : [statement.Action].flat();
const resourcesOf = (statement: Statement): unknown[] => [statement.Resource].flat();
