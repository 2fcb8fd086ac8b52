import {
  CfnOutput,
  DefaultStackSynthesizer,
  DockerImage,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
  Tags,
  Validations,
} from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { buildConsole, CONSOLE_SOURCE } from '../scripts/console-build';
import { acknowledge, nagPart } from './compliance';
import { serviceName } from './function';
import { type DeploymentStage, logRemovalPolicy } from './stage';
import { WebAcl } from './web-acl';

export interface FrontDoorStackProps extends StackProps {
  stage: DeploymentStage;
  /** `https://<id>.execute-api.<region>.amazonaws.com/`, the HTTP API's default stage. */
  httpApiUrl: string;
  /** `wss://…`, which the console connects to for live updates (it keeps its own endpoint). */
  webSocketUrl: string;
}

export const CONSOLE_PATH = '/console/';

/**
 * `/console` (no slash) and `/` go to `/console/`, and a path ending in `/` is its `index.html`: S3 maps keys, not
 * folders. CloudFront Functions run JavaScript of their own runtime, so this is source text.
 */
const consoleRewrite = `function handler(event) {
  var request = event.request;
  if (request.uri.indexOf('${CONSOLE_PATH}') !== 0) {
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '${CONSOLE_PATH}' } } };
  }
  if (request.uri.charAt(request.uri.length - 1) === '/') request.uri += 'index.html';
  return request;
}`;

/**
 * The gateway's one front door on AWS, in us-east-1 because a web ACL for CloudFront lives there: a CloudFront
 * distribution that sends `/v1/*` and `/openapi.json` to the HTTP API and `/console/*` to the operator console's
 * private bucket, one origin for both (so the console needs no CORS), behind an AWS WAF web ACL. The WebSocket API
 * keeps its own endpoint.
 * Defaults: HTTPS only (HTTP redirects), TLS 1.2 to the API origin, HTTP/2 and 3, price class 100;
 * nothing of the API cached and every header, query string and cookie but `Host` forwarded to it; the console's
 * bucket private (origin access control, SSE-S3, TLS only, every public access blocked), filled from
 * `npm run console:build` at deploy with the WebSocket URL in `config.json`; access logs of the distribution and of
 * the bucket in a log bucket kept 90 days; output `ConsoleUrl`.
 */
export class FrontDoorStack extends Stack {
  readonly webAcl: WebAcl;
  readonly bucket: Bucket;
  readonly logBucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, { stage, httpApiUrl, webSocketUrl, ...props }: FrontDoorStackProps) {
    super(scope, id, props);
    Tags.of(this).add('service', serviceName);
    Tags.of(this).add('stage', stage);

    this.webAcl = new WebAcl(this, 'WebAcl');

    this.logBucket = new Bucket(this, 'Logs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // CloudFront's standard logs are written with an ACL that names the log delivery account.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.logBucket, {
      id: 'AwsSolutions-S1',
      reason: 'This is the bucket the access logs go to; logging its own accesses into itself would loop.',
    });

    this.bucket = new Bucket(this, 'Console', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'console-bucket/',
      // Built files only, made again by every deployment: nothing here is data.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const rewrite = new CloudFrontFunction(this, 'ConsolePaths', {
      code: FunctionCode.fromInline(consoleRewrite),
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Serves /console/ as index.html and sends every other path of the console origin to /console/',
    });
    const consoleBehavior: BehaviorOptions = {
      origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      functionAssociations: [{ function: rewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
    };
    const apiBehavior: BehaviorOptions = {
      // `https://<id>.execute-api.<region>.amazonaws.com/` → its host.
      origin: new HttpOrigin(Fn.select(2, Fn.split('/', httpApiUrl)), {
        protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      }),
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Billing gateway (${stage}): the HTTP API and the operator console`,
      defaultBehavior: consoleBehavior,
      additionalBehaviors: { '/v1/*': apiBehavior, '/openapi.json': apiBehavior, '/console/*': consoleBehavior },
      webAclId: this.webAcl.acl.attrArn,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'distribution/',
    });
    acknowledge(
      this.distribution,
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Operators and integrators may call from any country; abuse is limited per client IP by the web ACL ' +
          'instead of by geography.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution answers on its cloudfront.net name, whose default certificate has a security policy ' +
          'fixed at TLSv1 that no setting changes; a custom domain with its own certificate would take ' +
          'TLSv1.2_2021. Every origin is reached over TLS 1.2.',
      },
    );

    new BucketDeployment(this, 'ConsoleFiles', {
      destinationBucket: this.bucket,
      sources: [
        Source.asset(CONSOLE_SOURCE, {
          bundling: {
            // Built by esbuild in this process; the image is never pulled since the local build always succeeds.
            image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine'),
            local: {
              tryBundle: (outputDir) => {
                buildConsole(outputDir);
                return true;
              },
            },
          },
        }),
        Source.jsonData('config.json', { websocketUrl: webSocketUrl }),
      ],
      destinationKeyPrefix: CONSOLE_PATH.slice(1),
      distribution: this.distribution,
      distributionPaths: [`${CONSOLE_PATH}*`],
      memoryLimit: 512,
      logGroup: new LogGroup(this, 'ConsoleFilesLogs', {
        retention: RetentionDays.ONE_MONTH,
        removalPolicy: logRemovalPolicy(stage),
      }),
    });

    this.acknowledgeDeployment();

    new CfnOutput(this, 'ConsoleUrl', {
      value: `https://${this.distribution.distributionDomainName}${CONSOLE_PATH}`,
      description: 'The operator console (sign in with an admin), served with the API on one origin',
    });
    new CfnOutput(this, 'ApiUrl', {
      value: `https://${this.distribution.distributionDomainName}/`,
      description: 'Base URL of the HTTP API through CloudFront and its web ACL (/v1/*, /openapi.json)',
    });
  }

  /**
   * The deployment's function is aws-cdk-lib's own (it copies the built files with the AWS CLI at deploy time and
   * never serves a request): what it is granted and how it runs are the library's, acknowledged one by one here.
   */
  private acknowledgeDeployment(): void {
    const handler = this.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    const role = handler?.node.tryFindChild('ServiceRole');
    if (handler === undefined || role === undefined) throw new Error("The console deployment's function was not found");
    const runtime =
      "aws-cdk-lib picks the deployment function's runtime (a Python one, with the AWS CLI layer) for each " +
      'release; it runs once per deployment.';
    acknowledge(
      handler,
      { id: 'AwsSolutions-L1', reason: runtime },
      { id: 'Serverless-LambdaLatestVersion', reason: runtime },
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'CloudFormation invokes it synchronously as a custom resource and fails the deployment when it fails: ' +
          'there is no event to keep for a retry.',
      },
      {
        id: 'Serverless-LambdaTracing',
        reason: 'It runs once per deployment, outside any request path; its logs say what it copied.',
      },
    );
    const [partition, account, region] = [
      nagPart(this.partition, 'AWS::Partition'),
      nagPart(this.account, 'AWS::AccountId'),
      nagPart(this.region, 'AWS::Region'),
    ];
    const qualifier = this.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const iam5 = (finding: string, reason: string) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    const copy =
      'BucketDeployment grants these on the CDK asset bucket (to read the zipped console) and on the console ' +
      'bucket (to sync it, deleting files no longer built): object-level actions on two named buckets.';
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'Lets the deployment function write its own logs, the policy AWS maintains for exactly that.',
      },
      iam5('Action::s3:GetBucket*', copy),
      iam5('Action::s3:GetObject*', copy),
      iam5('Action::s3:List*', copy),
      iam5('Action::s3:Abort*', copy),
      iam5('Action::s3:DeleteObject*', copy),
      iam5(`Resource::<${this.getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/*`, copy),
      iam5(`Resource::arn:${partition}:s3:::cdk-${qualifier}-assets-${account}-${region}/*`, copy),
      iam5(
        'Resource::*',
        'CloudFront invalidations (cloudfront:CreateInvalidation, GetInvalidation) support no resource-level ' +
          'permissions, so the deployment function can only be granted them on "*".',
      ),
    );
  }
}
