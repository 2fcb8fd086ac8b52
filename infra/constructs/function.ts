import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { CfnApi, type WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  environment,
  type FunctionName,
  type FunctionSpec,
  type TableAccess,
  telemetry,
} from '../../functions/manifest';
import { lambdaBundling } from '../bundling';
import { acknowledge, nagPart } from './compliance';
import type { LedgerTable } from './ledger';
import { type DeploymentStage, logRemovalPolicy } from './stage';

/** The project root: manifest entries and the lock file are relative to it. */
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The service name every structured log line and trace carries. */
export const serviceName = 'billing-gateway';

/** The CloudWatch namespace of the gateway's own metrics (Powertools Metrics reads it from the environment). */
export const metricsNamespace = telemetry.namespace;

/** What a function gets when its spec says nothing: API handlers answer well within it, and API Gateway waits 30 s. */
export const defaultTimeout = Duration.seconds(10);

export interface GatewayFunctionProps {
  /** Its name in the manifest, which it is told, so that it checks at cold start that it got all its bindings. */
  name: FunctionName;
  spec: FunctionSpec;
  stage: DeploymentStage;
}

/**
 * One Lambda of the manifest, bundled from its TypeScript entry.
 * Defaults: Node.js 22 on arm64; an ESM bundle (esbuild, minified, source maps, `module` before `main`, the AWS SDK
 * bundled rather than taken from the runtime, so the pinned SDK line is the one that runs: infra/bundling.ts, which the
 * bundle test and benchmark build with too); 1024 MB; the spec's timeout or 10 s; X-Ray tracing; its own log group
 * kept one month (retained in `prod`); its manifest name, the stage and the metrics namespace in its environment; a
 * role that may write only that log group until a `bind*` helper grants it more.
 */
export class GatewayFunction extends NodejsFunction {
  /** The manifest entry this function was built from: its triggers, queues and tables. */
  readonly spec: FunctionSpec;

  constructor(scope: Construct, id: string, { name, spec, stage }: GatewayFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: logRemovalPolicy(stage),
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: that managed policy may create and write any log group.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: join(projectRoot, spec.entry),
      handler: 'handler',
      description: spec.description,
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 1024,
      timeout: spec.timeoutSeconds === undefined ? defaultTimeout : Duration.seconds(spec.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
        // The dimension that keeps the metrics of two stages in one account apart.
        [environment.stage]: stage,
        [environment.functionName]: name,
      },
      bundling: lambdaBundling,
    });
    this.spec = spec;

    // The runtime is a design decision (DESIGN.md: Node.js 22), not something to fix by a nag finding. The
    // acknowledgement names that exact runtime, so an older one is still reported and a newer one needs none.
    if (this.runtime === Runtime.NODEJS_22_X) {
      const reason =
        'DESIGN.md pins Lambda to Node.js 22, the version the code is built and tested for, and a supported LTS ' +
        "runtime. The rule compares the runtime with the newest of its family in aws-cdk-lib's Runtime.ALL, " +
        'nodejs24.x. Moving to it is a design decision, taken with the dependencies it affects.';
      acknowledge(this, { id: 'AwsSolutions-L1', reason }, { id: 'Serverless-LambdaLatestVersion', reason });
    }

    // On the role and everything below it (its default policy), as every grant to this function lands there.
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level ' +
        'permissions, so their resource can only be "*".',
    });
  }

  /**
   * Lets this function perform exactly these actions on a ledger table (and its indexes) and tells it the table's
   * name, in one step so neither can be forgotten.
   */
  bindTable(table: LedgerTable, actions: TableAccess): this {
    table.grant(this, ...actions.map((action) => `dynamodb:${action}`));
    this.addEnvironment(table.envVar, table.tableName);
    if (table.definition.indexes.length > 0 && this.role) {
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${table.logicalId}.Arn>/index/*]`,
        reason:
          "Querying a global secondary index needs the index ARN: the grant names this table's own indexes " +
          '(its ARN followed by /index/*), never another table.',
      });
    }
    return this;
  }

  /** Lets this function send to a queue, and only send, and tells it the queue's URL through `envVar`. */
  bindQueueSender(queue: IQueue, envVar: string): this {
    queue.grantSendMessages(this);
    this.addEnvironment(envVar, queue.queueUrl);
    return this;
  }

  /** Lets this function put events on one bus, and only put, and tells it the bus's name. */
  bindEventBus(bus: IEventBus): this {
    bus.grantPutEventsTo(this);
    this.addEnvironment(environment.eventBus, bus.eventBusName);
    return this;
  }

  /**
   * Lets this function push to (and drop) the connections of one WebSocket stage through its `@connections`
   * management API, and tells it that API's endpoint (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`).
   */
  bindConnections(stage: WebSocketStage): this {
    stage.grantManagementApiAccess(this);
    this.addEnvironment(environment.websocketEndpoint, stage.callbackUrl);
    const api = stage.api.node.defaultChild;
    if (this.role && api instanceof CfnApi) {
      const stack = Stack.of(this);
      const apiId = stack.getLogicalId(api);
      const arn = `arn:${nagPart(stack.partition, 'AWS::Partition')}:execute-api:${nagPart(stack.region, 'AWS::Region')}:${nagPart(stack.account, 'AWS::AccountId')}`;
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${arn}:<${apiId}>/${stage.stageName}/*/@connections/*]`,
        reason:
          'execute-api:ManageConnections is granted on one stage of one WebSocket API; the trailing wildcards ' +
          'stand for the HTTP method and the connection id, which exists only once a client has connected.',
      });
    }
    return this;
  }
}
