import { type FunctionName, functions, type FunctionSpec, environment } from '../../functions/manifest';
import { failedEventBusPutsMetric } from '../../infra/constructs/monitoring';
import {
  build,
  type Built,
  functionNames,
  lambdaOf,
  logicalId,
  ofType,
  referencedIds,
  resource,
  statementsOf,
} from './synth';

let dev: Built;

beforeAll(() => {
  dev = build('dev');
}, 120_000);

const specOf = (name: FunctionName): FunctionSpec => functions[name];
const busId = () => logicalId(dev, dev.stack.events.bus);

describe('the event bus', () => {
  it('is one custom bus of the stack, named by CDK after its path, without a policy that opens it', () => {
    const buses = ofType(dev, 'AWS::Events::EventBus');

    expect(buses.map(([id]) => id)).toEqual([busId()]);
    expect(Object.keys(resource(dev, busId()).Properties).sort()).toEqual(['Description', 'Name', 'Tags']);
    expect(resource(dev, busId()).Properties.Name).toMatch(/^BillingGatewaydevPaymentEventsBus[0-9A-F]{8}$/);
    expect(resource(dev, busId()).Properties).not.toHaveProperty('Policy');
    expect(ofType(dev, 'AWS::Events::EventBusPolicy')).toEqual([]);
    expect(dev.outputs.EventBusName).toBeDefined();
  });

  it('is where the notifier puts events, and the manifest says so', () => {
    expect(specOf('notifier').putsEvents).toBe(true);
    expect(functionNames.filter((name) => specOf(name).putsEvents)).toEqual(['notifier']);
  });

  const eventGrants = (name: FunctionName) =>
    statementsOf(dev, name).filter((s) => s.Action.some((action) => action.startsWith('events:')));

  it.each(functionNames.filter((name) => specOf(name).putsEvents))(
    'lets %s put events on this bus only, and only put, and tells it the bus name',
    (name) => {
      expect(eventGrants(name)).toEqual([expect.objectContaining({ Effect: 'Allow', Action: ['events:PutEvents'] })]);
      expect(eventGrants(name).flatMap((s) => referencedIds(s.Resource))).toEqual([busId()]);
      expect(referencedIds(lambdaOf(dev, name).props.Environment.Variables[environment.eventBus])).toEqual([busId()]);
    },
  );

  it.each(functionNames.filter((name) => !specOf(name).putsEvents))(
    'gives %s no access to the bus and no bus name',
    (name) => {
      expect(eventGrants(name)).toEqual([]);
      expect(lambdaOf(dev, name).props.Environment.Variables[environment.eventBus]).toBeUndefined();
    },
  );

  it('never lets a deployed function reach loopback receivers or shorten the retry schedule', () => {
    for (const name of functionNames) {
      const variables = lambdaOf(dev, name).props.Environment.Variables;
      expect([name, variables[environment.webhookAllowLoopback], variables[environment.webhookRetrySchedule]]).toEqual([
        name,
        undefined,
        undefined,
      ]);
    }
  });
});

describe('alarms of the events path', () => {
  const alarms = () => ofType(dev, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);

  it('alarms as soon as EventBridge refuses an event, on the count the notifier publishes', () => {
    expect(alarms().filter((a) => a.MetricName === failedEventBusPutsMetric.metricName)).toEqual([
      expect.objectContaining({
        Namespace: 'BillingGateway',
        MetricName: 'FailedEventBusPuts',
        Dimensions: expect.arrayContaining([
          { Name: 'service', Value: 'billing-gateway' },
          { Name: 'Stage', Value: 'dev' },
        ]),
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    ]);
  });

  it('alarms as soon as the webhook delivery dead-letter queue holds a message', () => {
    const deadLetters = logicalId(dev, dev.stack.pipeline.queue('webhook-deliveries').deadLetterQueue);
    const onIt = alarms().filter(
      (a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && referencedIds(a.Dimensions).includes(deadLetters),
    );

    expect(onIt).toEqual([expect.objectContaining({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' })]);
  });

  it('lets the deliverer hold a message back until its retry is due, on its own queue only', () => {
    const queue = logicalId(dev, dev.stack.pipeline.queue('webhook-deliveries').queue);
    const changes = statementsOf(dev, 'webhook-deliverer').filter((s) =>
      s.Action.includes('sqs:ChangeMessageVisibility'),
    );

    expect(changes.flatMap((s) => referencedIds(s.Resource))).toEqual([queue]);
  });
});
