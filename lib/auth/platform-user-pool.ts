import { CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { COGNITO_CLAIM_ALIASES } from '../../src/auth/jwt.js';

/** Custom attribute names (without `custom:`); ID tokens carry them as `custom:role`/`custom:tenant`. */
export const USER_ATTRIBUTES = {
  role: COGNITO_CLAIM_ALIASES.role.replace(/^custom:/, ''),
  tenant: COGNITO_CLAIM_ALIASES.tenant.replace(/^custom:/, ''),
} as const;

export interface PlatformUserPoolProps {
  readonly userPoolName: string;
  /**
   * Second factor (TOTP) at sign-in.
   * @default 'required'
   */
  readonly mfa?: 'required' | 'optional';
  /**
   * Plus feature plan with threat protection enforced (compromised credentials, adaptive authentication).
   * @default true
   */
  readonly threatProtection?: boolean;
  /**
   * Minimum password length; upper and lower case, digits and symbols are always required.
   * @default 12
   */
  readonly passwordMinLength?: number;
  /**
   * What happens to the users when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The people who call the admin, report and privacy routes (SPEC §3): a Cognito user pool whose users
 * carry their role and tenant as custom attributes. Only administrators set those (the app client may
 * read them, never write them), so an ID token's `custom:role`/`custom:tenant` are trustworthy. No
 * self sign-up: an operator invites users (`aws cognito-idp admin-create-user`). The app client has no
 * secret (the CLI, a browser) and no OAuth flows; its ID token is the bearer token.
 *
 * Roles are custom attributes rather than one group per role: a user has exactly one role in exactly
 * one tenant, which two scalar attributes say directly, and the handlers read the same two claims
 * whatever the issuer.
 */
export class PlatformUserPool extends Construct {
  readonly userPool: cognito.UserPool;
  /** App client of the CLI and browsers (public: no secret). */
  readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: PlatformUserPoolProps) {
    super(scope, id);
    const mfa = props.mfa ?? 'required';
    const threatProtection = props.threatProtection ?? true;
    const passwordMinLength = props.passwordMinLength ?? 12;
    if (passwordMinLength < 8 || passwordMinLength > 99) {
      throw new Error(`passwordMinLength must be between 8 and 99. Received ${passwordMinLength}`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: props.userPoolName,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      mfa: mfa === 'required' ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: passwordMinLength,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      featurePlan: threatProtection ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      ...(threatProtection
        ? { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION }
        : {}),
      customAttributes: {
        [USER_ATTRIBUTES.role]: new cognito.StringAttribute({ minLen: 1, maxLen: 16, mutable: true }),
        [USER_ATTRIBUTES.tenant]: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
      },
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy,
    });

    this.client = this.addCliClient(props.userPoolName);

    // What an operator needs to invite users and sign in (docs/deployment.md).
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.client.userPoolClientId });

    if (mfa === 'optional') {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason:
          'The operator chose auth.mfa "optional": each user opts in to TOTP (config default: required).',
      });
    }
    if (!threatProtection) {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason:
          'The operator chose auth.threatProtection false (Essentials plan, no per-MAU threat protection ' +
          'charge); sign-in is still protected by the password policy and MFA.',
      });
    }
  }

  /** The public app client of the CLI and browsers: sign-in API only, reads but never writes the role. */
  private addCliClient(userPoolName: string): cognito.UserPoolClient {
    const custom = [USER_ATTRIBUTES.role, USER_ATTRIBUTES.tenant];
    return this.userPool.addClient('CliClient', {
      userPoolClientName: `${userPoolName}-cli`,
      generateSecret: false,
      // SRP for SDK-based clients; password auth (over TLS, still followed by the TOTP challenge) so the
      // AWS CLI can sign in: `aws cognito-idp initiate-auth --auth-flow USER_PASSWORD_AUTH`.
      authFlows: { userSrp: true, userPassword: true },
      // No hosted UI or OAuth redirect: tokens come from the sign-in API only.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes(...custom),
      // Users may never change their own role or tenant: the client writes no custom attribute.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true }),
    });
  }

  /** `iss` of the pool's tokens, `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  get issuer(): string {
    return `https://${this.userPool.userPoolProviderUrl}`;
  }

  /** The pool's public signing keys. */
  get jwksUrl(): string {
    return `${this.issuer}/.well-known/jwks.json`;
  }
}
