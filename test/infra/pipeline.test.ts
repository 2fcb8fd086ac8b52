import { App, Stack } from 'aws-cdk-lib';
import * as z from 'zod';
import { type FunctionName, functions, type FunctionSpec, queues } from '../../functions/manifest';
import { GatewayFunction } from '../../infra/constructs/function';
import { PaymentPipeline, scheduleRetryAttempts } from '../../infra/constructs/payment-pipeline';
import {
  build,
  type Built,
  cdkContext,
  functionNames,
  grantedIds,
  lambdaOf,
  logicalId,
  ofType,
  policyDocumentSchema,
  queueNames,
  referencedIds,
  resource,
} from './synth';

let dev: Built;

beforeAll(() => {
  dev = build('dev');
}, 120_000);

const specOf = (name: FunctionName): FunctionSpec => functions[name];
const consumers = functionNames.filter((name) => specOf(name).consumes);
const scheduled = functionNames.filter((name) => specOf(name).schedule);
const streamReaders = functionNames.filter((name) => specOf(name).stream);

const queueIds = (name: (typeof queueNames)[number]) => {
  const { queue, deadLetterQueue } = dev.stack.pipeline.queue(name);
  return { queue: logicalId(dev, queue), deadLetters: logicalId(dev, deadLetterQueue) };
};

const mappingsOf = (name: FunctionName) =>
  ofType(dev, 'AWS::Lambda::EventSourceMapping').filter(
    ([, m]) => referencedIds(m.Properties.FunctionName)[0] === lambdaOf(dev, name).id,
  );

describe('payment pipeline', () => {
  it('builds a queue and a dead-letter queue per manifest queue, and a dead-letter queue per schedule and stream', () => {
    expect(ofType(dev, 'AWS::SQS::Queue')).toHaveLength(
      2 * queueNames.length + scheduled.length + streamReaders.length,
    );
  });

  it.each(queueNames)('redrives %s to its own dead-letter queue after the manifest number of deliveries', (name) => {
    const ids = queueIds(name);
    expect(resource(dev, ids.queue).Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [ids.deadLetters, 'Arn'] },
      maxReceiveCount: queues[name].maxReceiveCount,
    });
    // Fourteen days, SQS's maximum, for an operator to look at what failed.
    expect(resource(dev, ids.deadLetters).Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it.each(consumers)(
    "gives the queue of %s the manifest's visibility timeout, at least six times the consumer's timeout",
    (name) => {
      const queueName = specOf(name).consumes!.queue;
      const visibility = resource(dev, queueIds(queueName).queue).Properties.VisibilityTimeout;
      expect(visibility).toBe(queues[queueName].visibilityTimeoutSeconds);
      expect(visibility).toBeGreaterThanOrEqual(6 * lambdaOf(dev, name).props.Timeout);
    },
  );

  it("refuses to build a queue whose visibility timeout is under six times its consumer's timeout", () => {
    const app = new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Slow');
    const timeoutSeconds = Math.floor(queues.payments.visibilityTimeoutSeconds / 6) + 1;
    const slow = new GatewayFunction(stack, 'Slow', {
      name: 'processor',
      stage: 'dev',
      spec: {
        ...functions.processor,
        consumes: { queue: 'payments', batchSize: 1, maxBatchingWindowSeconds: 0 },
        timeoutSeconds,
      },
    });
    expect(
      () => new PaymentPipeline(stack, 'Pipeline', { handlers: { entries: () => [['processor', slow]] } }),
    ).toThrow(/visibility timeout of 60 s is less than 6 times/);
  });

  it('gives every function exactly the event source mappings its consumes and stream specs ask for', () => {
    for (const name of functionNames) {
      const spec = specOf(name);
      expect([name, mappingsOf(name).length]).toEqual([name, (spec.consumes ? 1 : 0) + (spec.stream ? 1 : 0)]);
    }
    expect(ofType(dev, 'AWS::Lambda::EventSourceMapping')).toHaveLength(consumers.length + streamReaders.length);
  });

  it.each(consumers)('feeds %s from its queue in manifest-sized batches with partial batch responses', (name) => {
    const consumes = specOf(name).consumes!;
    const [mapping] = mappingsOf(name).filter(([, m]) =>
      referencedIds(m.Properties.EventSourceArn).includes(queueIds(consumes.queue).queue),
    );
    expect(mapping?.[1].Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [queueIds(consumes.queue).queue, 'Arn'] },
      BatchSize: consumes.batchSize,
      MaximumBatchingWindowInSeconds: consumes.maxBatchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(mapping?.[1].Properties.ScalingConfig).toEqual(
      consumes.maxConcurrency === undefined ? undefined : { MaximumConcurrency: consumes.maxConcurrency },
    );
  });

  it.each(functionNames)('lets %s send only to the queues its spec sends to, and tells it their URLs', (name) => {
    const spec = specOf(name);
    const sends = spec.sends ?? [];
    const variables = lambdaOf(dev, name).props.Environment.Variables;
    const onFailure = dev.stack.realtime.streamFailures.get(name);
    // A stream reader's mapping sends what keeps failing to its on-failure queue with the function's role.
    const expected = [...sends.map((q) => queueIds(q).queue), ...(onFailure ? [logicalId(dev, onFailure)] : [])];
    expect(grantedIds(dev, name, 'sqs:SendMessage').sort()).toEqual(expected.sort());
    for (const queueName of queueNames) {
      const envVar = queues[queueName].envVar;
      expect([envVar, variables[envVar]]).toEqual([
        envVar,
        sends.includes(queueName) ? { Ref: queueIds(queueName).queue } : undefined,
      ]);
    }
  });

  it.each(functionNames)('lets %s receive and delete messages only if it consumes that queue', (name) => {
    const consumes = specOf(name).consumes;
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) {
      expect(grantedIds(dev, name, action)).toEqual(consumes ? [queueIds(consumes.queue).queue] : []);
    }
  });

  it.each(scheduled)(
    'runs %s on an EventBridge rate rule of its period, with retries and a dead-letter queue',
    (name) => {
      const everyMinutes = specOf(name).schedule!.everyMinutes;
      const rules = ofType(dev, 'AWS::Events::Rule').filter(([, rule]) =>
        referencedIds(rule.Properties.Targets).includes(lambdaOf(dev, name).id),
      );
      expect(rules).toHaveLength(1);
      const rule = rules[0]![1].Properties;
      expect(rule.ScheduleExpression).toBe(`rate(${everyMinutes} ${everyMinutes === 1 ? 'minute' : 'minutes'})`);
      const [target] = z
        .array(z.object({ RetryPolicy: z.unknown(), DeadLetterConfig: z.unknown() }))
        .parse(rule.Targets);
      expect(target?.RetryPolicy).toEqual({
        MaximumRetryAttempts: scheduleRetryAttempts,
        MaximumEventAgeInSeconds: everyMinutes * 60,
      });
      const [deadLetters] = referencedIds(target?.DeadLetterConfig);
      expect(resource(dev, deadLetters!).Type).toBe('AWS::SQS::Queue');
    },
  );

  it('encrypts every queue and denies every request to it made without TLS', () => {
    const policies = ofType(dev, 'AWS::SQS::QueuePolicy').map(([, p]) => ({
      queues: referencedIds(p.Properties.Queues),
      statements: policyDocumentSchema.parse(p.Properties.PolicyDocument).Statement,
    }));
    for (const [id, queue] of ofType(dev, 'AWS::SQS::Queue')) {
      expect([id, queue.Properties.SqsManagedSseEnabled]).toEqual([id, true]);
      const denies = policies
        .filter((p) => p.queues.includes(id))
        .flatMap((p) => p.statements)
        .filter(
          (s) =>
            s.Effect === 'Deny' &&
            s.Action.includes('sqs:*') &&
            JSON.stringify(s.Principal) === JSON.stringify({ AWS: '*' }) &&
            JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
        );
      expect([id, denies.length]).toEqual([id, 1]);
    }
  });

  it('lets EventBridge send to a schedule dead-letter queue only on behalf of its own rule', () => {
    for (const [ruleId, rule] of ofType(dev, 'AWS::Events::Rule')) {
      const [deadLetters] = referencedIds(
        z.array(z.object({ DeadLetterConfig: z.unknown() })).parse(rule.Properties.Targets)[0]?.DeadLetterConfig,
      );
      const allows = ofType(dev, 'AWS::SQS::QueuePolicy')
        .filter(([, p]) => referencedIds(p.Properties.Queues).includes(deadLetters!))
        .flatMap(([, p]) => policyDocumentSchema.parse(p.Properties.PolicyDocument).Statement)
        .filter((s) => s.Effect === 'Allow');
      expect(allows).toEqual([
        expect.objectContaining({
          Action: ['sqs:SendMessage'],
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
        }),
      ]);
    }
  });
});
