import { readFileSync } from 'node:fs';
import { App, CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import * as z from 'zod';
import { type FunctionName, functions, type FunctionSpec, routes } from '../../functions/manifest';
import { type IndexDefinition, type TableDefinition, type TableName, tables } from '../../shared/db/tables';
import { BillingGatewayStack } from '../../infra/constructs/billing-gateway-stack';
import { addComplianceChecks } from '../../infra/constructs/compliance';
import type { DeploymentStage } from '../../infra/constructs/stage';

// Each stage is synthesized once per file. `aws:cdk:bundling-stacks` is the context the CDK CLI itself sets to say which
// stacks need their assets bundled (`[]` for commands that deploy nothing): with `[]`, NodejsFunction's asset points at
// the source folder instead of running esbuild 20-odd times, and the template differs only in asset hashes. The
// context of cdk.json (feature flags) is read here because only the CLI passes it to an in-process App.
const cdkJson = z.object({ context: z.record(z.string(), z.unknown()) });
const { context } = cdkJson.parse(JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')));

const resourceSchema = z.object({
  Type: z.string(),
  Properties: z.record(z.string(), z.unknown()).default({}),
  DeletionPolicy: z.string().optional(),
  UpdateReplacePolicy: z.string().optional(),
  Metadata: z.record(z.string(), z.unknown()).default({}),
});
type Resource = z.infer<typeof resourceSchema>;
const templateSchema = z.object({ Resources: z.record(z.string(), resourceSchema) });

const lambdaSchema = z.object({
  Runtime: z.string(),
  Architectures: z.array(z.string()),
  Handler: z.string(),
  MemorySize: z.number(),
  Timeout: z.number(),
  TracingConfig: z.object({ Mode: z.string() }),
  Role: z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.literal('Arn')]) }),
  LoggingConfig: z.object({ LogGroup: z.object({ Ref: z.string() }) }),
  Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }),
});

const statementSchema = z.object({
  Effect: z.string(),
  Action: z.union([z.string(), z.array(z.string())]).transform((a) => (Array.isArray(a) ? a : [a])),
  Resource: z.unknown().transform((r) => ([] as unknown[]).concat(r)),
});
const policySchema = z.object({
  PolicyDocument: z.object({ Statement: z.array(statementSchema) }),
  Roles: z.array(z.object({ Ref: z.string() })),
});
type Statement = z.infer<typeof statementSchema>;

const suppressionsSchema = z
  .object({ cdk_nag: z.object({ rules_to_suppress: z.array(z.object({ id: z.string(), reason: z.string() })) }) })
  .partial();

interface Built {
  stack: BillingGatewayStack;
  template: Template;
  resources: Record<string, Resource>;
}

const build = (stage: DeploymentStage): Built => {
  const app = new App({ context: { ...context, stage, 'aws:cdk:bundling-stacks': [] } });
  const stack = new BillingGatewayStack(app, `BillingGateway-${stage}`, { stage });
  addComplianceChecks(app);
  const template = Template.fromStack(stack);
  return { stack, template, resources: templateSchema.parse(template.toJSON()).Resources };
};

let dev: Built;
let prod: Built;

beforeAll(() => {
  dev = build('dev');
  prod = build('prod');
}, 120_000);

const logicalId = ({ stack }: Built, construct: IConstruct): string => {
  const resource = construct.node.defaultChild;
  if (!(resource instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return stack.getLogicalId(resource);
};

const resource = ({ resources }: Built, id: string): Resource => {
  const found = resources[id];
  if (!found) throw new Error(`No resource ${id} in the template`);
  return found;
};

const ofType = ({ resources }: Built, type: string): [string, Resource][] =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

const functionNames = Object.keys(functions) as FunctionName[];
const tableNames = Object.keys(tables) as TableName[];

const lambdaOf = (built: Built, name: FunctionName) => {
  const id = logicalId(built, built.stack.handlers.function(name));
  return { id, props: lambdaSchema.parse(resource(built, id).Properties) };
};

/** Every statement of every policy attached to the function's role. */
const statementsOf = (built: Built, name: FunctionName): Statement[] => {
  const roleId = lambdaOf(built, name).props.Role['Fn::GetAtt'][0];
  return ofType(built, 'AWS::IAM::Policy')
    .map(([, r]) => policySchema.parse(r.Properties))
    .filter((policy) => policy.Roles.some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.PolicyDocument.Statement);
};

/** The logical ids an IAM resource entry points at, through `Fn::GetAtt` (also inside `Fn::Join`). */
const referencedIds = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === 'Fn::GetAtt' && Array.isArray(inner) && typeof inner[0] === 'string' ? [inner[0]] : referencedIds(inner),
  );
};

const tableIdsByName = (built: Built): Map<string, TableName> =>
  new Map(tableNames.map((name) => [logicalId(built, built.stack.ledger.table(name)), name]));

const nagSuppressions = (r: Resource): string[] =>
  (suppressionsSchema.parse(r.Metadata).cdk_nag?.rules_to_suppress ?? []).map((s) => s.id);

const writeActions = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

describe('Lambdas', () => {
  it('deploys exactly one Lambda per manifest function', () => {
    expect(ofType(dev, 'AWS::Lambda::Function')).toHaveLength(functionNames.length);
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

describe('least privilege', () => {
  it.each(functionNames)('lets %s reach only the tables the manifest binds it to', (name) => {
    const tableIds = tableIdsByName(dev);
    const reached = new Set(
      statementsOf(dev, name)
        .filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')))
        .flatMap((s) => referencedIds(s.Resource))
        .map((id) => tableIds.get(id) ?? `not a ledger table: ${id}`),
    );
    expect([...reached].sort()).toEqual(Object.keys(functions[name].tables).sort());
  });

  it.each(functionNames)('never lets %s write a table it may only read', (name) => {
    const tableIds = tableIdsByName(dev);
    const spec: FunctionSpec = functions[name];
    const writesToReadOnly = statementsOf(dev, name)
      .filter((statement) =>
        referencedIds(statement.Resource).some((id) => {
          const table = tableIds.get(id);
          return table !== undefined && spec.tables[table] === 'read';
        }),
      )
      .flatMap((statement) => statement.Action.filter((action) => writeActions.includes(action)));
    expect(writesToReadOnly).toEqual([]);
  });

  it.each(functionNames)('grants %s a wildcard resource only for the X-Ray actions that require one', (name) => {
    const wildcard = statementsOf(dev, name).filter((s) => s.Resource.includes('*'));
    expect(wildcard.flatMap((s) => s.Action).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });
});

describe('Ledger', () => {
  const attribute = ({ name, type }: { name: string; type: string }) => ({ AttributeName: name, AttributeType: type });
  const keySchema = (partitionKey: { name: string }, sortKey?: { name: string }) => [
    { AttributeName: partitionKey.name, KeyType: 'HASH' },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' }] : []),
  ];

  it('creates one table per definition of shared/db/tables.ts', () => {
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

describe('HTTP API', () => {
  const routeByKey = (built: Built, key: string): Resource => {
    const found = ofType(built, 'AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.RouteKey === key);
    expect(found).toHaveLength(1);
    return found[0]![1];
  };
  const authorizerId = (): string => {
    const found = ofType(dev, 'AWS::ApiGatewayV2::Authorizer');
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
    const keys = ofType(dev, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
    expect(keys.sort()).toEqual([...routes.map((r) => `${r.method} ${r.path}`), '$default'].sort());
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    'serves %s with its function and the authorization its access level requires',
    (key, route) => {
      const httpRoute = routeByKey(dev, key);
      expect(targetOf(httpRoute)).toBe(lambdaOf(dev, route.function).id);
      expect({ type: httpRoute.Properties.AuthorizationType, authorizer: httpRoute.Properties.AuthorizerId }).toEqual(
        route.access === 'public'
          ? { type: 'NONE', authorizer: undefined }
          : { type: 'CUSTOM', authorizer: { Ref: authorizerId() } },
      );
    },
  );

  it('answers unmatched requests with the not-found function, without authorizer', () => {
    const route = routeByKey(dev, '$default');
    expect(targetOf(route)).toBe(lambdaOf(dev, 'not-found').id);
    expect(route.Properties.AuthorizationType).toBe('NONE');
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
    const stages = ofType(dev, 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const stage = stages[0]![1].Properties;
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
    const apis = ofType(dev, 'AWS::ApiGatewayV2::Api');
    expect(apis.map(([, api]) => api.Properties.CorsConfiguration)).toEqual([undefined]);
  });

  it('outputs the API URL', () => {
    expect(Object.keys(dev.template.findOutputs('*', { Description: Match.stringLikeRegexp('URL') }))).toHaveLength(1);
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
    'AWS::Scheduler::Schedule': 'Name',
    'AWS::StepFunctions::StateMachine': 'StateMachineName',
  };

  it('names no resource physically, so CloudFormation can always replace it', () => {
    for (const built of [dev, prod]) {
      const named = Object.entries(built.resources).flatMap(([id, r]) => {
        const key = physicalNames[r.Type];
        return key !== undefined && key in r.Properties ? [`${id}.${key}`] : [];
      });
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

  it('leaves no cdk-nag error or warning unacknowledged', () => {
    for (const built of [dev, prod]) {
      const annotations = Annotations.fromStack(built.stack);
      const findings = [
        ...annotations.findError('*', Match.stringLikeRegexp('.*')),
        ...annotations.findWarning('*', Match.stringLikeRegexp('^(AwsSolutions|Serverless)-')),
      ].map((message) => `${message.id}: ${JSON.stringify(message.entry.data)}`);
      expect(findings).toEqual([]);
    }
  });

  it('acknowledges a route without authorizer only where the manifest says public', () => {
    const publicKeys = new Set([...routes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.path}`)]);
    publicKeys.add('$default');
    for (const [, route] of ofType(dev, 'AWS::ApiGatewayV2::Route')) {
      const key = z.string().parse(route.Properties.RouteKey);
      expect([key, nagSuppressions(route).includes('AwsSolutions-APIG4')]).toEqual([key, publicKeys.has(key)]);
    }
  });

  it('acknowledges nothing on tables, so point-in-time recovery and the rest stay checked', () => {
    for (const [, table] of ofType(dev, 'AWS::DynamoDB::Table')) expect(nagSuppressions(table)).toEqual([]);
  });
});
