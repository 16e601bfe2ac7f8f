import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges the cdk-nag `AwsSolutions-IAM5` finding for one wildcard resource ARN in the policies
 * under `scope`. The ARN is flattened the way cdk-nag names the finding, so only that exact wildcard is
 * acknowledged, never the rule as a whole.
 */
export function acknowledgeWildcardResource(scope: IConstruct, arn: string, reason: string): void {
  const flat = flattenCfnReference(Stack.of(scope).resolve(arn));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
}

/** Acknowledges `AwsSolutions-IAM5` for wildcard actions (e.g. `kms:GenerateDataKey*`) under `scope`. */
export function acknowledgeWildcardActions(
  scope: IConstruct,
  actions: readonly string[],
  reason: string,
): void {
  for (const action of actions) {
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
  }
}

/** Wildcard actions the `grant*` methods of aws-cdk-lib use for KMS. */
export const KMS_GRANT_ACTION_WILDCARDS = ['kms:GenerateDataKey*', 'kms:ReEncrypt*'] as const;
/** Wildcard actions the `grant*` methods of aws-cdk-lib use for S3. */
export const S3_GRANT_ACTION_WILDCARDS = [
  's3:GetObject*',
  's3:GetBucket*',
  's3:List*',
  's3:DeleteObject*',
  's3:Abort*',
] as const;

export const GRANT_ACTION_WILDCARD_REASON =
  'Action groups of the aws-cdk-lib grant methods (KMS data-key generation and re-encryption, S3 object ' +
  'read/write variants), scoped to one key or bucket.';
