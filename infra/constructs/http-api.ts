import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi as ApiGatewayHttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  authorizer as authorizerName,
  defaultRoute,
  type FunctionName,
  type RouteSpec,
  routes,
} from '../../functions/manifest';
import type { Handlers } from './handlers';
import { pascalCase } from './names';
import { type DeploymentStage, logRemovalPolicy, numberFromContext } from './stage';

export interface HttpApiProps {
  stage: DeploymentStage;
  handlers: Handlers;
}

/** Steady-state requests per second and burst the `$default` stage accepts, unless context says otherwise. */
const defaultThrottle = { rateLimit: 100, burstLimit: 200 };

/** One JSON object per request, so CloudWatch Logs Insights can filter on any field. */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    latency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    ip: '$context.identity.sourceIp',
  }),
);

/** `GET /v1/tokens/{id}` → `GetV1TokensId`. */
const routeId = ({ method, path }: RouteSpec): string =>
  pascalCase(`${method.toLowerCase()}${path}`).replace(/[^A-Za-z0-9]/g, '');

/**
 * The public HTTP API: one route per route of `functions/manifest.ts`, each integrated with its handler.
 * Defaults: payload format 2.0 Lambda proxy integrations; every route, `$default` included, behind the Lambda
 * authorizer with simple responses, no identity source and no result cache (it always allows, and a revoked token must
 * fail on the next request); one auto-deployed `$default` stage with JSON
 * access logs kept one month and throttling of 100 requests/s, burst 200 (context `apiThrottleRate`,
 * `apiThrottleBurst`); no CORS.
 */
export class HttpApi extends Construct {
  readonly api: ApiGatewayHttpApi;
  readonly stage: HttpStage;
  readonly authorizer: HttpLambdaAuthorizer;

  constructor(scope: Construct, id: string, { stage, handlers }: HttpApiProps) {
    super(scope, id);

    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const integration = (name: FunctionName): HttpLambdaIntegration => {
      let found = integrations.get(name);
      if (!found) {
        found = new HttpLambdaIntegration(`${pascalCase(name)}Integration`, handlers.function(name), {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(name, found);
      }
      return found;
    };

    // The authorizer always allows and hands over an empty context for a missing or dead token, so the handler can
    // answer the contract's 401 problem+json. An identity source would make API Gateway answer its own 401 before the
    // authorizer runs, and a cache would keep a revoked token alive for the TTL.
    const authorizer = new HttpLambdaAuthorizer('Authorizer', handlers.function(authorizerName), {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });
    this.authorizer = authorizer;

    this.api = new ApiGatewayHttpApi(this, 'Api', {
      description: 'Billing gateway public API',
      createDefaultStage: false,
      defaultIntegration: integration(defaultRoute),
      defaultAuthorizer: authorizer,
    });

    // Every route runs the authorizer, public ones too: it only resolves who is calling (an empty context without a
    // token), and each handler decides what its access level needs. So no route is left without authorization.
    for (const route of routes) {
      new HttpRoute(this, routeId(route), {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: integration(route.function),
        authorizer,
      });
    }

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: logRemovalPolicy(stage),
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat },
      throttle: {
        rateLimit: numberFromContext(this.node, 'apiThrottleRate', defaultThrottle.rateLimit),
        burstLimit: numberFromContext(this.node, 'apiThrottleBurst', defaultThrottle.burstLimit),
      },
    });
  }
}
