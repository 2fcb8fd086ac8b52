import { App, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { acknowledge, addComplianceChecks } from '../../infra/constructs/compliance';
import { cdkContext, nagFindings } from './synth';

// A throwaway app with deliberately non-compliant resources: the checks the gateway's stack passes can fail.
const throwaway = (failSynth: boolean) => {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: {
      ...cdkContext,
      '@aws-cdk/core:appMode': 'inmemory',
      '@aws-cdk/core:failSynthOnValidationErrors': failSynth,
    },
  });
  const stack = new Stack(app, 'Throwaway');
  return { app, stack };
};

const lambdaOn = (stack: Stack, id: string, runtime: Runtime) =>
  new LambdaFunction(stack, id, {
    runtime,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = () => {}'),
  });

describe('cdk-nag checks', () => {
  it.each([
    { level: 'an error', rule: 'AwsSolutions-SQS3', make: (stack: Stack) => new Queue(stack, 'Plain') },
    {
      level: 'a warning',
      rule: 'AwsSolutions-DDB3',
      make: (stack: Stack) => new Table(stack, 'Plain', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
    },
  ])('fail the synthesis on $level no one acknowledged ($rule), naming the rule and the resource', ({ rule, make }) => {
    const { app, stack } = throwaway(true);
    make(stack);
    addComplianceChecks(app);
    expect(() => app.synth()).toThrow(new RegExp(`Throwaway/Plain/Resource[\\s\\S]*${rule}`));
  });

  it('take an acknowledgement on the one resource it names, for the one rule it names', () => {
    const { app, stack } = throwaway(false);
    new Queue(stack, 'Plain');
    acknowledge(new Queue(stack, 'Acknowledged'), { id: 'AwsSolutions-SQS3', reason: 'a test of acknowledge()' });
    const nagPacks = addComplianceChecks(app);
    const findings = nagFindings({ app, nagPacks }).filter((f) => f.startsWith('AwsSolutions-SQS'));
    expect(findings.sort()).toEqual([
      'AwsSolutions-SQS3 (error): Throwaway/Plain/Resource',
      'AwsSolutions-SQS4 (error): Throwaway/Acknowledged/Resource',
      'AwsSolutions-SQS4 (error): Throwaway/Plain/Resource',
    ]);
  });

  it('acknowledge a wildcard finding only as Rule[finding], never by the bare rule id', () => {
    const { app, stack } = throwaway(false);
    const role = (id: string) => {
      const r = new Role(stack, id, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
      r.addToPolicy(new PolicyStatement({ actions: ['xray:PutTraceSegments'], resources: ['*'] }));
      return r;
    };
    Validations.of(role('Bare')).acknowledge({ id: 'AwsSolutions-IAM5', reason: 'a test of the bare id' });
    Validations.of(role('Finding')).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'a test' });
    const nagPacks = addComplianceChecks(app);
    expect(nagFindings({ app, nagPacks }).filter((f) => f.startsWith('AwsSolutions-IAM5'))).toEqual([
      'AwsSolutions-IAM5[Resource::*] (error): Throwaway/Bare/DefaultPolicy/Resource',
    ]);
  });

  it("report Node.js 22 as not the latest runtime, as they compare with the newest of aws-cdk-lib's Runtime.ALL", () => {
    const { app, stack } = throwaway(false);
    lambdaOn(stack, 'Node22', Runtime.NODEJS_22_X);
    lambdaOn(stack, 'Node24', Runtime.NODEJS_24_X);
    const nagPacks = addComplianceChecks(app);
    const runtimeRules = ['AwsSolutions-L1 ', 'Serverless-LambdaLatestVersion '];
    expect(nagFindings({ app, nagPacks }).filter((f) => runtimeRules.some((rule) => f.startsWith(rule)))).toEqual([
      'AwsSolutions-L1 (error): Throwaway/Node22/Resource',
      'Serverless-LambdaLatestVersion (error): Throwaway/Node22/Resource',
    ]);
  });
});
