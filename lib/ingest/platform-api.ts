import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HandlerName, RouteDefinition } from '../../src/definitions/index.js';
import { pathParameters, REQUEST_MODELS, REQUIRED_QUERY_PARAMETERS, routeKey } from './request-models.js';
import { RateLimitedWebAcl } from './web-acl.js';

/** Why a route has no API Gateway authorizer (cdk-nag APIG4/COG4), by its auth kind (SPEC §3). */
const AUTHORIZATION_REASONS: Readonly<Record<Exclude<RouteDefinition['auth'], 'bearer'>, string>> = {
  none: 'Tracking links are public by contract (SPEC §3): ad networks redirect users without credentials. WAF rate-limits them.',
  apiKey:
    'Authenticated by the app API key: API Gateway requires a key of a tenant usage plan, and the handler checks its hash.',
};

/** Why a bearer route's Lambda token authorizer stands in for a Cognito one (cdk-nag COG4). */
const TOKEN_AUTHORIZER_REASON =
  'The operator configured an external JWKS issuer or the Secrets Manager service-token secret (auth.kind), ' +
  'so a Lambda TOKEN authorizer verifies the JWT; the handler verifies it again with its roles.';

/**
 * Error bodies API Gateway itself returns (authorizer refusals, throttling, missing keys), in the
 * SPEC §3 error shape instead of API Gateway's `{"message": …}`.
 */
const GATEWAY_ERRORS: readonly { type: apigateway.ResponseType; code: string }[] = [
  { type: apigateway.ResponseType.UNAUTHORIZED, code: 'unauthorized' },
  { type: apigateway.ResponseType.ACCESS_DENIED, code: 'forbidden' },
  { type: apigateway.ResponseType.EXPIRED_TOKEN, code: 'unauthorized' },
  { type: apigateway.ResponseType.INVALID_API_KEY, code: 'forbidden' },
  { type: apigateway.ResponseType.THROTTLED, code: 'rate_limited' },
  { type: apigateway.ResponseType.QUOTA_EXCEEDED, code: 'quota_exceeded' },
];

/** Throttle and quota of one tenant's usage plan. */
export interface TenantUsagePlan {
  readonly tenantId: string;
  readonly rateLimit: number;
  readonly burstLimit: number;
  /** Requests a month; 0 means no quota. */
  readonly monthlyQuota: number;
}

export interface PlatformApiProps {
  /** REST API name, the same in every region (dashboards address it by name). */
  readonly apiName: string;
  /** Stage name. */
  readonly stageName: string;
  /** The routes to expose, from `src/definitions/routes.ts`. */
  readonly routes: readonly RouteDefinition[];
  /** The function (or alias) each handler's routes invoke. */
  readonly handlers: Readonly<Partial<Record<HandlerName, lambda.IFunction>>>;
  /**
   * The authorizer of every route with `auth: 'bearer'` (a Cognito user pool authorizer or a Lambda
   * TOKEN authorizer); the handlers verify the token again.
   * @default no API Gateway authorizer: the handlers alone verify bearer tokens
   */
  readonly bearerAuthorizer?: apigateway.IAuthorizer;
  /** One usage plan per tenant declared at deploy time. */
  readonly tenantUsagePlans: readonly TenantUsagePlan[];
  /** The usage plan of tenants onboarded live through the API (without a redeploy). */
  readonly defaultUsagePlan: Omit<TenantUsagePlan, 'tenantId'>;
  /** Stage-wide steady-state requests per second. */
  readonly throttleRateLimit: number;
  /** Stage-wide burst. */
  readonly throttleBurstLimit: number;
  /** Per-IP requests per 5 minutes before WAF blocks. */
  readonly wafRateLimitPer5Minutes: number;
  readonly accessLogRetention: logs.RetentionDays;
  readonly accessLogRemovalPolicy: RemovalPolicy;
  /**
   * A regional custom domain mapped to the stage.
   * @default no custom domain; clients use the execute-api URL
   */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
}

/**
 * The HTTP API v1 as an API Gateway REST API: every route with its request validation, API keys and a
 * usage plan per tenant, a WAF web ACL, JSON access logs and X-Ray tracing.
 */
export class PlatformApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly accessLogs: logs.LogGroup;
  readonly webAcl: RateLimitedWebAcl;
  /** Usage plan names by tenant id; `*` is the plan of tenants onboarded live. */
  readonly usagePlanNames: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: PlatformApiProps) {
    super(scope, id);
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention,
      removalPolicy: props.accessLogRemovalPolicy,
    });

    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: props.apiName,
      description: 'UnMoGrowP HTTP API v1',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      apiKeySourceType: apigateway.ApiKeySourceType.HEADER,
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: props.accessLogRemovalPolicy,
      deployOptions: {
        stageName: props.stageName,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: props.throttleRateLimit,
        throttlingBurstLimit: props.throttleBurstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });

    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: "API Gateway's regional logging role; this AWS managed policy is the documented one for it.",
      });
    }

    this.addRoutes(props);
    for (const { type, code } of GATEWAY_ERRORS) {
      this.api.addGatewayResponse(`Error-${code}-${type.responseType}`, {
        type,
        templates: {
          'application/json': `{"error":{"code":"${code}","message":$context.error.messageString,"details":[]}}`,
        },
      });
    }
    this.usagePlanNames = this.addUsagePlans(props);

    this.webAcl = new RateLimitedWebAcl(this, 'Waf', {
      name: props.apiName,
      rateLimitPer5Minutes: props.wafRateLimitPer5Minutes,
      stageArn: this.api.deploymentStage.stageArn,
    });

    if (props.customDomain) {
      const domain = this.api.addDomainName('Domain', {
        domainName: props.customDomain.domainName,
        certificate: acm.Certificate.fromCertificateArn(
          this,
          'Certificate',
          props.customDomain.certificateArn,
        ),
        endpointType: apigateway.EndpointType.REGIONAL,
        securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
      });
      domain.node.addDependency(this.api.deploymentStage);
    }
  }

  private addRoutes(props: PlatformApiProps): void {
    const bodyValidator = this.api.addRequestValidator('BodyValidator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const parameterValidator = this.api.addRequestValidator('ParameterValidator', {
      requestValidatorName: 'parameters-only',
      validateRequestBody: false,
      validateRequestParameters: true,
    });
    const integrations = new Map<HandlerName, apigateway.LambdaIntegration>();

    for (const route of props.routes) {
      const handler = props.handlers[route.handler];
      if (handler === undefined) {
        throw new Error(`handlers.${route.handler} is required by route ${routeKey(route)}`);
      }
      let integration = integrations.get(route.handler);
      if (integration === undefined) {
        // One permission for the whole API instead of one per method keeps the policy small.
        integration = new apigateway.LambdaIntegration(handler, { scopePermissionToMethod: false });
        integrations.set(route.handler, integration);
      }
      const key = routeKey(route);
      const model = REQUEST_MODELS[key];
      const requestParameters: Record<string, boolean> = {};
      for (const name of pathParameters(route.path)) requestParameters[`method.request.path.${name}`] = true;
      for (const name of REQUIRED_QUERY_PARAMETERS[key] ?? []) {
        requestParameters[`method.request.querystring.${name}`] = true;
      }
      const bearer = route.auth === 'bearer';
      if (bearer) requestParameters['method.request.header.Authorization'] = true;
      const authorizer = bearer ? props.bearerAuthorizer : undefined;

      const modelName = key.replace(/[^A-Za-z0-9]/g, '');
      const method = this.api.root.resourceForPath(route.path).addMethod(route.method, integration, {
        operationName: modelName,
        apiKeyRequired: route.auth === 'apiKey',
        ...(authorizer ? { authorizer } : {}),
        requestParameters,
        requestValidator: model?.enforced ? bodyValidator : parameterValidator,
        requestModels: model
          ? {
              'application/json': this.api.addModel(`${modelName}Model`, {
                contentType: 'application/json',
                modelName: `${modelName}Body`,
                description: route.summary,
                schema: { schema: apigateway.JsonSchemaVersion.DRAFT4, ...model.schema },
              }),
            }
          : undefined,
      });
      if (route.auth !== 'bearer') {
        const reason = AUTHORIZATION_REASONS[route.auth];
        Validations.of(method).acknowledge(
          { id: 'AwsSolutions-APIG4', reason },
          { id: 'AwsSolutions-COG4', reason },
        );
      } else if (authorizer && !(authorizer instanceof apigateway.CognitoUserPoolsAuthorizer)) {
        Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason: TOKEN_AUTHORIZER_REASON });
      } else if (!authorizer) {
        throw new Error(`bearerAuthorizer is required by bearer route ${key}`);
      }
    }
  }

  private addUsagePlans(props: PlatformApiProps): Record<string, string> {
    const names: Record<string, string> = {};
    const plans = [...props.tenantUsagePlans, { tenantId: '*', ...props.defaultUsagePlan }];
    for (const plan of plans) {
      const isDefault = plan.tenantId === '*';
      const name = `${props.apiName}-${isDefault ? 'default' : plan.tenantId}`;
      this.api.addUsagePlan(isDefault ? 'DefaultUsagePlan' : `UsagePlan-${plan.tenantId}`, {
        name,
        description: isDefault ? 'Tenants onboarded live' : `Tenant ${plan.tenantId}`,
        throttle: { rateLimit: plan.rateLimit, burstLimit: plan.burstLimit },
        quota:
          plan.monthlyQuota > 0 ? { limit: plan.monthlyQuota, period: apigateway.Period.MONTH } : undefined,
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      names[plan.tenantId] = name;
    }
    return names;
  }

  /** p95 or p99 latency of the whole API per minute (averages hide the tail). */
  metricLatency(statistic: 'p95' | 'p99'): cloudwatch.Metric {
    return this.api.metricLatency({ statistic, period: Duration.minutes(1) });
  }
}
