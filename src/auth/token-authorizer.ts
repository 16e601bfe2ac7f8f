import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { InvalidTokenError, type TokenVerifier } from './jwt.js';

/**
 * The API Gateway TOKEN authorizer of the bearer routes when tokens come from a JWKS issuer or are
 * signed with the Secrets Manager service-token secret (a Cognito pool uses API Gateway's own Cognito
 * authorizer instead). It only checks that the token is genuine and current; the handlers verify it
 * again and decide by role and tenant (defence in depth, and the same code runs in local mode).
 */

/** What API Gateway expects an authorizer to throw for a 401 (any other error is a 500). */
export const UNAUTHORIZED = 'Unauthorized';

/**
 * `arn:…:execute-api:<region>:<account>:<api>/<stage>/*` from a method ARN. The policy allows every
 * method of the stage because API Gateway caches it by token for every bearer route; what a caller
 * may do is decided by the handler.
 */
export function stageWildcardArn(methodArn: string): string {
  const [prefix, stage] = methodArn.split('/');
  if (!prefix || !stage) throw new Error(`unexpected method ARN ${methodArn}`);
  return `${prefix}/${stage}/*`;
}

/**
 * @example
 * export const handler = createTokenAuthorizer(tokenVerifierFor(loadRuntimeConfig()));
 */
export function createTokenAuthorizer(verify: TokenVerifier) {
  return async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const match = /^Bearer\s+(\S+)$/i.exec(event.authorizationToken?.trim() ?? '');
    if (!match?.[1]) throw new Error(UNAUTHORIZED);
    let principal: Awaited<ReturnType<TokenVerifier>>;
    try {
      principal = await verify(match[1]);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new Error(UNAUTHORIZED);
      throw error;
    }
    return {
      principalId: principal.subject,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWildcardArn(event.methodArn) },
        ],
      },
      context: { role: principal.role, tenant: principal.tenantId },
    };
  };
}
