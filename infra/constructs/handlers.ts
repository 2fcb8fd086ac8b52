import { Construct } from 'constructs';
import {
  authorizer,
  defaultRoute,
  type FunctionName,
  functions,
  type FunctionSpec,
  routes,
  settings,
  websocketAuthorizer,
  websocketRoutes,
  type TableAccess,
} from '../../functions/manifest';
import type { TableName } from '../../shared/adapters/tables';
import { acknowledge } from './compliance';
import { GatewayFunction } from './function';
import type { Ledger } from './ledger';
import { pascalCase } from './names';
import type { DeploymentStage } from './stage';

export interface HandlersProps {
  stage: DeploymentStage;
  ledger: Ledger;
}

const tableBindings = (spec: FunctionSpec): [TableName, TableAccess][] =>
  (Object.keys(spec.tables) as TableName[]).flatMap((table) => {
    const access = spec.tables[table];
    return access ? [[table, access] as [TableName, TableAccess]] : [];
  });

const calledByApi = (name: FunctionName): boolean =>
  name === authorizer ||
  name === websocketAuthorizer ||
  name === defaultRoute ||
  routes.some((route) => route.function === name) ||
  websocketRoutes.some((route) => route.function === name);

/**
 * Why a function needs no Lambda dead-letter queue, from how the manifest says it is invoked. A Lambda DLQ only ever
 * receives failed asynchronous invocations; a function with no reason here keeps cdk-nag's finding.
 */
const noDeadLetterQueueReasons = (name: FunctionName, spec: FunctionSpec): string[] => [
  ...(calledByApi(name)
    ? ['API Gateway invokes it synchronously and the caller receives the error; no invocation is ever queued.']
    : []),
  ...(spec.consumes
    ? [
        "Its SQS event source mapping invokes it synchronously; a message that keeps failing goes to the queue's own " +
          'dead-letter queue through the redrive policy, not to a Lambda DLQ.',
      ]
    : []),
  ...(spec.stream
    ? [
        'Its DynamoDB stream event source mapping invokes it synchronously; records that keep failing go to the ' +
          "mapping's on-failure destination, not to a Lambda DLQ.",
      ]
    : []),
  ...(spec.schedule
    ? [
        `A schedule runs it every ${spec.schedule.everyMinutes} min and each run starts from what DynamoDB holds, so ` +
          'a failed run is repaired by the next one; errors surface through its metrics.',
      ]
    : []),
];

/**
 * Every Lambda of `functions/manifest.ts`, each bound to exactly the tables and access the manifest gives it; the HTTP
 * API, the payment pipeline and the realtime API wire them to their triggers, queues and connections.
 * Defaults: those of `GatewayFunction`; construct ids are the manifest names in PascalCase.
 */
export class Handlers extends Construct {
  private readonly byName = new Map<FunctionName, GatewayFunction>();

  constructor(scope: Construct, id: string, { stage, ledger }: HandlersProps) {
    super(scope, id);
    for (const name of Object.keys(functions) as FunctionName[]) {
      const spec: FunctionSpec = functions[name];
      const fn = new GatewayFunction(this, pascalCase(name), { name, spec, stage });
      for (const [table, access] of tableBindings(spec)) fn.bindTable(ledger.table(table), access);
      // An operator setting given as context (`-c tokenLifetimeDays=30`) reaches the functions that read it.
      for (const setting of spec.settings ?? []) {
        const value: unknown = this.node.tryGetContext(setting);
        if (typeof value === 'string' || typeof value === 'number') {
          fn.addEnvironment(settings[setting].envVar, String(value));
        }
      }

      const reasons = noDeadLetterQueueReasons(name, spec);
      if (reasons.length > 0) {
        acknowledge(fn, { id: 'Serverless-LambdaDLQ', reason: reasons.join(' ') });
      }
      this.byName.set(name, fn);
    }
  }

  /** The Lambda built for a manifest function. */
  function(name: FunctionName): GatewayFunction {
    const fn = this.byName.get(name);
    if (!fn) throw new Error(`No handler was built for ${name}`);
    return fn;
  }

  /** Every Lambda, by manifest name. */
  entries(): [FunctionName, GatewayFunction][] {
    return [...this.byName];
  }
}
