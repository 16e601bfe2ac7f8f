import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

/** The `message` of the one log line each API request writes (see `src/composition/api.ts`). */
export const REQUEST_LOG_MESSAGE = 'request served';

export interface TenantInsightsProps {
  /** Prefix of the rule names, e.g. `unmogrowp-dev`. */
  readonly ruleNamePrefix: string;
  /** Functions whose JSON logs carry `tenant_id` and one `request served` line per request. */
  readonly apiFunctionNames: readonly string[];
}

/**
 * The per-tenant view: Contributor Insights rules over the API functions' JSON logs, keyed by
 * `tenant_id`. Tenants stay out of metric dimensions (one custom metric per tenant would cost more
 * than the platform); the rules rank them at $0.02 per million matched log lines.
 */
export class TenantInsights extends Construct {
  /** Requests per tenant. */
  readonly requestsRuleName: string;
  /** 4xx and 5xx responses per tenant. */
  readonly errorsRuleName: string;
  readonly rules: cloudwatch.CfnInsightRule[];

  constructor(scope: Construct, id: string, props: TenantInsightsProps) {
    super(scope, id);
    this.requestsRuleName = `${props.ruleNamePrefix}-tenant-requests`;
    this.errorsRuleName = `${props.ruleNamePrefix}-tenant-errors`;
    const logGroupNames = props.apiFunctionNames.map((name) => `/aws/lambda/${name}`);
    const rule = (ruleId: string, ruleName: string, filters: Record<string, unknown>[]) =>
      new cloudwatch.CfnInsightRule(this, ruleId, {
        ruleName,
        ruleState: 'ENABLED',
        ruleBody: JSON.stringify({
          Schema: { Name: 'CloudWatchLogRule', Version: 1 },
          LogGroupNames: logGroupNames,
          LogFormat: 'JSON',
          Contribution: {
            Keys: ['$.tenant_id'],
            Filters: [{ Match: '$.message', In: [REQUEST_LOG_MESSAGE] }, ...filters],
          },
          AggregateOn: 'Count',
        }),
      });
    this.rules = [
      rule('Requests', this.requestsRuleName, []),
      rule('Errors', this.errorsRuleName, [{ Match: '$.statusCode', GreaterThan: 399 }]),
    ];
  }
}
