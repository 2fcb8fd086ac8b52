import { readFileSync } from 'node:fs';
import { App, CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import * as z from 'zod';
import { type FunctionName, functions, type QueueName, queues } from '../../functions/manifest';
import { type TableName, tables } from '../../shared/adapters/tables';
import type { BillingGatewayStack } from '../../infra/constructs/billing-gateway-stack';
import type { FrontDoorStack } from '../../infra/constructs/front-door-stack';
import { addGateway } from '../../infra/constructs/gateway';
import { addComplianceChecks } from '../../infra/constructs/compliance';
import type { DeploymentStage } from '../../infra/constructs/stage';

// Each stage is synthesized once per test file. `aws:cdk:bundling-stacks` is the context the CDK CLI itself sets to say
// which stacks need their assets bundled (`[]` for commands that deploy nothing): with `[]`, NodejsFunction's asset
// points at the source folder instead of running esbuild 20-odd times, and the template differs only in asset hashes.
// The context of cdk.json (feature flags) is read here because only the CLI passes it to an in-process App.
const cdkJson = z.object({ context: z.record(z.string(), z.unknown()) });
export const cdkContext = cdkJson.parse(
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')),
).context;

const resourceSchema = z.object({
  Type: z.string(),
  Properties: z.record(z.string(), z.unknown()).default({}),
  DeletionPolicy: z.string().optional(),
  UpdateReplacePolicy: z.string().optional(),
  DependsOn: z.union([z.string(), z.array(z.string())]).optional(),
  Metadata: z.record(z.string(), z.unknown()).default({}),
});
export type Resource = z.infer<typeof resourceSchema>;
const templateSchema = z.object({
  Resources: z.record(z.string(), resourceSchema),
  Outputs: z.record(z.string(), z.object({ Value: z.unknown(), Description: z.string().optional() })).default({}),
});

export const lambdaSchema = z.object({
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
  Principal: z.unknown().optional(),
  Condition: z.unknown().optional(),
});
export type Statement = z.infer<typeof statementSchema>;
export const policyDocumentSchema = z.object({ Statement: z.array(statementSchema) });
const policySchema = z.object({ PolicyDocument: policyDocumentSchema, Roles: z.array(z.object({ Ref: z.string() })) });

const suppressionsSchema = z
  .object({ cdk_nag: z.object({ rules_to_suppress: z.array(z.object({ id: z.string(), reason: z.string() })) }) })
  .partial();

export interface Built {
  stage: DeploymentStage;
  app: App;
  stack: BillingGatewayStack;
  /** The cdk-nag packs registered on `app`, as `cdk synth` runs them. */
  nagPacks: NagPack[];
  template: Template;
  resources: Record<string, Resource>;
  outputs: z.infer<typeof templateSchema>['Outputs'];
  /** `BillingGatewayFrontDoor-<stage>`, in us-east-1. */
  frontDoor: FrontDoorStack;
  frontDoorTemplate: Template;
  frontDoorResources: Record<string, Resource>;
  frontDoorOutputs: z.infer<typeof templateSchema>['Outputs'];
}

/**
 * The stack of one stage, as `cdk synth` builds it (cdk-nag included), minus the esbuild runs and aws-cdk-lib's own
 * CloudFormation validation (warnings only, a second per synth here; `cdk synth` runs it and CI runs cfn-lint). A
 * cdk-nag finding does not stop this synth (`failSynthOnValidationErrors` off): `nagFindings` lists it, so one test
 * fails rather than every test.
 */
export const build = (stage: DeploymentStage, extraContext: Record<string, unknown> = {}): Built => {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: {
      ...cdkContext,
      stage,
      'aws:cdk:bundling-stacks': [],
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      ...extraContext,
    },
  });
  const { gateway: stack, frontDoor } = addGateway(app, stage, { account: '111111111111', region: 'eu-west-1' });
  const nagPacks = addComplianceChecks(app);
  const template = Template.fromStack(stack);
  const parsed = templateSchema.parse(template.toJSON());
  const frontDoorTemplate = Template.fromStack(frontDoor);
  const frontDoorParsed = templateSchema.parse(frontDoorTemplate.toJSON());
  return {
    stage,
    app,
    stack,
    nagPacks,
    template,
    resources: parsed.Resources,
    outputs: parsed.Outputs,
    frontDoor,
    frontDoorTemplate,
    frontDoorResources: frontDoorParsed.Resources,
    frontDoorOutputs: frontDoorParsed.Outputs,
  };
};

/** Every finding the registered cdk-nag packs report on the app, as `rule (severity): construct path`. */
export const nagFindings = ({ app, nagPacks }: Pick<Built, 'app' | 'nagPacks'>): string[] =>
  nagPacks.flatMap((pack) =>
    pack
      .validateScope(app)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} (${v.severity}): ${r.constructPath}`)),
  );

export const functionNames = Object.keys(functions) as FunctionName[];
export const tableNames = Object.keys(tables) as TableName[];
export const queueNames = Object.keys(queues) as QueueName[];

export const logicalId = ({ stack }: Built, construct: IConstruct): string => {
  const resource = construct.node.defaultChild;
  if (!(resource instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return stack.getLogicalId(resource);
};

export const resource = ({ resources }: Built, id: string): Resource => {
  const found = resources[id];
  if (!found) throw new Error(`No resource ${id} in the template`);
  return found;
};

export const ofType = ({ resources }: Built, type: string): [string, Resource][] =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

export const lambdaOf = (built: Built, name: FunctionName) => {
  const id = logicalId(built, built.stack.handlers.function(name));
  return { id, props: lambdaSchema.parse(resource(built, id).Properties) };
};

/** Every statement of every policy attached to the function's role. */
export const statementsOf = (built: Built, name: FunctionName): Statement[] => {
  const roleId = lambdaOf(built, name).props.Role['Fn::GetAtt'][0];
  return ofType(built, 'AWS::IAM::Policy')
    .map(([, r]) => policySchema.parse(r.Properties))
    .filter((policy) => policy.Roles.some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.PolicyDocument.Statement);
};

/** The logical ids a value points at, through `Ref` and `Fn::GetAtt` (also inside `Fn::Join`). */
export const referencedIds = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    if (key === 'Fn::GetAtt' && Array.isArray(inner) && typeof inner[0] === 'string') return [inner[0]];
    if (key === 'Ref' && typeof inner === 'string' && !inner.startsWith('AWS::')) return [inner];
    return referencedIds(inner);
  });
};

/** The logical ids of the resources whose ARN (or stream ARN) a function's statements grant `action` on. */
export const grantedIds = (built: Built, name: FunctionName, action: string): string[] => [
  ...new Set(
    statementsOf(built, name)
      .filter((s) => s.Effect === 'Allow' && s.Action.includes(action))
      .flatMap((s) => referencedIds(s.Resource)),
  ),
];

export const nagSuppressions = (r: Resource): { id: string; reason: string }[] =>
  suppressionsSchema.parse(r.Metadata).cdk_nag?.rules_to_suppress ?? [];

export const nagSuppressionIds = (r: Resource): string[] => nagSuppressions(r).map((s) => s.id);

/** The one resource of `type` whose property `key` equals `value`. */
export const onlyWith = (built: Built, type: string, key: string, value: unknown): [string, Resource] => {
  const found = ofType(built, type).filter(([, r]) => JSON.stringify(r.Properties[key]) === JSON.stringify(value));
  if (found.length !== 1) throw new Error(`${found.length} ${type} with ${key} = ${JSON.stringify(value)}`);
  return found[0]!;
};
