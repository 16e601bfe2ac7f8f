import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { App, PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';

/** One Control Tower proactive control failed by one resource. */
export interface ControlTowerFinding {
  /** Guard rule name, e.g. `s3_bucket_logging_enabled_check`. */
  readonly rule: string;
  readonly stackName: string;
  readonly logicalId: string;
}

/** Why a Control Tower control does not hold for some resources, and which resources. */
export interface ControlTowerAcknowledgement {
  readonly reason: string;
  /**
   * Logical ids the acknowledgement covers.
   * @default every resource of the rule
   */
  readonly resources?: RegExp;
}

/**
 * Every Control Tower proactive control the platform's templates still fail, with the reason. One list
 * for the whole app: a finding whose rule (and resource) is not here fails `npm test`.
 */
export const CONTROL_TOWER_ACKNOWLEDGED: Readonly<Record<string, ControlTowerAcknowledgement>> = {
  lambda_inside_vpc_check: {
    reason:
      'CT.LAMBDA.PR.3: the functions reach only AWS APIs (DynamoDB, Kinesis, S3, Firehose, Athena) over ' +
      'TLS with IAM; a VPC would add NAT gateways per region and cold-start latency, and protect no ' +
      'private resource.',
  },
  cloudwatch_log_group_retention_period_check: {
    reason:
      "CT.CLOUDWATCH.PR.2 wants one year; retention is the operator's `logRetentionDays` (default 30): " +
      'function logs may carry IPs and device ids, and privacy asks for short retention.',
  },
  cloudwatch_log_group_encrypted_check: {
    reason:
      'CT.CLOUDWATCH.PR.3: CloudWatch Logs encrypts every log group at rest with its service key; logs ' +
      'carry no raw identifiers (handlers log hashes), and a CMK on every log group of every stack would ' +
      'add a cross-stack key reference to each.',
  },
  lambda_function_public_access_prohibited_check: {
    reason:
      'CT.LAMBDA.PR.2: API Gateway invoke permissions (the routes and the token authorizer) carry SourceArn ' +
      '(this API) and SourceAccount, but ' +
      'in an account-agnostic synth SourceAccount is {Ref: AWS::AccountId}, which the rule does not read ' +
      'as a string; with `account` set in the config it passes.',
    resources: /^(ApiApiPermission|BearerAuthorizerFunction.*Permissions)/,
  },
  athena_workgroup_results_encrypted_at_rest_kms_check: {
    reason:
      "CT.ATHENA.PR.2: results ARE SSE_KMS with the region's platform key, imported from the stateful " +
      'stack (Fn::ImportValue), which the rule cannot resolve to a key id.',
    resources: /^AnalyticsWorkGroup/,
  },
  sqs_queue_encrypted_check: {
    reason:
      'CT.SQS.PR.2: the on-failure queue and the postback queue and its dead-letter queue ARE encrypted ' +
      'with the platform key, read from the stateful stack (Fn::GetStackOutput), which the rule cannot resolve.',
    resources: /OnFailureQueue|^PostbacksQueue|^PostbacksDeadLetterQueue/,
  },
  sqs_dlq_check: {
    reason:
      'CT.SQS.PR.3: the on-failure queue is itself the dead-letter destination of the consumer, and the ' +
      "postback dead-letter queue is the postback queue's.",
    resources: /OnFailureQueue|^PostbacksDeadLetterQueue/,
  },
  s3_bucket_default_encryption_kms_check: {
    reason:
      'CT.S3.PR.10: S3 server access log delivery cannot write to an SSE-KMS bucket; the access-log bucket ' +
      'uses SSE-S3. The lake bucket uses the platform key.',
    resources: /^LakeAccessLogs/,
  },
  s3_bucket_logging_enabled_check: {
    reason: 'CT.S3.PR.2: the access-log bucket does not log its own access (that would loop).',
    resources: /^LakeAccessLogs/,
  },
  s3_bucket_object_lock_enabled_check: {
    reason:
      'CT.S3.PR.4: Object Lock would forbid the erasure compaction GDPR requires (docs/privacy.md) and ' +
      'lifecycle expiry of query results and delivery errors; versioning plus RetainExceptOnCreate protect data.',
  },
  s3_event_notifications_enabled_check: {
    reason:
      'CT.S3.PR.1: nothing consumes object events of the lake or its logs; Firehose and Athena read by prefix.',
  },
};

/**
 * Runs the Control Tower proactive controls (the cfn-guard rules bundled with
 * `@cdklabs/cdk-validator-cfnguard`, with its bundled guard binary: no download, no network) over every
 * template of a synthesised app. `bin/app.ts` adds the same validator with `-c guard=true`.
 */
export function controlTowerFindings(app: App): ControlTowerFinding[] {
  const assembly = app.synth();
  const stacks = assembly.stacks;
  const templatePaths = stacks.map((stack) => stack.templateFullPath);
  const report: PolicyValidationPluginReportBeta1 = new CfnGuardValidator({
    maxBuffer: 256 * 1024 * 1024,
  }).validate({ templatePaths, appConstruct: app });
  const stackOf = new Map(stacks.map((stack) => [stack.templateFullPath, stack.stackName]));
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      stackName: stackOf.get(resource.templatePath) ?? resource.templatePath,
      logicalId: resource.resourceLogicalId,
    })),
  );
}

/** The findings no entry of `CONTROL_TOWER_ACKNOWLEDGED` covers. */
export function unacknowledged(findings: readonly ControlTowerFinding[]): ControlTowerFinding[] {
  return findings.filter((finding) => {
    const acknowledgement = CONTROL_TOWER_ACKNOWLEDGED[finding.rule];
    if (acknowledgement === undefined) return true;
    return acknowledgement.resources !== undefined && !acknowledgement.resources.test(finding.logicalId);
  });
}

/** Findings counted by rule, sorted by rule. */
export function countByRule(findings: readonly ControlTowerFinding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of [...findings].sort((a, b) => a.rule.localeCompare(b.rule))) {
    counts[finding.rule] = (counts[finding.rule] ?? 0) + 1;
  }
  return counts;
}
