import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as z from 'zod';
import { boundVariables, environment, functions, type FunctionSpec, queues, routes } from '../../functions/manifest';
import { type IndexDefinition, type TableDefinition, type TableName, tables } from '../../shared/adapters/tables';
import { pascalCase } from '../../infra/constructs/names';
import {
  build,
  type Built,
  functionNames,
  lambdaOf,
  logicalId,
  nagFindings,
  nagSuppressionIds,
  nagSuppressions,
  ofType,
  queueNames,
  referencedIds,
  type Resource,
  resource,
  statementsOf,
  tableNames,
} from './synth';

let dev: Built;
let prod: Built;

beforeAll(() => {
  dev = build('dev');
  prod = build('prod');
}, 120_000);

const tableIdsByName = (built: Built): Map<string, TableName> =>
  new Map(tableNames.map((name) => [logicalId(built, built.stack.ledger.table(name)), name]));

// What reading a table's stream takes (its event source mapping), granted on the stream, apart from the table's actions.
const streamActions = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];

const partition = <T>(items: T[], test: (item: T) => boolean): [T[], T[]] => [
  items.filter(test),
  items.filter((item) => !test(item)),
];

describe('Lambdas', () => {
  it('deploys exactly one Lambda per manifest function, and CDK’s writer of the front door’s cross-region values', () => {
    const [writers, gateway] = partition(ofType(dev, 'AWS::Lambda::Function'), ([id]) =>
      id.startsWith('CustomCrossRegionExportWriter'),
    );
    expect(gateway).toHaveLength(functionNames.length);
    expect(writers).toHaveLength(1);
    for (const name of functionNames) {
      expect(resource(dev, lambdaOf(dev, name).id).Properties.Description).toBe(functions[name].description);
    }
  });

  it.each(functionNames)('runs %s on Node.js 22, arm64, traced, as an ESM bundle with source maps', (name) => {
    const { props } = lambdaOf(dev, name);
    const spec: FunctionSpec = functions[name];
    expect(props).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: spec.timeoutSeconds ?? 10,
      TracingConfig: { Mode: 'Active' },
    });
    expect(props.Environment.Variables).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'billing-gateway',
    });
  });

  it.each(functionNames)('gives %s a log group of its own, kept one month', (name) => {
    const { props } = lambdaOf(dev, name);
    const logGroup = resource(dev, props.LoggingConfig.LogGroup.Ref);
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBe(30);
  });

  it('sets an operator setting from context on exactly the functions that read it, and leaves the default otherwise', () => {
    const configured = build('dev', { tokenLifetimeDays: 30 });
    const readers = functionNames.filter((name) => functions[name].settings?.includes('tokenLifetimeDays'));

    expect(readers.sort()).toEqual(['tokens-create', 'users-create']);
    for (const name of functionNames) {
      const variables = lambdaOf(configured, name).props.Environment.Variables;
      expect([name, variables.TOKEN_LIFETIME_DAYS]).toEqual([name, readers.includes(name) ? '30' : undefined]);
      expect([name, lambdaOf(dev, name).props.Environment.Variables.TOKEN_LIFETIME_DAYS]).toEqual([name, undefined]);
    }
  });

  it("hashes passwords at OWASP's cost in every stage: no function gets the test stacks' hashing setting", () => {
    for (const built of [dev, prod]) {
      for (const name of functionNames) {
        const variables = lambdaOf(built, name).props.Environment.Variables;
        expect([built.stage, name, variables[environment.testPasswordHashing]]).toEqual([built.stage, name, undefined]);
      }
    }
  });

  it.each(functionNames)('tells %s the names of its tables and of no other', (name) => {
    const variables = lambdaOf(dev, name).props.Environment.Variables;
    const tableVariables = Object.keys(variables).filter((key) => tableNames.some((t) => tables[t].envVar === key));
    const bound = Object.keys(functions[name].tables) as TableName[];
    expect(tableVariables.sort()).toEqual(bound.map((t) => tables[t].envVar).sort());
    for (const table of bound) {
      expect(variables[tables[table].envVar]).toEqual({ Ref: logicalId(dev, dev.stack.ledger.table(table)) });
    }
  });
});

describe('bindings', () => {
  it.each(functionNames)(
    'tells %s its manifest name and every variable the manifest binds it to, as its cold start checks',
    (name) => {
      const variables = lambdaOf(dev, name).props.Environment.Variables;
      expect(variables[environment.functionName]).toBe(name);
      expect(boundVariables(functions[name]).filter((variable) => variables[variable] === undefined)).toEqual([]);
    },
  );
});

describe('least privilege', () => {
  it.each(functionNames)('lets %s reach only the tables the manifest binds it to (a stream apart)', (name) => {
    const tableIds = tableIdsByName(dev);
    const reached = new Set(
      statementsOf(dev, name)
        .filter((s) => s.Action.some((a) => a.startsWith('dynamodb:') && !streamActions.includes(a)))
        .flatMap((s) => referencedIds(s.Resource))
        .map((id) => tableIds.get(id) ?? `not a ledger table: ${id}`),
    );
    expect([...reached].sort()).toEqual(Object.keys(functions[name].tables).sort());
  });

  it.each(functionNames)('grants %s exactly the DynamoDB actions the manifest lists, table by table', (name) => {
    const tableIds = tableIdsByName(dev);
    const granted = new Map<string, Set<string>>();
    for (const statement of statementsOf(dev, name)) {
      const actions = statement.Action.filter((a) => a.startsWith('dynamodb:') && !streamActions.includes(a));
      for (const id of referencedIds(statement.Resource)) {
        const table = tableIds.get(id);
        if (!table) continue;
        for (const action of actions) granted.set(table, (granted.get(table) ?? new Set()).add(action));
      }
    }
    const spec: FunctionSpec = functions[name];
    const expected = Object.fromEntries(
      Object.entries(spec.tables).map(([table, actions]) => [table, actions.map((a) => `dynamodb:${a}`).sort()]),
    );

    expect(Object.fromEntries([...granted].map(([table, actions]) => [table, [...actions].sort()]))).toEqual(expected);
  });

  it('lets only the functions that delete hold DeleteItem, and none BatchWriteItem or Scan', () => {
    const holders = (action: string) =>
      functionNames.filter((name) => statementsOf(dev, name).some((statement) => statement.Action.includes(action)));

    expect(holders('dynamodb:DeleteItem').sort()).toEqual(
      [
        'accounts-update',
        'notifier',
        'tokens-create',
        'tokens-delete',
        'tokens-delete-all',
        'webhooks-delete',
        'ws-disconnect',
      ].sort(),
    );
    expect(holders('dynamodb:BatchWriteItem')).toEqual([]);
    expect(holders('dynamodb:Scan')).toEqual([]);
  });

  it.each(functionNames)('grants %s a wildcard resource only for the actions that support no other', (name) => {
    const spec: FunctionSpec = functions[name];
    const wildcard = statementsOf(dev, name).filter((s) => s.Resource.includes('*'));
    // X-Ray's two actions, and for a stream reader dynamodb:ListStreams, which its event source mapping needs.
    const expected = [
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
      ...(spec.stream ? ['dynamodb:ListStreams'] : []),
    ];
    expect(wildcard.flatMap((s) => s.Action).sort()).toEqual(expected.sort());
  });
});

describe('Ledger', () => {
  const attribute = ({ name, type }: { name: string; type: string }) => ({ AttributeName: name, AttributeType: type });
  const keySchema = (partitionKey: { name: string }, sortKey?: { name: string }) => [
    { AttributeName: partitionKey.name, KeyType: 'HASH' },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' }] : []),
  ];

  it('creates one table per definition of shared/adapters/tables.ts', () => {
    expect(ofType(dev, 'AWS::DynamoDB::Table')).toHaveLength(tableNames.length);
  });

  it.each(tableNames)('keeps %s through stack deletion and replacement, with point-in-time recovery', (name) => {
    const table = resource(dev, logicalId(dev, dev.stack.ledger.table(name)));
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it.each(tableNames)('builds %s with the keys, TTL and stream of its definition', (name) => {
    const definition: TableDefinition = tables[name];
    const table = resource(dev, logicalId(dev, dev.stack.ledger.table(name)));
    expect(table.Properties.KeySchema).toEqual(keySchema(definition.partitionKey, definition.sortKey));
    expect(table.Properties.AttributeDefinitions).toEqual(expect.arrayContaining([attribute(definition.partitionKey)]));
    const ttl = definition.timeToLiveAttribute;
    expect(table.Properties.TimeToLiveSpecification).toEqual(ttl ? { AttributeName: ttl, Enabled: true } : undefined);
    const stream = definition.stream;
    expect(table.Properties.StreamSpecification).toEqual(stream ? { StreamViewType: stream } : undefined);
  });

  it.each(tableNames)('gives %s exactly the indexes and projections of its definition', (name) => {
    const table = resource(dev, logicalId(dev, dev.stack.ledger.table(name)));
    const indexes: IndexDefinition[] = tables[name].indexes;
    const expected = indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: keySchema(index.partitionKey, index.sortKey),
      Projection:
        index.projection.type === 'INCLUDE'
          ? { ProjectionType: 'INCLUDE', NonKeyAttributes: index.projection.attributes }
          : { ProjectionType: index.projection.type },
    }));
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(expected.length > 0 ? expected : undefined);
  });

  it('protects prod tables from deletion, and leaves dev tables deletable by hand', () => {
    for (const name of tableNames) {
      expect(resource(prod, logicalId(prod, prod.stack.ledger.table(name))).Properties).toMatchObject({
        DeletionProtectionEnabled: true,
      });
      expect(resource(dev, logicalId(dev, dev.stack.ledger.table(name))).Properties).toMatchObject({
        DeletionProtectionEnabled: false,
      });
    }
  });
});

/** The routes of the HTTP API only; the WebSocket API has its own `$default`. */
const httpRoutes = (built: Built): [string, Resource][] => {
  const apiId = logicalId(built, built.stack.httpApi.api);
  return ofType(built, 'AWS::ApiGatewayV2::Route').filter(([, r]) => referencedIds(r.Properties.ApiId)[0] === apiId);
};

describe('HTTP API', () => {
  const routeByKey = (built: Built, key: string): Resource => {
    const found = httpRoutes(built).filter(([, r]) => r.Properties.RouteKey === key);
    expect(found).toHaveLength(1);
    return found[0]![1];
  };
  const authorizerId = (): string => {
    // The HTTP API's authorizer; the WebSocket API has its own, on $connect.
    const found = ofType(dev, 'AWS::ApiGatewayV2::Authorizer').filter(([id]) => id.startsWith('HttpApi'));
    expect(found).toHaveLength(1);
    return found[0]![0];
  };
  /** The function a route's integration invokes. */
  const targetOf = (route: Resource): string => {
    const target = z.object({ 'Fn::Join': z.tuple([z.string(), z.array(z.unknown())]) }).parse(route.Properties.Target);
    const integrationId = z.object({ Ref: z.string() }).parse(target['Fn::Join'][1][1]).Ref;
    const integration = resource(dev, integrationId);
    expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    const [functionId] = referencedIds(integration.Properties.IntegrationUri);
    if (!functionId) throw new Error(`Integration ${integrationId} invokes no function`);
    return functionId;
  };

  it('has the manifest routes and $default, nothing else', () => {
    const keys = httpRoutes(dev).map(([, r]) => r.Properties.RouteKey);
    expect(keys.sort()).toEqual([...routes.map((r) => `${r.method} ${r.path}`), '$default'].sort());
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    'serves %s with its function, behind the authorizer whatever its access level',
    (key, route) => {
      const httpRoute = routeByKey(dev, key);
      expect(targetOf(httpRoute)).toBe(lambdaOf(dev, route.function).id);
      expect({ type: httpRoute.Properties.AuthorizationType, authorizer: httpRoute.Properties.AuthorizerId }).toEqual({
        type: 'CUSTOM',
        authorizer: { Ref: authorizerId() },
      });
    },
  );

  it('answers unmatched requests with the not-found function, behind the authorizer too', () => {
    const route = routeByKey(dev, '$default');
    expect(targetOf(route)).toBe(lambdaOf(dev, 'not-found').id);
    expect(route.Properties.AuthorizationType).toBe('CUSTOM');
  });

  it('runs the authorizer on every request: no identity source, no cache, simple responses', () => {
    expect(resource(dev, authorizerId()).Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      IdentitySource: [],
      AuthorizerResultTtlInSeconds: 0,
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
    });
    expect(referencedIds(resource(dev, authorizerId()).Properties.AuthorizerUri)).toEqual([
      lambdaOf(dev, 'authorizer').id,
    ]);
  });

  it('logs every request as JSON and throttles the default stage', () => {
    const stage = resource(dev, logicalId(dev, dev.stack.httpApi.stage)).Properties;
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
    const settings = z.object({ Format: z.string() }).parse(stage.AccessLogSettings);
    expect(JSON.parse(settings.Format)).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      latency: '$context.responseLatency',
      ip: '$context.identity.sourceIp',
    });
  });

  it('has no CORS configuration', () => {
    const api = resource(dev, logicalId(dev, dev.stack.httpApi.api));
    expect(api.Properties).toMatchObject({ ProtocolType: 'HTTP' });
    expect(api.Properties).not.toHaveProperty('CorsConfiguration');
  });
});

describe('outputs', () => {
  it('outputs the URLs of both APIs', () => {
    expect(dev.outputs.HttpApiUrl?.Value).toEqual(dev.stack.resolve(dev.stack.httpApi.stage.url));
    expect(dev.outputs.WebSocketUrl?.Value).toEqual(dev.stack.resolve(dev.stack.realtime.stage.url));
  });

  it.each(tableNames)('outputs the name of the %s table, as admin:create and operators need it', (name) => {
    expect(dev.outputs[`${pascalCase(name)}Table`]).toEqual({
      Value: { Ref: logicalId(dev, dev.stack.ledger.table(name)) },
      Description: expect.stringContaining(tables[name].envVar),
    });
  });

  it.each(queueNames)('outputs the URL of the %s queue', (name) => {
    expect(dev.outputs[`${pascalCase(name)}QueueUrl`]).toEqual({
      Value: { Ref: logicalId(dev, dev.stack.pipeline.queue(name).queue) },
      Description: expect.stringContaining(queues[name].envVar),
    });
  });

  it('outputs the alarm topic, so operators can subscribe to it', () => {
    expect(dev.outputs.AlarmTopicArn?.Value).toEqual({ Ref: logicalId(dev, dev.stack.monitoring.topic) });
  });
});

describe('stack hygiene', () => {
  // The property that names a resource of each type; elsewhere the same key is only a reference (a Lambda
  // permission's FunctionName is the function's ARN).
  const physicalNames: Record<string, string> = {
    'AWS::Lambda::Function': 'FunctionName',
    'AWS::DynamoDB::Table': 'TableName',
    'AWS::Logs::LogGroup': 'LogGroupName',
    'AWS::IAM::Role': 'RoleName',
    'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
    'AWS::SQS::Queue': 'QueueName',
    'AWS::SNS::Topic': 'TopicName',
    'AWS::S3::Bucket': 'BucketName',
    'AWS::CloudWatch::Alarm': 'AlarmName',
    'AWS::Events::Rule': 'Name',
    'AWS::CloudWatch::Dashboard': 'DashboardName',
    'AWS::Scheduler::Schedule': 'Name',
    'AWS::StepFunctions::StateMachine': 'StateMachineName',
  };

  it('names no resource physically, so CloudFormation can always replace it, in either stack', () => {
    for (const built of [dev, prod]) {
      const named = [...Object.entries(built.resources), ...Object.entries(built.frontDoorResources)].flatMap(
        ([id, r]) => {
          const key = physicalNames[r.Type];
          return key !== undefined && key in r.Properties ? [`${id}.${key}`] : [];
        },
      );
      expect(named).toEqual([]);
    }
  });

  it('removes dev log groups with the stack and keeps prod ones', () => {
    for (const [built, policy] of [
      [dev, 'Delete'],
      [prod, 'Retain'],
    ] as const) {
      const logGroups = ofType(built, 'AWS::Logs::LogGroup');
      expect(logGroups.length).toBeGreaterThan(functionNames.length);
      for (const [, logGroup] of logGroups) expect(logGroup.DeletionPolicy).toBe(policy);
    }
  });

  it('leaves no cdk-nag finding unacknowledged, error or warning, and no error annotation, in either stack', () => {
    for (const built of [dev, prod]) {
      const errors = [built.stack, built.frontDoor]
        .flatMap((stack) => Annotations.fromStack(stack).findError('*', Match.anyValue()))
        .map((message) => `${message.id}: ${JSON.stringify(message.entry.data)}`);
      expect({ stage: built.stage, findings: nagFindings(built), errors }).toEqual({
        stage: built.stage,
        findings: [],
        errors: [],
      });
    }
  });

  it.each(functionNames)(
    'acknowledges the latest-runtime rules on %s for the pinned Node.js 22, saying why',
    (name) => {
      const acknowledged = nagSuppressions(resource(dev, lambdaOf(dev, name).id)).filter((s) =>
        ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion'].includes(s.id),
      );
      expect(acknowledged.map((s) => s.id).sort()).toEqual(['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']);
      for (const { reason } of acknowledged) expect(reason).toMatch(/pins Lambda to Node\.js 22.*Runtime\.ALL/);
    },
  );

  it('acknowledges no HTTP route without authorization', () => {
    const acknowledged = httpRoutes(dev)
      .filter(([, route]) => nagSuppressionIds(route).includes('AwsSolutions-APIG4'))
      .map(([, route]) => z.string().parse(route.Properties.RouteKey));
    expect(acknowledged).toEqual([]);
  });

  it('never acknowledges point-in-time recovery, queue encryption or TLS-only queues and topics', () => {
    const neverAcknowledged = ['AwsSolutions-DDB3', 'AwsSolutions-SQS2', 'AwsSolutions-SQS4', 'AwsSolutions-SNS3'];
    for (const built of [dev, prod]) {
      const acknowledged = Object.entries(built.resources).flatMap(([id, r]) =>
        nagSuppressionIds(r)
          .filter((rule) => neverAcknowledged.includes(rule))
          .map((rule) => `${id}: ${rule}`),
      );
      expect(acknowledged).toEqual([]);
    }
  });

  it('acknowledges a queue without dead-letter queue only where it is itself a dead-letter destination', () => {
    const destinations = new Set([
      ...ofType(dev, 'AWS::SQS::Queue').flatMap(([, q]) => referencedIds(q.Properties.RedrivePolicy)),
      ...ofType(dev, 'AWS::Lambda::EventSourceMapping').flatMap(([, m]) =>
        referencedIds(m.Properties.DestinationConfig),
      ),
      ...ofType(dev, 'AWS::Events::Rule').flatMap(([, rule]) =>
        z
          .array(z.object({ DeadLetterConfig: z.unknown().optional() }))
          .parse(rule.Properties.Targets)
          .flatMap((target) => referencedIds(target.DeadLetterConfig)),
      ),
    ]);
    const acknowledged = ofType(dev, 'AWS::SQS::Queue')
      .filter(([, q]) =>
        nagSuppressionIds(q).some((id) => ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'].includes(id)),
      )
      .map(([id]) => id);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.filter((id) => !destinations.has(id))).toEqual([]);
    const working = ofType(dev, 'AWS::SQS::Queue').filter(([id]) => !destinations.has(id));
    for (const [, queue] of working) expect(nagSuppressions(queue)).toEqual([]);
  });

  it('acknowledges a missing on-failure destination only on SQS event source mappings, which take none', () => {
    for (const [, mapping] of ofType(dev, 'AWS::Lambda::EventSourceMapping')) {
      const acknowledged = nagSuppressionIds(mapping).includes('Serverless-LambdaEventSourceMappingDestination');
      const fromQueue = referencedIds(mapping.Properties.EventSourceArn).some(
        (id) => resource(dev, id).Type === 'AWS::SQS::Queue',
      );
      const hasDestination = JSON.stringify(mapping.Properties.DestinationConfig ?? {}).includes('"Destination"');
      // Exactly one of the two: a stream mapping has its destination, an SQS mapping its acknowledgement.
      expect({ fromQueue, acknowledged, hasDestination }).toEqual({
        fromQueue,
        acknowledged: fromQueue,
        hasDestination: !fromQueue,
      });
    }
  });

  it('acknowledges nothing on tables, so point-in-time recovery and the rest stay checked', () => {
    for (const [, table] of ofType(dev, 'AWS::DynamoDB::Table')) expect(nagSuppressionIds(table)).toEqual([]);
  });
});
