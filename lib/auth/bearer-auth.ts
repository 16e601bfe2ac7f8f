import type * as cognito from 'aws-cdk-lib/aws-cognito';

/**
 * How one region's API verifies bearer tokens, resolved from `auth` in the config: the home region's
 * Cognito user pool, an external JWKS issuer, or the Secrets Manager service-token secret.
 */
export type BearerAuth =
  | {
      readonly kind: 'cognito';
      readonly userPool: cognito.IUserPool;
      readonly issuer: string;
      readonly jwksUrl: string;
      /** The app client id: the `aud` of the pool's ID tokens. */
      readonly audience: string;
    }
  | {
      readonly kind: 'jwks';
      readonly jwksUrl: string;
      readonly issuer: string;
      readonly audience?: string;
    }
  | {
      readonly kind: 'jwt-secret';
      /** Name of the secret (and of its replica in every region). */
      readonly secretName: string;
      readonly issuer: string;
      readonly audience?: string;
    };
