import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface ServiceTokenSecretProps {
  /** Secret name, the same in every region (replicas keep the primary's name). */
  readonly secretName: string;
  readonly encryptionKey: kms.IKey;
  /**
   * KMS key (ARN or alias ARN) of each region the secret is replicated to.
   * @default no replicas
   */
  readonly replicaKeyArns?: Readonly<Record<string, string>>;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The HS256 signing secret of service tokens (`auth.kind` `jwt-secret`): 64 random characters that
 * Secrets Manager generates, so the value never appears in a template, a config file or an environment
 * variable. Created in the home region and replicated to every other region under the same name, so
 * every region verifies the same tokens; functions read it by name at cold start.
 */
export class ServiceTokenSecret extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly secretName: string;

  constructor(scope: Construct, id: string, props: ServiceTokenSecretProps) {
    super(scope, id);
    this.secretName = props.secretName;
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: props.secretName,
      description: 'UnMoGrowP HS256 signing secret of service bearer tokens',
      encryptionKey: props.encryptionKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      replicaRegions: Object.entries(props.replicaKeyArns ?? {}).map(([region, keyArn]) => ({
        region,
        encryptionKey: kms.Key.fromKeyArn(this, `ReplicaKey-${region}`, keyArn),
      })),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A scheduled rotation would invalidate every issued service token at once; operators rotate on ' +
        'their own schedule (put-secret-value with a new random value) and handlers pick the new value up ' +
        'within their 5-minute cache.',
    });
  }

  /**
   * Lets a function in any region read the secret (its replica there) by name, and decrypt it with that
   * region's platform key.
   */
  static grantReadByName(
    scope: Construct,
    secretName: string,
    encryptionKey: kms.IKey,
    grantee: iam.IGrantable,
  ): void {
    const secret =
      (scope.node.tryFindChild('ServiceTokenSecretRef') as secretsmanager.ISecret | undefined) ??
      secretsmanager.Secret.fromSecretNameV2(scope, 'ServiceTokenSecretRef', secretName);
    // GetSecretValue alone: what src/adapters/secrets/secret-reader.ts calls (aws-cdk-lib's grantRead
    // adds DescribeSecret; checked by test/lib/iam-coverage.test.ts).
    iam.Grant.addToPrincipal({
      grantee,
      actions: [...SERVICE_TOKEN_READ_ACTIONS],
      resourceArns: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
    });
    encryptionKey.grantDecrypt(grantee);
  }
}

/** What a reader of the service-token secret calls. */
export const SERVICE_TOKEN_READ_ACTIONS = ['secretsmanager:GetSecretValue'] as const;
