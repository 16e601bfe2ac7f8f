import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface RateLimitedWebAclProps {
  /** Metric and ACL name. */
  readonly name: string;
  /**
   * Requests a single client IP may send to the public tracking links in any 5-minute window before it
   * is blocked. Only those routes are limited per IP: server-to-server callers (ad networks, game
   * servers) send from a few IPs and are limited by their key instead.
   */
  readonly rateLimitPer5Minutes: number;
  /**
   * Path prefixes of the public tracking links (routes without credentials), e.g. `/v1/click/`. The
   * rule matches them anywhere in the URI, so both `/{stage}/v1/click/…` and a custom domain's
   * `/v1/click/…` are covered.
   */
  readonly publicPathPrefixes: readonly string[];
  /** Header carrying the app key of server-to-server routes. */
  readonly keyHeaderName: string;
  /**
   * Requests one app key may send in any 5-minute window before WAF blocks it: a ceiling against a
   * leaked or runaway key, above the platform's own per-app limits (which answer 429 first).
   */
  readonly rateLimitPerKeyPer5Minutes: number;
  /** ARN of the API Gateway stage the ACL protects. */
  readonly stageArn: string;
}

/**
 * Rules of the AWS common rule set that legitimate traffic of this API trips, so they only count
 * (visible in the WAF metrics and sampled requests) instead of blocking.
 */
export const COUNTED_COMMON_RULES: Readonly<Record<string, string>> = {
  NoUserAgent_HEADER: 'Server-to-server postbacks and game servers often send no User-Agent.',
  UserAgent_BadBots_HEADER: 'Server HTTP libraries of ad networks match the bad-bot user agents.',
  SizeRestrictions_BODY: 'Event batches are legitimately up to 1 MiB; the rule blocks bodies over 8 KB.',
  SizeRestrictions_QUERYSTRING: 'Tracking links carry long campaign, ad and redirect parameters.',
  SizeRestrictions_URIPATH: 'App ids (bundle ids) and link paths can be long.',
  EC2MetaDataSSRF_QUERYARGUMENTS: 'Redirect URLs in tracking links are arbitrary URLs, only stored.',
};

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

function uriContains(prefix: string): wafv2.CfnWebACL.StatementProperty {
  return {
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'CONTAINS',
      searchString: prefix,
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
}

function anyOf(statements: wafv2.CfnWebACL.StatementProperty[]): wafv2.CfnWebACL.StatementProperty {
  const [first, ...rest] = statements;
  if (first === undefined) throw new Error('publicPathPrefixes must name at least one path prefix');
  return rest.length === 0 ? first : { orStatement: { statements } };
}

/**
 * A regional WAF web ACL on an API stage: a per-IP rate rule on the public tracking links only, a
 * per-key rate ceiling on the server-to-server routes, and the AWS common and known-bad-input managed
 * rule groups, with the common rules that hit legitimate traffic in count mode.
 */
export class RateLimitedWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: RateLimitedWebAclProps) {
    super(scope, id);
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: props.name,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(props.name),
      rules: [
        {
          name: 'RateLimitPerIpOnTrackingLinks',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: props.rateLimitPer5Minutes,
              aggregateKeyType: 'IP',
              scopeDownStatement: anyOf(props.publicPathPrefixes.map(uriContains)),
            },
          },
          visibilityConfig: visibility(`${props.name}-rate-limit`),
        },
        {
          // Requests without the header are not counted by a custom-key rule, so it needs no scope-down.
          name: 'RateLimitPerAppKey',
          priority: 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: props.rateLimitPerKeyPer5Minutes,
              aggregateKeyType: 'CUSTOM_KEYS',
              customKeys: [
                {
                  header: {
                    name: props.keyHeaderName,
                    textTransformations: [{ priority: 0, type: 'NONE' }],
                  },
                },
              ],
            },
          },
          visibilityConfig: visibility(`${props.name}-key-rate-limit`),
        },
        {
          name: 'AwsCommonRules',
          priority: 2,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              ruleActionOverrides: Object.keys(COUNTED_COMMON_RULES).map((name) => ({
                name,
                actionToUse: { count: {} },
              })),
            },
          },
          visibilityConfig: visibility(`${props.name}-common`),
        },
        {
          name: 'AwsKnownBadInputs',
          priority: 3,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' },
          },
          visibilityConfig: visibility(`${props.name}-bad-inputs`),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
