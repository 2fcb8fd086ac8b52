import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat, CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type FunctionName, websocketAuthorizer, websocketRoutes } from '../../functions/manifest';
import { acknowledge } from './compliance';
import type { GatewayFunction } from './function';
import type { Handlers } from './handlers';
import type { Ledger } from './ledger';
import { pascalCase } from './names';
import { DeadLetterQueue } from './queues';
import { booleanFromContext, type DeploymentStage, logRemovalPolicy, numberFromContext } from './stage';

export interface RealtimeProps {
  stage: DeploymentStage;
  handlers: Handlers;
  ledger: Ledger;
}

/** Steady-state messages per second and burst the WebSocket stage accepts, unless context says otherwise. */
export const defaultWebSocketThrottle = { rateLimit: 50, burstLimit: 100 };

/** Messages name their route in `action`; whatever names none (or an unknown one) reaches `$default`. */
const routeSelectionExpression = '$request.body.action';

/** One JSON object per connection, message and disconnection, so CloudWatch Logs Insights can filter on any field. */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    eventType: '$context.eventType',
    routeKey: '$context.routeKey',
    status: '$context.status',
    connectionId: '$context.connectionId',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    error: '$context.error.message',
    ip: '$context.identity.sourceIp',
  }),
);

/** The routes that open and close a connection: their answer decides the upgrade, or goes to nobody. */
const connectionRoutes = new Set(['$connect', '$disconnect']);

/**
 * The realtime half of the gateway: the WebSocket API of `websocketRoutes`, and the stream functions that push payment
 * outcomes through it.
 * Defaults: one Lambda proxy integration per route, routed on `$request.body.action`, every route but `$connect` and
 * `$disconnect` two-way (the handler's body goes back on the connection); `$connect` without an API Gateway authorizer,
 * since its handler refuses a bad token with the contract's 401; one auto-deployed stage named after the deployment
 * stage, with JSON access logs kept one month and throttling of 50 messages/s, burst 100 (context `wsThrottleRate`,
 * `wsThrottleBurst`); API Gateway's account-level CloudWatch Logs role, which WebSocket access logs need, set up unless
 * context `apiGatewayAccountLogging` is false; every function that `postsToConnections` may manage connections of this
 * stage only, and knows its endpoint; every stream function reads its table's stream from the latest record, with
 * partial batch responses, bisection of failing batches, the spec's retries, and an encrypted, TLS-only queue kept
 * 14 days for the records that still fail.
 */
export class Realtime extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  /** The on-failure destination of each stream function, by function name. */
  readonly streamFailures = new Map<FunctionName, DeadLetterQueue>();

  constructor(scope: Construct, id: string, { stage, handlers, ledger }: RealtimeProps) {
    super(scope, id);

    this.api = new WebSocketApi(this, 'Api', {
      description: 'Billing gateway realtime API: payment outcomes pushed to the payer and payee',
      routeSelectionExpression,
    });
    // A browser cannot set headers on an upgrade, so the token comes as `?token=`. API Gateway answers 401 when it is
    // missing, and 401 when the authorizer fails with "Unauthorized" (a bad or revoked token), as the contract asks.
    const authorizer = new WebSocketLambdaAuthorizer('ConnectAuthorizer', handlers.function(websocketAuthorizer), {
      identitySource: ['route.request.querystring.token'],
    });
    for (const { route, function: name } of websocketRoutes) {
      const twoWay = !connectionRoutes.has(route);
      const webSocketRoute = this.api.addRoute(route, {
        integration: new WebSocketLambdaIntegration(`${pascalCase(name)}Integration`, handlers.function(name)),
        returnResponse: twoWay,
        ...(route === '$connect' ? { authorizer } : {}),
      });
      if (route !== '$connect') {
        acknowledge(webSocketRoute, {
          id: 'AwsSolutions-APIG4',
          reason:
            `API Gateway authorizes a WebSocket connection once, at $connect, and accepts no authorizer on ${route}: ` +
            'it only ever runs on a connection the $connect authorizer allowed.',
        });
      }
    }

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: logRemovalPolicy(stage),
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: stage,
      autoDeploy: true,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat },
      throttle: {
        rateLimit: numberFromContext(this.node, 'wsThrottleRate', defaultWebSocketThrottle.rateLimit),
        burstLimit: numberFromContext(this.node, 'wsThrottleBurst', defaultWebSocketThrottle.burstLimit),
      },
    });
    if (booleanFromContext(this.node, 'apiGatewayAccountLogging', true)) {
      this.stage.node.addDependency(this.accountLoggingRole());
    }

    for (const [name, fn] of handlers.entries()) {
      if (fn.spec.postsToConnections) fn.bindConnections(this.stage);
      if (fn.spec.stream) this.readStream(name, fn, ledger);
    }
  }

  /**
   * WebSocket (like REST) access logs are written with the role of API Gateway's account settings, one per account and
   * region; without it the stage fails to deploy. The role is kept on deletion, as aws-cdk-lib's RestApi does, because
   * another stack or stage of the account may be logging through it by then.
   */
  private accountLoggingRole(): CfnAccount {
    const role = new Role(this, 'ApiGatewayLogsRole', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Lets API Gateway write the access logs of WebSocket and REST stages in this account and region',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
    });
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    acknowledge(role, {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's account-level logging role writes the logs of every API of the account and region; AWS " +
        'maintains AmazonAPIGatewayPushToCloudWatchLogs for exactly this role, which only API Gateway may assume.',
    });
    const account = new CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn });
    account.node.addDependency(role);
    return account;
  }

  private readStream(name: FunctionName, fn: GatewayFunction, ledger: Ledger): void {
    const stream = fn.spec.stream;
    if (!stream) return;
    const table = ledger.table(stream.table);
    const streamArn = table.tableStreamArn;
    if (streamArn === undefined) throw new Error(`${name} reads the stream of ${stream.table}, which has none`);

    const failures = new DeadLetterQueue(this, `${pascalCase(name)}StreamFailures`, {
      receives: `${stream.table} stream records that ${name} still failed after ${stream.maxRetries} retries`,
      sender: 'event source mapping',
    });
    this.streamFailures.set(name, failures);

    table.grantStreamRead(fn);
    fn.addEventSourceMapping(`${pascalCase(stream.table)}Stream`, {
      eventSourceArn: streamArn,
      startingPosition: StartingPosition.LATEST,
      batchSize: stream.batchSize,
      // A failing batch is split until the failing record is alone, so one bad record holds back no other.
      bisectBatchOnError: true,
      retryAttempts: stream.maxRetries,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(failures),
    });

    if (fn.role) {
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Reading a stream through an event source mapping needs dynamodb:ListStreams, which supports no ' +
          'resource-level permissions; the stream reads themselves name this one stream.',
      });
    }
  }
}
