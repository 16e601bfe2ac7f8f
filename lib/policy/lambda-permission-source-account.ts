import { type IAspect, Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/**
 * Adds `SourceAccount` (this stack's account) to every Lambda permission granted to an AWS service
 * principal that lacks one, e.g. API Gateway's invoke permissions, whose `SourceArn` is a joined string
 * rather than a reference (Control Tower CT.LAMBDA.PR.2): no other account's resource of that service
 * may invoke the function.
 */
export class LambdaPermissionSourceAccount implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof lambda.CfnPermission)) return;
    if (node.sourceAccount !== undefined) return;
    const principal = node.principal;
    if (Token.isUnresolved(principal) || !principal.endsWith('.amazonaws.com')) return;
    node.sourceAccount = Stack.of(node).account;
  }
}
