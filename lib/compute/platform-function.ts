import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  ENV,
  HANDLERS,
  type HandlerName,
  METRICS_NAMESPACE,
  QUEUE_HANDLERS,
  type QueueHandlerName,
  SERVICE_NAMES,
} from '../../src/definitions/index.js';
import { COUNTRY_DB_ASSET, DOCS_ASSET, LAMBDA_BUNDLING, traceDefine } from '../../src/tools/bundling.js';
import {
  acknowledgeWildcardActions,
  GRANT_ACTION_WILDCARD_REASON,
  KMS_GRANT_ACTION_WILDCARDS,
} from '../nag/index.js';

/** Entry points of `lambdas/`: the handlers of `HANDLERS` and `QUEUE_HANDLERS`, and the token authorizer. */
export const PLATFORM_FUNCTION_ENTRIES = {
  ...HANDLERS,
  ...QUEUE_HANDLERS,
  authorizer: 'lambdas/authorizer.ts',
} as const;
export type PlatformFunctionHandler = HandlerName | QueueHandlerName | 'authorizer';

/** Puts Scalar's standalone bundle beside the bundle of the function serving `GET /docs`. */
const copyDocsAsset = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir: string, outputDir: string) => [
    `cp "${inputDir}/node_modules/${DOCS_ASSET.packageName}/${DOCS_ASSET.packageRelativePath}" "${outputDir}/${DOCS_ASSET.fileName}"`,
  ],
};

/** Puts the IP-to-country table beside the bundle of the function running ingest. */
const copyCountryTable = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir: string, outputDir: string) =>
    [COUNTRY_DB_ASSET.ipv4File, COUNTRY_DB_ASSET.ipv6File].map(
      (file) =>
        `cp "${inputDir}/node_modules/${COUNTRY_DB_ASSET.packageName}/${file}" "${outputDir}/${file}"`,
    ),
};

export interface PlatformFunctionProps {
  /** Which handler of `lambdas/` this function runs. */
  readonly handler: PlatformFunctionHandler;
  /** Physical function name (deterministic, so dashboards in other regions can address it). */
  readonly functionName: string;
  /**
   * Powertools service name, shown in logs, traces and metrics.
   * @default SERVICE_NAMES[handler], the name the function's code gives itself
   */
  readonly serviceName?: string;
  /** Project root holding `lambdas/` and `package-lock.json`. */
  readonly projectRoot: string;
  /** Days the function's JSON logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Whether the log group is destroyed with the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Environment on top of the Powertools variables.
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Memory in MiB.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Timeout.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Powertools and application log level.
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * Whether each AWS SDK call (and the handler's annotations) is a subsegment of the X-Ray trace: bundles
   * the Powertools tracer and the X-Ray SDK (about 110 KiB more, and their load at cold start). Lambda's
   * own active tracing is on either way.
   * @default false
   */
  readonly traceSdkCalls?: boolean;
}

/**
 * The one way this platform builds a Lambda function: Node.js 24 on arm64, esbuild-bundled ESM
 * (minified, with source maps), JSON logs to a log group with a retention, X-Ray active tracing and
 * the Powertools environment. Its role is its own, with no managed policies.
 *
 * @example
 * new PlatformFunction(this, 'Ingest', { handler: 'ingest', functionName: 'unmogrowp-dev-ingest',
 *   serviceName: 'ingest', projectRoot, logRetention: logs.RetentionDays.ONE_MONTH });
 */
export class PlatformFunction extends Construct {
  readonly function: NodejsFunction;
  /** Whether the bundle carries the Powertools tracer (AWS SDK calls as X-Ray subsegments). */
  readonly traceSdkCalls: boolean;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** Which handler of `lambdas/` it runs. */
  readonly handler: PlatformFunctionHandler;

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    super(scope, id);
    const logLevel = props.logLevel ?? 'INFO';
    this.handler = props.handler;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: log writes only to this function's log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.functionName}`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) and Timestream DescribeEndpoints (when the ' +
        'sink is on) support no resource-level permissions; every other statement names its resources.',
    });
    acknowledgeWildcardActions(this.role, KMS_GRANT_ACTION_WILDCARDS, GRANT_ACTION_WILDCARD_REASON);

    this.traceSdkCalls = props.traceSdkCalls ?? false;
    this.function = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      entry: `${props.projectRoot}/${PLATFORM_FUNCTION_ENTRIES[props.handler]}`,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      // LAMBDA_BUNDLING is shared with the bundle-size tool and the cold-start benchmark. The AWS SDK
      // clients are bundled (pinned versions, only the clients the function imports).
      bundling: {
        format: OutputFormat.ESM,
        minify: LAMBDA_BUNDLING.minify,
        sourceMap: LAMBDA_BUNDLING.sourceMap,
        sourceMapMode: SourceMapMode.DEFAULT,
        target: LAMBDA_BUNDLING.target,
        mainFields: [...LAMBDA_BUNDLING.mainFields],
        banner: LAMBDA_BUNDLING.banner,
        externalModules: [...LAMBDA_BUNDLING.externalModules],
        define: traceDefine(this.traceSdkCalls),
        ...(props.handler === DOCS_ASSET.handler ? { commandHooks: copyDocsAsset } : {}),
        ...(props.handler === COUNTRY_DB_ASSET.handler ? { commandHooks: copyCountryTable } : {}),
      },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        [ENV.powertoolsServiceName]: props.serviceName ?? SERVICE_NAMES[props.handler],
        [ENV.powertoolsMetricsNamespace]: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: logLevel,
        ...props.environment,
      },
    });
  }

  /** Adds environment variables (e.g. resource names known only after construction). */
  addEnvironment(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }
}
