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
    'Authenticated by the app API key in the handler: it checks the key hash against the tenant registry, a global ' +
    'table replicated to every region, and answers 401 for an unknown key (API Gateway keys are regional and capped).',
};

/** Why a bearer route's Lambda token authorizer stands in for a Cognito one (cdk-nag COG4). */
const TOKEN_AUTHORIZER_REASON =
  'A Lambda TOKEN authorizer verifies the JWT against the issuer keys it caches: an external JWKS issuer or the ' +
  'service-token secret (auth.kind), or the Cognito pool of the home region seen from another region, where a ' +
  'Cognito authorizer would reach across regions; the handler verifies the token again with its roles.';

/**
 * Error bodies API Gateway itself returns (authorizer refusals, throttling, missing keys), in the
 * SPEC §3 error shape instead of API Gateway's `{"message": …}`.
 */
const GATEWAY_ERRORS: readonly {
  type: apigateway.ResponseType;
  code: string;
  /** @default API Gateway's own status and message */
  statusCode?: string;
  message?: string;
}[] = [
  { type: apigateway.ResponseType.UNAUTHORIZED, code: 'unauthorized' },
  { type: apigateway.ResponseType.ACCESS_DENIED, code: 'forbidden' },
  { type: apigateway.ResponseType.EXPIRED_TOKEN, code: 'unauthorized' },
  { type: apigateway.ResponseType.THROTTLED, code: 'rate_limited' },
  // No IAM-authorised route here: a "missing authentication token" is API Gateway's answer to a method
  // and path it has no route for (its 403), which the SPEC documents as 404 route_not_found.
  {
    type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    code: 'route_not_found',
    statusCode: '404',
    message: 'no route for this method and path',
  },
];

/** Path of the Route 53 health check of a region's API. */
export const HEALTH_PATH = '/health';

/** Header of the app key on server-to-server routes (SPEC §3). */
export const APP_KEY_HEADER = 'x-api-key';

/** Path prefixes (up to the first parameter) of the public tracking links, e.g. `/v1/click/`. */
export function publicPathPrefixes(routes: readonly RouteDefinition[]): string[] {
  const prefixes = routes
    .filter((route) => route.auth === 'none')
    .map((route) => route.path.split('{')[0] ?? route.path);
  return [...new Set(prefixes)];
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
  /** Stage-wide steady-state requests per second. */
  readonly throttleRateLimit: number;
  /** Stage-wide burst. */
  readonly throttleBurstLimit: number;
  /** Per-IP requests per 5 minutes to the public tracking links before WAF blocks. */
  readonly wafRateLimitPer5Minutes: number;
  /** Per-app-key requests per 5 minutes to the server-to-server routes before WAF blocks. */
  readonly wafRateLimitPerKeyPer5Minutes: number;
  readonly accessLogRetention: logs.RetentionDays;
  readonly accessLogRemovalPolicy: RemovalPolicy;
  /**
   * A regional custom domain mapped to the stage.
   * @default no custom domain; clients use the execute-api URL
   */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
}

/**
 * The HTTP API v1 as an API Gateway REST API: every route with its request validation, a WAF web ACL,
 * JSON access logs and X-Ray tracing. App API keys are not API Gateway keys: API Gateway keys exist in
 * one region only, are capped at 10,000 per region and created at 5 a second, so the handlers verify
 * `x-api-key` against the replicated tenant registry and enforce the per-app limits themselves.
 */
export class PlatformApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly accessLogs: logs.LogGroup;
  readonly webAcl: RateLimitedWebAcl;
  /** The regional custom domain, when one is configured. */
  readonly domain?: apigateway.DomainName;
  /** Path of the unauthenticated health check (relative to the stage), answered by API Gateway itself. */
  readonly healthPath = HEALTH_PATH;

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
    for (const { type, code, statusCode, message } of GATEWAY_ERRORS) {
      this.api.addGatewayResponse(`Error-${code}-${type.responseType}`, {
        type,
        ...(statusCode ? { statusCode } : {}),
        templates: {
          'application/json': `{"error":{"code":"${code}","message":${message ? JSON.stringify(message) : '$context.error.messageString'},"details":[]}}`,
        },
      });
    }

    this.webAcl = new RateLimitedWebAcl(this, 'Waf', {
      name: props.apiName,
      rateLimitPer5Minutes: props.wafRateLimitPer5Minutes,
      publicPathPrefixes: publicPathPrefixes(props.routes),
      keyHeaderName: APP_KEY_HEADER,
      rateLimitPerKeyPer5Minutes: props.wafRateLimitPerKeyPer5Minutes,
      stageArn: this.api.deploymentStage.stageArn,
    });

    this.addHealthCheckRoute();

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
      this.domain = domain;
    }
  }

  /**
   * `GET /health`: a mock integration answering 200, for the Route 53 health check of this region (no
   * Lambda invoked, nothing recorded). It proves the region's stage, WAF and TLS endpoint serve.
   */
  private addHealthCheckRoute(): void {
    const method = this.api.root.resourceForPath(HEALTH_PATH).addMethod(
      'GET',
      new apigateway.MockIntegration({
        requestTemplates: { 'application/json': '{"statusCode": 200}' },
        integrationResponses: [
          { statusCode: '200', responseTemplates: { 'application/json': '{"ok":true}' } },
        ],
      }),
      { methodResponses: [{ statusCode: '200' }], requestValidator: undefined },
    );
    const reason = 'Health check of Route 53 latency routing: a mock answer, no data, no Lambda.';
    Validations.of(method).acknowledge(
      { id: 'AwsSolutions-APIG4', reason },
      { id: 'AwsSolutions-COG4', reason },
    );
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

  /** p95 or p99 latency of the whole API per minute (averages hide the tail). */
  metricLatency(statistic: 'p95' | 'p99'): cloudwatch.Metric {
    return this.api.metricLatency({ statistic, period: Duration.minutes(1) });
  }
}
