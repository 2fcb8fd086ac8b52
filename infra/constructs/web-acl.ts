import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { numberFromContext } from './stage';

/** Requests per client IP per 5 minutes above which WAF blocks that IP, unless context says otherwise. */
export const defaultRateLimits = { overall: 2000, signIn: 100 };

/** The routes that try a password or a secret: sign-in, sign-up and email confirmation. */
export const credentialRoutes = ['/v1/tokens', '/v1/users', '/v1/users/confirmation'] as const;

const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

const exactPath = (path: string): CfnWebACL.StatementProperty => ({
  byteMatchStatement: {
    fieldToMatch: { uriPath: {} },
    positionalConstraint: 'EXACTLY',
    searchString: path,
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
});

/**
 * The AWS WAF web ACL in front of the CloudFront distribution (scope CLOUDFRONT, so its stack is in us-east-1).
 * Defaults: allow; a rate-based rule per client IP on `POST` to the credential routes (100 requests per 5 minutes,
 * context `wafSignInRateLimit`), checked first so that password guessing and sign-up floods stop early; a rate-based
 * rule per client IP on every request (2000 per 5 minutes, context `wafRateLimit`); then AWS's managed common rule
 * set. Every rule reports CloudWatch metrics and keeps sampled requests.
 */
export class WebAcl extends Construct {
  readonly acl: CfnWebACL;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const overall = numberFromContext(this.node, 'wafRateLimit', defaultRateLimits.overall);
    const signIn = numberFromContext(this.node, 'wafSignInRateLimit', defaultRateLimits.signIn);

    this.acl = new CfnWebACL(this, 'Acl', {
      scope: 'CLOUDFRONT',
      description: 'Billing gateway front door: per-IP rate limits and AWS managed common rules',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('BillingGatewayFrontDoor'),
      rules: [
        {
          name: 'CredentialRoutesRatePerIp',
          priority: 0,
          action: { block: {} },
          visibilityConfig: visibility('CredentialRoutesRatePerIp'),
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: signIn,
              evaluationWindowSec: 300,
              scopeDownStatement: {
                andStatement: {
                  statements: [
                    {
                      byteMatchStatement: {
                        fieldToMatch: { method: {} },
                        positionalConstraint: 'EXACTLY',
                        searchString: 'POST',
                        textTransformations: [{ priority: 0, type: 'NONE' }],
                      },
                    },
                    { orStatement: { statements: credentialRoutes.map(exactPath) } },
                  ],
                },
              },
            },
          },
        },
        {
          name: 'RatePerIp',
          priority: 1,
          action: { block: {} },
          visibilityConfig: visibility('RatePerIp'),
          statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: overall, evaluationWindowSec: 300 } },
        },
        {
          name: 'AwsManagedCommonRuleSet',
          priority: 2,
          overrideAction: { none: {} },
          visibilityConfig: visibility('AwsManagedCommonRuleSet'),
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' } },
        },
      ],
    });
  }
}
