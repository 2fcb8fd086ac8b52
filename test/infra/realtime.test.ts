import * as z from 'zod';
import {
  environment,
  type FunctionName,
  functions,
  type FunctionSpec,
  websocketRoutes,
} from '../../functions/manifest';
import { tables } from '../../shared/adapters/tables';
import { defaultWebSocketThrottle } from '../../infra/constructs/realtime';
import {
  build,
  type Built,
  functionNames,
  lambdaOf,
  logicalId,
  nagSuppressions,
  ofType,
  referencedIds,
  type Resource,
  resource,
  statementsOf,
} from './synth';

let dev: Built;
let prod: Built;

beforeAll(() => {
  dev = build('dev');
  prod = build('prod');
}, 120_000);

const specOf = (name: FunctionName): FunctionSpec => functions[name];
const streamReaders = functionNames.filter((name) => specOf(name).stream);

const apiId = (built: Built) => logicalId(built, built.stack.realtime.api);
const webSocketRoutes = (built: Built): [string, Resource][] =>
  ofType(built, 'AWS::ApiGatewayV2::Route').filter(([, r]) => referencedIds(r.Properties.ApiId)[0] === apiId(built));
const routeByKey = (key: string): [string, Resource] => {
  const found = webSocketRoutes(dev).filter(([, r]) => r.Properties.RouteKey === key);
  expect(found).toHaveLength(1);
  return found[0]!;
};

/** The function a route's Lambda proxy integration invokes. */
const targetOf = (route: Resource): string => {
  const target = z.object({ 'Fn::Join': z.tuple([z.string(), z.array(z.unknown())]) }).parse(route.Properties.Target);
  const integration = resource(dev, referencedIds(target['Fn::Join'][1])[0]!);
  expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY' });
  return referencedIds(integration.Properties.IntegrationUri)[0]!;
};

describe('WebSocket API', () => {
  it('routes client messages on their action', () => {
    expect(resource(dev, apiId(dev)).Properties).toMatchObject({
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
  });

  it('has exactly the manifest routes, each invoking its own function', () => {
    expect(webSocketRoutes(dev).map(([, r]) => r.Properties.RouteKey)).toEqual(
      expect.arrayContaining(websocketRoutes.map((r) => r.route)),
    );
    expect(webSocketRoutes(dev)).toHaveLength(websocketRoutes.length);
    for (const { route, function: name } of websocketRoutes) {
      expect([route, targetOf(routeByKey(route)[1])]).toEqual([route, lambdaOf(dev, name).id]);
    }
  });

  it("sends $default's answer back on the connection, and no answer for $connect and $disconnect", () => {
    const responses = ofType(dev, 'AWS::ApiGatewayV2::RouteResponse');
    const [defaultId, defaultRoute] = routeByKey('$default');
    expect(responses.map(([, r]) => r.Properties)).toEqual([
      { ApiId: { Ref: apiId(dev) }, RouteId: { Ref: defaultId }, RouteResponseKey: '$default' },
    ]);
    expect(defaultRoute.Properties.RouteResponseSelectionExpression).toBe('$default');
    for (const key of ['$connect', '$disconnect']) {
      expect(routeByKey(key)[1].Properties).not.toHaveProperty('RouteResponseSelectionExpression');
    }
  });

  it('authorizes $connect with the ws-authorizer function on the token query parameter, acknowledging nothing', () => {
    const [, connect] = routeByKey('$connect');
    const authorizers = ofType(dev, 'AWS::ApiGatewayV2::Authorizer').filter(([id]) => id.startsWith('Realtime'));
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(connect.Properties).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token'],
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain('HandlersWsAuthorizer');
    expect(nagSuppressions(connect).map((s) => s.id)).not.toContain('AwsSolutions-APIG4');
  });

  it('acknowledges no authorizer on the other routes because API Gateway authorizes a connection at $connect', () => {
    for (const [, route] of webSocketRoutes(dev).filter(([, r]) => r.Properties.RouteKey !== '$connect')) {
      const [acknowledgement] = nagSuppressions(route).filter((s) => s.id === 'AwsSolutions-APIG4');
      expect(acknowledgement?.reason).toMatch(/authorizes a WebSocket connection once, at \$connect/);
    }
  });

  it.each([
    ['dev', () => dev],
    ['prod', () => prod],
  ] as const)('deploys one %s stage, auto-deployed, throttled, with JSON access logs', (stage, built) => {
    const stages = ofType(built(), 'AWS::ApiGatewayV2::Stage').filter(
      ([, s]) => referencedIds(s.Properties.ApiId)[0] === apiId(built()),
    );
    expect(stages).toHaveLength(1);
    const properties = stages[0]![1].Properties;
    expect(properties).toMatchObject({
      StageName: stage,
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: defaultWebSocketThrottle.rateLimit,
        ThrottlingBurstLimit: defaultWebSocketThrottle.burstLimit,
      },
    });
    const settings = z.object({ Format: z.string(), DestinationArn: z.unknown() }).parse(properties.AccessLogSettings);
    expect(JSON.parse(settings.Format)).toMatchObject({
      requestId: '$context.requestId',
      eventType: '$context.eventType',
      routeKey: '$context.routeKey',
      status: '$context.status',
      connectionId: '$context.connectionId',
    });
    expect(resource(built(), referencedIds(settings.DestinationArn)[0]!).Type).toBe('AWS::Logs::LogGroup');
  });

  it("sets API Gateway's account logging role before the stage, unless context says the account has one", () => {
    const [accountId, account] = ofType(dev, 'AWS::ApiGateway::Account')[0]!;
    const role = resource(dev, referencedIds(account.Properties.CloudWatchRoleArn)[0]!);
    expect(role).toMatchObject({ Type: 'AWS::IAM::Role', DeletionPolicy: 'Retain' });
    const [, stage] = ofType(dev, 'AWS::ApiGatewayV2::Stage').find(
      ([, s]) => referencedIds(s.Properties.ApiId)[0] === apiId(dev),
    )!;
    expect(stage.DependsOn).toContain(accountId);

    const without = build('dev', { apiGatewayAccountLogging: 'false' });
    expect(ofType(without, 'AWS::ApiGateway::Account')).toEqual([]);
  });
});

describe('pushes to connections', () => {
  it.each(functionNames)('lets %s manage connections only if it posts to them, on this API and stage only', (name) => {
    const posts = specOf(name).postsToConnections === true;
    const statements = statementsOf(dev, name).filter((s) => s.Action.includes('execute-api:ManageConnections'));
    expect(statements).toHaveLength(posts ? 1 : 0);
    for (const statement of statements) {
      expect(referencedIds(statement.Resource)).toEqual([apiId(dev)]);
      expect(JSON.stringify(statement.Resource)).toMatch(/"\/dev\/\*\/@connections\/\*"/);
    }
  });

  it.each(functionNames)("tells %s the stage's callback URL only if it posts to connections", (name) => {
    const endpoint = lambdaOf(dev, name).props.Environment.Variables[environment.websocketEndpoint];
    expect(endpoint).toEqual(
      specOf(name).postsToConnections ? dev.stack.resolve(dev.stack.realtime.stage.callbackUrl) : undefined,
    );
  });

  it('calls back on https://{api}.execute-api.{region}.{suffix}/{stage}', () => {
    expect(dev.stack.resolve(dev.stack.realtime.stage.callbackUrl)).toEqual({
      'Fn::Join': [
        '',
        ['https://', { Ref: apiId(dev) }, `.execute-api.${dev.stack.region}.`, { Ref: 'AWS::URLSuffix' }, '/dev'],
      ],
    });
  });
});

describe('stream readers', () => {
  it.each(streamReaders)(
    'reads the stream of %s from the latest record, bisecting, retrying and reporting failed records',
    (name) => {
      const stream = specOf(name).stream!;
      const tableId = logicalId(dev, dev.stack.ledger.table(stream.table));
      const mappings = ofType(dev, 'AWS::Lambda::EventSourceMapping').filter(
        ([, m]) => referencedIds(m.Properties.FunctionName)[0] === lambdaOf(dev, name).id,
      );
      expect(mappings).toHaveLength(1);
      const failures = logicalId(dev, dev.stack.realtime.streamFailures.get(name)!);
      expect(mappings[0]![1].Properties).toMatchObject({
        EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
        StartingPosition: 'LATEST',
        BatchSize: stream.batchSize,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: stream.maxRetries,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failures, 'Arn'] } } },
      });
      expect(tables[stream.table]).toHaveProperty('stream');
    },
  );

  it.each(streamReaders)('sends what %s still fails on to a queue of its own, kept 14 days', (name) => {
    const failures = logicalId(dev, dev.stack.realtime.streamFailures.get(name)!);
    const referencing = Object.entries(dev.resources)
      .filter(([id, r]) => id !== failures && JSON.stringify(r.Properties).includes(`"${failures}"`))
      .map(([, r]) => r.Type)
      .sort();
    // Its mapping, its queue policy, the function's grant, and the alarm and dashboard that watch it.
    expect(referencing).toEqual(
      [
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Dashboard',
        'AWS::IAM::Policy',
        'AWS::Lambda::EventSourceMapping',
        'AWS::SQS::QueuePolicy',
      ].sort(),
    );
    expect(resource(dev, failures).Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it.each(streamReaders)('lets %s read the stream of its own table and no other stream', (name) => {
    const tableId = logicalId(dev, dev.stack.ledger.table(specOf(name).stream!.table));
    const streams = new Set(
      JSON.stringify(statementsOf(dev, name)).match(/"Fn::GetAtt":\["[A-Za-z0-9]+","StreamArn"\]/g),
    );
    expect([...streams]).toEqual([`"Fn::GetAtt":["${tableId}","StreamArn"]`]);
    const streamStatements = statementsOf(dev, name).filter((s) => s.Action.includes('dynamodb:DescribeStream'));
    expect(streamStatements.flatMap((s) => referencedIds(s.Resource))).toEqual([tableId]);
  });
});
