import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PlatformFunction } from '../compute/platform-function.js';

/** What the `Authorization` header of a bearer route must look like before the authorizer runs. */
export const BEARER_HEADER_PATTERN = '^Bearer [-0-9A-Za-z_=.+/]+$';

export interface JwtTokenAuthorizerProps {
  readonly functionName: string;
  /** Project root holding `lambdas/` and `package-lock.json`. */
  readonly projectRoot: string;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** Where the function finds the issuer, audience and JWKS URL or signing secret (`bearerAuthEnvironment`). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * How long API Gateway caches a token's verdict.
   * @default Duration.minutes(5)
   */
  readonly resultsCacheTtl?: Duration;
}

/**
 * A Lambda TOKEN authorizer for tokens of a JWKS issuer or signed with the service-token secret: a small
 * house function (`lambdas/authorizer.ts`, jose) that lets a genuine, current token through and answers
 * 401 otherwise. The handlers verify the token again and decide by role and tenant.
 */
export class JwtTokenAuthorizer extends Construct {
  readonly function: PlatformFunction;
  readonly authorizer: apigateway.TokenAuthorizer;

  constructor(scope: Construct, id: string, props: JwtTokenAuthorizerProps) {
    super(scope, id);
    this.function = new PlatformFunction(this, 'Function', {
      handler: 'authorizer',
      functionName: props.functionName,
      serviceName: 'authorizer',
      projectRoot: props.projectRoot,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: props.environment,
      memorySize: 256,
      timeout: Duration.seconds(5),
    });
    this.authorizer = new apigateway.TokenAuthorizer(this, 'Authorizer', {
      handler: this.function.function,
      authorizerName: props.functionName,
      identitySource: apigateway.IdentitySource.header('Authorization'),
      validationRegex: BEARER_HEADER_PATTERN,
      resultsCacheTtl: props.resultsCacheTtl ?? Duration.minutes(5),
    });
  }
}
