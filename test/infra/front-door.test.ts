import { runInNewContext } from 'node:vm';
import { credentialRoutes, defaultRateLimits } from '../../infra/constructs/web-acl';
import { FRONT_DOOR_REGION } from '../../infra/constructs/gateway';
import { build, nagSuppressions, referencedIds, type Resource } from './synth';

const dev = build('dev');
const resources = Object.entries(dev.frontDoorResources);
const only = (type: string): [string, Resource] => {
  const found = resources.filter(([, r]) => r.Type === type);
  if (found.length !== 1) throw new Error(`${found.length} ${type} in the front door's template`);
  return found[0]!;
};
const [distributionId, distribution] = only('AWS::CloudFront::Distribution');
const [aclId, acl] = only('AWS::WAFv2::WebACL');
const config = distribution.Properties.DistributionConfig as {
  DefaultCacheBehavior: Record<string, unknown>;
  CacheBehaviors: Record<string, unknown>[];
  Origins: { Id: string; DomainName: unknown; S3OriginConfig?: unknown; OriginAccessControlId?: unknown }[];
  WebACLId: unknown;
  Logging: unknown;
  ViewerCertificate?: unknown;
};
const behavior = (pattern: string) => {
  const found = config.CacheBehaviors.find((b) => b.PathPattern === pattern);
  if (!found) throw new Error(`No behavior for ${pattern}`);
  return found;
};
const originOf = (b: Record<string, unknown>) => config.Origins.find((origin) => origin.Id === b.TargetOriginId);
const consoleBuckets = resources.filter(
  ([, r]) => r.Type === 'AWS::S3::Bucket' && !('OwnershipControls' in r.Properties),
);
const rules = acl.Properties.Rules as { Name: string; Priority: number; Statement: Record<string, unknown> }[];
const rule = (name: string) => rules.find((r) => r.Name === name)?.Statement;

describe('the front door (CloudFront and its web ACL)', () => {
  it('lives in us-east-1, where a web ACL for CloudFront must be, apart from the gateway it fronts', () => {
    expect(dev.frontDoor.region).toBe(FRONT_DOOR_REGION);
    expect(dev.stack.region).toBe('eu-west-1');
    expect(acl.Properties).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
  });

  it('sends /v1/* and /openapi.json to the HTTP API of the gateway, uncached, with every method and header but Host', () => {
    for (const pattern of ['/v1/*', '/openapi.json']) {
      const api = behavior(pattern);
      expect(api).toMatchObject({
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        ViewerProtocolPolicy: 'redirect-to-https',
        // The managed CachingDisabled and AllViewerExceptHostHeader policies.
        CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
        OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
      });
      const origin = originOf(api);
      expect(origin).toMatchObject({
        CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
      });
      // The host of the HTTP API's URL, read from the gateway's stack in its own region.
      expect(origin?.DomainName).toEqual({ 'Fn::Select': [2, { 'Fn::Split': ['/', expect.anything()] }] });
      const [reader] = referencedIds(origin?.DomainName);
      expect(dev.frontDoorResources[reader ?? '']?.Type).toBe('Custom::CrossRegionExportReader');
    }
  });

  it('serves the console from its private bucket through origin access control, and sends other paths to it', () => {
    const consoleOrigin = originOf(behavior('/console/*'));
    expect(originOf(config.DefaultCacheBehavior)).toBe(consoleOrigin);
    expect(consoleOrigin?.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(referencedIds(consoleOrigin?.OriginAccessControlId)).toHaveLength(1);
    expect(consoleBuckets).toHaveLength(1);
    const [bucketId, bucket] = consoleBuckets[0]!;
    expect(referencedIds(consoleOrigin?.DomainName)).toEqual([bucketId]);
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
  });

  it('lets only this distribution read the console bucket, and only over TLS', () => {
    const [bucketId] = consoleBuckets[0]!;
    const [, policy] = resources.find(
      ([, r]) => r.Type === 'AWS::S3::BucketPolicy' && referencedIds(r.Properties.Bucket).includes(bucketId),
    )!;
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const reads = statements.filter((s) => s.Effect === 'Allow');
    expect(reads).toEqual([
      expect.objectContaining({
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
      }),
    ]);
    expect(referencedIds(reads[0]?.Condition)).toEqual([distributionId]);
  });

  it('serves /console/ as its index, and redirects every path outside the console to it', () => {
    const [, fn] = only('AWS::CloudFront::Function');
    const handler = runInNewContext(`${String(fn.Properties.FunctionCode)}\nhandler`) as (event: unknown) => {
      uri?: string;
      statusCode?: number;
      headers?: Record<string, { value: string }>;
    };
    const viewerRequest = (uri: string) => handler({ request: { uri } });

    expect(viewerRequest('/console/')).toMatchObject({ uri: '/console/index.html' });
    expect(viewerRequest('/console/app.js')).toMatchObject({ uri: '/console/app.js' });
    expect(viewerRequest('/')).toMatchObject({ statusCode: 301, headers: { location: { value: '/console/' } } });
    expect(viewerRequest('/console')).toMatchObject({ statusCode: 301, headers: { location: { value: '/console/' } } });
    expect(behavior('/console/*').FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: expect.anything() },
    ]);
  });

  it('deploys the built console under console/ with its config, and invalidates it in CloudFront', () => {
    const [, deployment] = only('Custom::CDKBucketDeployment');
    expect(deployment.Properties).toMatchObject({
      DestinationBucketKeyPrefix: 'console/',
      DistributionPaths: ['/console/*'],
    });
    // The built files, and config.json with the WebSocket URL, whose value arrives from the gateway's region.
    expect(deployment.Properties.SourceObjectKeys).toHaveLength(2);
    const [reader] = referencedIds(deployment.Properties.SourceMarkers);
    expect(dev.frontDoorResources[reader ?? '']?.Type).toBe('Custom::CrossRegionExportReader');
  });

  it('puts the web ACL on the distribution, HTTPS only, and logs every request', () => {
    expect(config.WebACLId).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(config.DefaultCacheBehavior).toMatchObject({ ViewerProtocolPolicy: 'redirect-to-https' });
    expect(config.Logging).toMatchObject({ Prefix: 'distribution/' });
  });

  it('blocks a client IP past the stricter rate on POST to sign-in, sign-up and confirmation, checked first', () => {
    expect(rules.find((r) => r.Name === 'CredentialRoutesRatePerIp')?.Priority).toBe(0);
    expect(rule('CredentialRoutesRatePerIp')).toEqual({
      RateBasedStatement: {
        AggregateKeyType: 'IP',
        Limit: defaultRateLimits.signIn,
        EvaluationWindowSec: 300,
        ScopeDownStatement: {
          AndStatement: {
            Statements: [
              {
                ByteMatchStatement: expect.objectContaining({ FieldToMatch: { Method: {} }, SearchString: 'POST' }),
              },
              {
                OrStatement: {
                  Statements: credentialRoutes.map((path) => ({
                    ByteMatchStatement: expect.objectContaining({
                      FieldToMatch: { UriPath: {} },
                      PositionalConstraint: 'EXACTLY',
                      SearchString: path,
                    }) as unknown,
                  })),
                },
              },
            ],
          },
        },
      },
    });
    expect(credentialRoutes).toEqual(['/v1/tokens', '/v1/users', '/v1/users/confirmation']);
  });

  it('blocks a client IP past the overall rate, and applies the AWS managed common rule set', () => {
    expect(rule('RatePerIp')).toEqual({
      RateBasedStatement: { AggregateKeyType: 'IP', Limit: defaultRateLimits.overall, EvaluationWindowSec: 300 },
    });
    expect(rule('AwsManagedCommonRuleSet')).toEqual({
      ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' },
    });
    expect(defaultRateLimits.signIn).toBeLessThan(defaultRateLimits.overall);
  });

  it('takes the rate limits from context', () => {
    const tuned = build('dev', { wafRateLimit: 500, wafSignInRateLimit: '20' });
    const [, tunedAcl] = Object.entries(tuned.frontDoorResources).find(([, r]) => r.Type === 'AWS::WAFv2::WebACL')!;
    const limits = (
      tunedAcl.Properties.Rules as { Name: string; Statement: { RateBasedStatement?: { Limit: number } } }[]
    )
      .filter((r) => r.Statement.RateBasedStatement)
      .map((r) => [r.Name, r.Statement.RateBasedStatement?.Limit]);
    expect(limits).toEqual([
      ['CredentialRoutesRatePerIp', 20],
      ['RatePerIp', 500],
    ]);
  });

  it('prints the console URL on the distribution’s domain', () => {
    expect(dev.frontDoorOutputs.ConsoleUrl?.Value).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/console/']],
    });
  });

  it('acknowledges on the distribution only the geography and TLS-policy findings, each with its reason', () => {
    expect(nagSuppressions(distribution)).toEqual([
      { id: 'AwsSolutions-CFR1', reason: expect.stringContaining('per client IP') },
      { id: 'AwsSolutions-CFR4', reason: expect.stringContaining('fixed at TLSv1') },
    ]);
  });
});
