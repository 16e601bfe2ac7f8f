import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { App, PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';

/** One Control Tower proactive control failed by one resource. */
export interface ControlTowerFinding {
  /** Guard rule name, e.g. `ct-s3-pr-1`. */
  readonly rule: string;
  readonly stackName: string;
  readonly logicalId: string;
}

/**
 * Runs the Control Tower proactive controls (cfn-guard rules bundled with
 * `@cdklabs/cdk-validator-cfnguard`, with the guard binary for this platform: no download, no network)
 * over every template of a synthesised app. `bin/app.ts` adds the same validator with `-c guard=true`.
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

/** Findings counted by rule, sorted by rule. */
export function countByRule(findings: readonly ControlTowerFinding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of [...findings].sort((a, b) => a.rule.localeCompare(b.rule))) {
    counts[finding.rule] = (counts[finding.rule] ?? 0) + 1;
  }
  return counts;
}
