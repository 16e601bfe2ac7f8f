/**
 * Environment variables the CDK stacks set on every function and local mode sets on its handlers.
 * Handlers read them once, at the edge (see `src/config/runtime.ts`), never deep in the code.
 */
export const ENV = {
  stage: 'UNMOGROWP_STAGE',
  region: 'AWS_REGION',
  homeRegion: 'UNMOGROWP_HOME_REGION',
  /** Comma-separated: every region of the deployment (per-region usage counters summed across them). */
  regions: 'UNMOGROWP_REGIONS',
  /** JSON object: tenant id → `{ rateLimitPerSecond, monthlyRequestQuota }` (tenants' `usagePlan` in the config). */
  tenantLimits: 'UNMOGROWP_TENANT_LIMITS',
  identityGraphTable: 'IDENTITY_GRAPH_TABLE',
  tenantRegistryTable: 'TENANT_REGISTRY_TABLE',
  ingestStream: 'INGEST_STREAM_NAME',
  lakeBucket: 'DATA_LAKE_BUCKET',
  athenaWorkgroup: 'ATHENA_WORKGROUP',
  glueDatabase: 'GLUE_DATABASE',
  timestreamDatabase: 'TIMESTREAM_DATABASE',
  timestreamTable: 'TIMESTREAM_TABLE',
  /** Firehose delivery stream the consumer puts attribution records on (lake `attributions` table). */
  attributionDeliveryStream: 'ATTRIBUTION_DELIVERY_STREAM',
  /** JSON object: silo tenant id → its own ingest stream name (pool tenants use `ingestStream`). */
  tenantStreams: 'UNMOGROWP_TENANT_STREAMS',
  /** JSON object: tenant id → its own identity graph table name (others use `identityGraphTable`). */
  tenantTables: 'UNMOGROWP_TENANT_TABLES',
  /** JSON object: tenant id → its own Athena workgroup (tenants onboarded live use `athenaWorkgroup`). */
  tenantWorkgroups: 'UNMOGROWP_TENANT_WORKGROUPS',
  /**
   * ARN of the lake reader role: the query function runs each tenant's Athena queries in a session of
   * it tagged with the tenant. Unset (local mode, tests): the function's own credentials.
   */
  lakeReaderRoleArn: 'UNMOGROWP_LAKE_READER_ROLE_ARN',
  /** JSON object: the platform-wide attribution settings defaults (SPEC §4 unless configured). */
  defaultSettings: 'UNMOGROWP_DEFAULT_SETTINGS',
  /** Comma-separated data-centre CIDR ranges supplied by the operator (fraud rule). */
  dataCenterCidrs: 'DATA_CENTER_CIDRS',
  /**
   * `1`: the consumer also reads signature touchpoints stored in the layout before per-IP partitions
   * (for the 8 days after upgrading a deployment that stored them).
   */
  legacySignatureReads: 'UNMOGROWP_LEGACY_SIGNATURE_READS',
  /** Endpoint overrides used by local mode and integration tests; unset in the cloud. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  kinesisEndpoint: 'KINESIS_ENDPOINT',
  s3Endpoint: 'S3_ENDPOINT',
  powertoolsServiceName: 'POWERTOOLS_SERVICE_NAME',
  powertoolsMetricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;
