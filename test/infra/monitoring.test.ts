import * as z from 'zod';
import { type FunctionName, functions, type FunctionSpec, maxMessageAgeSeconds } from '../../functions/manifest';
import { defaultInitiatedAgeAlarmSeconds, oldestInitiatedPaymentMetric } from '../../infra/constructs/monitoring';
import {
  build,
  type Built,
  functionNames,
  lambdaOf,
  logicalId,
  ofType,
  policyDocumentSchema,
  queueNames,
  referencedIds,
  type Resource,
} from './synth';

let dev: Built;

beforeAll(() => {
  dev = build('dev');
}, 120_000);

const specOf = (name: FunctionName): FunctionSpec => functions[name];
const background = functionNames.filter((name) => {
  const spec = specOf(name);
  return spec.consumes ?? spec.schedule ?? spec.stream;
});

const alarmSchema = z.object({
  Namespace: z.string(),
  MetricName: z.string(),
  Dimensions: z.array(z.object({ Name: z.string(), Value: z.unknown() })).default([]),
  Statistic: z.string(),
  Period: z.number(),
  Threshold: z.number(),
  ComparisonOperator: z.string(),
  EvaluationPeriods: z.number(),
  TreatMissingData: z.string(),
  AlarmActions: z.array(z.unknown()),
  OKActions: z.array(z.unknown()),
});
type AlarmProps = z.infer<typeof alarmSchema>;

const alarms = (built: Built): AlarmProps[] =>
  ofType(built, 'AWS::CloudWatch::Alarm').map(([, r]) => alarmSchema.parse(r.Properties));

const alarmsOn = (metricName: string, dimensionTarget: string): AlarmProps[] =>
  alarms(dev).filter(
    (a) => a.MetricName === metricName && a.Dimensions.some((d) => referencedIds(d.Value).includes(dimensionTarget)),
  );

/** Every queue something treats as a dead-letter queue: redrive targets, on-failure destinations, rule DLQs. */
const deadLetterDestinations = (built: Built): string[] => [
  ...new Set([
    ...ofType(built, 'AWS::SQS::Queue').flatMap(([, q]) => referencedIds(q.Properties.RedrivePolicy)),
    ...ofType(built, 'AWS::Lambda::EventSourceMapping').flatMap(([, m]) =>
      referencedIds(m.Properties.DestinationConfig),
    ),
    ...ofType(built, 'AWS::Events::Rule').flatMap(([, r]: [string, Resource]) =>
      z
        .array(z.object({ DeadLetterConfig: z.unknown().optional() }))
        .parse(r.Properties.Targets)
        .flatMap((t) => referencedIds(t.DeadLetterConfig)),
    ),
  ]),
];

describe('alarms', () => {
  it('alarms as soon as any dead-letter queue holds a message', () => {
    const destinations = deadLetterDestinations(dev);
    // The payments DLQ, the sweeper schedule's DLQ and the notifier's on-failure queue.
    expect(destinations).toHaveLength(queueNames.length + background.filter((n) => !specOf(n).consumes).length);
    for (const queue of destinations) {
      expect([queue, alarmsOn('ApproximateNumberOfMessagesVisible', queue)]).toEqual([
        queue,
        [
          expect.objectContaining({
            Namespace: 'AWS/SQS',
            Statistic: 'Maximum',
            Period: 60,
            Threshold: 0,
            ComparisonOperator: 'GreaterThanThreshold',
            EvaluationPeriods: 1,
          }),
        ],
      ]);
    }
  });

  it.each(background)('alarms on any error of %s within five minutes, since no caller sees it fail', (name) => {
    expect(alarmsOn('Errors', lambdaOf(dev, name).id)).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/Lambda',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
      }),
    ]);
  });

  it('alarms on processor errors', () => {
    expect(background).toContain('processor');
    expect(alarmsOn('Errors', lambdaOf(dev, 'processor').id)).toHaveLength(1);
  });

  it.each(functionNames.filter((n) => specOf(n).schedule))(
    'alarms when %s stops running, counting a missing datapoint as a missed run',
    (name) => {
      expect(alarmsOn('Invocations', lambdaOf(dev, name).id)).toEqual([
        expect.objectContaining({
          Statistic: 'Sum',
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          TreatMissingData: 'breaching',
        }),
      ]);
    },
  );

  it.each(queueNames)('alarms when a %s message outlives all its deliveries, as the consumer falls behind', (name) => {
    const queueId = logicalId(dev, dev.stack.pipeline.queue(name).queue);
    expect(alarmsOn('ApproximateAgeOfOldestMessage', queueId)).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        Statistic: 'Maximum',
        Threshold: maxMessageAgeSeconds(name),
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    ]);
  });

  it('alarms when a payment stays INITIATED past the sweeper horizon, on the metric the sweeper publishes', () => {
    const found = alarms(dev).filter((a) => a.MetricName === oldestInitiatedPaymentMetric.metricName);
    expect(found).toEqual([
      expect.objectContaining({
        Namespace: 'BillingGateway',
        MetricName: 'OldestInitiatedPaymentAgeSeconds',
        Statistic: 'Maximum',
        Threshold: defaultInitiatedAgeAlarmSeconds,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    ]);
    expect(found[0]?.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'Stage', Value: 'dev' },
        { Name: 'service', Value: 'billing-gateway' },
      ]),
    );
    expect(found[0]?.Dimensions).toHaveLength(2);
  });

  it('notifies the alarm topic of every alarm and every recovery', () => {
    const topic = { Ref: logicalId(dev, dev.stack.monitoring.topic) };
    const all = alarms(dev);
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const alarm of all) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.OKActions).toEqual([topic]);
    }
  });

  it('accepts only TLS publishers on the alarm topic', () => {
    const topicId = logicalId(dev, dev.stack.monitoring.topic);
    const denies = ofType(dev, 'AWS::SNS::TopicPolicy')
      .filter(([, p]) => referencedIds(p.Properties.Topics).includes(topicId))
      .flatMap(([, p]) => policyDocumentSchema.parse(p.Properties.PolicyDocument).Statement)
      .filter((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('"aws:SecureTransport":"false"'));
    expect(denies.length).toBeGreaterThan(0);
  });
});

describe('dashboard', () => {
  const body = (): string => {
    const dashboards = ofType(dev, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    // The body is a Fn::Join of JSON text and references (queue names, function names): join it back, references shown.
    const join = z
      .object({ 'Fn::Join': z.tuple([z.literal(''), z.array(z.unknown())]) })
      .parse(dashboards[0]![1].Properties.DashboardBody);
    return join['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join('');
  };

  it.each([
    ['the HTTP API 4xx, 5xx and latency', ['"4xx"', '"5xx"', '"Latency"']],
    ['background invocations, errors and duration', ['"Invocations"', '"Errors"', '"Duration"']],
    ['queue depth and age', ['"ApproximateNumberOfMessagesVisible"', '"ApproximateAgeOfOldestMessage"']],
    ["the notifier's iterator age", ['"IteratorAge"']],
    ['the oldest INITIATED payment', ['"OldestInitiatedPaymentAgeSeconds"']],
    ['WebSocket connections and errors', ['"ConnectCount"', '"IntegrationError"']],
  ])('shows %s', (_what, metricNames) => {
    for (const metricName of metricNames) expect(body()).toContain(metricName);
  });

  it('shows the depth of every dead-letter queue', () => {
    for (const queue of deadLetterDestinations(dev)) expect(body()).toContain(`"${queue}","QueueName"`);
  });
});
