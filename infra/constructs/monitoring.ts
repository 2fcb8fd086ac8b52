import { telemetry } from '../../functions/manifest';
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type FunctionName, maxMessageAgeSeconds } from '../../functions/manifest';
import { metricsNamespace, serviceName, type GatewayFunction } from './function';
import type { Handlers } from './handlers';
import type { HttpApi } from './http-api';
import { pascalCase } from './names';
import type { PaymentPipeline } from './payment-pipeline';
import type { DeadLetterQueue } from './queues';
import type { Realtime } from './realtime';
import { type DeploymentStage, numberFromContext } from './stage';

/**
 * The age of the oldest payment still INITIATED, which no AWS metric knows: the sweeper, which reads the INITIATED
 * payments on every run anyway, publishes it as an embedded metric (EMF) once per run, 0 when there is none. The alarm
 * below watches exactly this namespace, name and dimension set, so the names live here once. (`service` is the
 * dimension Powertools Metrics adds by itself from POWERTOOLS_SERVICE_NAME; `Stage` comes from the function's STAGE.)
 */
export const oldestInitiatedPaymentMetric = {
  namespace: metricsNamespace,
  metricName: telemetry.oldestInitiatedPaymentAge.name,
  unit: telemetry.oldestInitiatedPaymentAge.unit,
  dimensions: (stage: DeploymentStage) => ({ service: serviceName, Stage: stage }),
} as const;

/**
 * EventBridge refusing an event, which no AWS metric of the bus shows: the notifier publishes the count of refused
 * entries (EMF) when it happens, then fails the record so that the stream delivers it again.
 */
export const failedEventBusPutsMetric = {
  namespace: metricsNamespace,
  metricName: telemetry.failedEventBusPuts.name,
  dimensions: (stage: DeploymentStage) => ({ service: serviceName, Stage: stage }),
} as const;

/**
 * The sweeper fails a payment left INITIATED for 300 s (SWEEP_EXPIRE_AFTER_SECONDS' default) and runs every minute, so
 * no payment should ever be seen older than 360 s (invariant 6). Context `initiatedAgeAlarmSeconds` follows a change.
 */
export const defaultInitiatedAgeAlarmSeconds = 360;

export interface MonitoringProps {
  stage: DeploymentStage;
  handlers: Handlers;
  httpApi: HttpApi;
  pipeline: PaymentPipeline;
  realtime: Realtime;
}

const fiveMinutes = Duration.minutes(5);
const oneMinute = Duration.minutes(1);

/**
 * What an operator watches, and what wakes them: alarms on every dead-letter queue, on the errors of every background
 * function, on a scheduled function that stops running, on the queues' oldest message and on the oldest INITIATED
 * payment; one dashboard.
 * Defaults: every alarm notifies one TLS-only SNS topic (on alarm and on recovery), which operators subscribe to; a
 * missing datapoint counts as fine, except for the runs of a schedule, where it means the schedule stopped.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, { stage, handlers, httpApi, pipeline, realtime }: MonitoringProps) {
    super(scope, id);
    this.topic = new Topic(this, 'AlarmTopic', { displayName: `Billing gateway ${stage} alarms`, enforceSSL: true });

    const background = handlers
      .entries()
      .filter(([, fn]) => fn.spec.consumes !== undefined || fn.spec.schedule !== undefined || fn.spec.stream)
      .map(([name, fn]) => ({ name, fn }));
    const deadLetterQueues: DeadLetterQueue[] = [...pipeline.deadLetterQueues, ...realtime.streamFailures.values()];

    for (const queue of deadLetterQueues) {
      this.alarm(`${queue.node.id}Depth`, {
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: oneMinute, statistic: Stats.MAXIMUM }),
        threshold: 0,
        description: `A dead-letter queue holds ${queue.receives}: read them, fix the cause, then re-drive or purge.`,
      });
    }

    for (const [name, { queue }] of pipeline.entries()) {
      // A message may rightly wait this long while it is retried; older means the consumers are falling behind.
      const retrySeconds = maxMessageAgeSeconds(name);
      this.alarm(`${pascalCase(name)}QueueOldestMessage`, {
        metric: queue.metricApproximateAgeOfOldestMessage({ period: oneMinute, statistic: Stats.MAXIMUM }),
        threshold: retrySeconds,
        evaluationPeriods: 5,
        description:
          `The ${name} queue has held a message for over ${retrySeconds} s, longer than its retries last, for 5 ` +
          'minutes: its consumer is failing or falling behind.',
      });
    }

    for (const { name, fn } of background) {
      this.alarm(`${pascalCase(name)}Errors`, {
        metric: fn.metricErrors({ period: fiveMinutes, statistic: Stats.SUM }),
        threshold: 0,
        description: `${name} failed at least once in 5 minutes; nobody else sees its errors. See its log group.`,
      });
      const everyMinutes = fn.spec.schedule?.everyMinutes;
      if (everyMinutes !== undefined) {
        const window = Duration.minutes(Math.max(5, 2 * everyMinutes));
        this.alarm(`${pascalCase(name)}NotRunning`, {
          metric: fn.metricInvocations({ period: window, statistic: Stats.SUM }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.BREACHING,
          description:
            `${name} should run every ${everyMinutes} min and has not run for ${window.toMinutes()} min: ` +
            'check its EventBridge rule and the schedule dead-letter queue.',
        });
      }
    }

    const initiatedAge = new Metric({
      namespace: oldestInitiatedPaymentMetric.namespace,
      metricName: oldestInitiatedPaymentMetric.metricName,
      dimensionsMap: oldestInitiatedPaymentMetric.dimensions(stage),
      period: oneMinute,
      statistic: Stats.MAXIMUM,
    });
    const initiatedThreshold = numberFromContext(
      this.node,
      'initiatedAgeAlarmSeconds',
      defaultInitiatedAgeAlarmSeconds,
    );
    this.alarm('OldestInitiatedPaymentAge', {
      metric: initiatedAge,
      threshold: initiatedThreshold,
      description:
        `A payment has been INITIATED for over ${initiatedThreshold} s, past the sweeper's horizon: the sweeper is ` +
        'not resolving it (invariant 6). See the sweeper and processor logs.',
    });

    this.alarm('FailedEventBusPuts', {
      metric: new Metric({
        namespace: failedEventBusPutsMetric.namespace,
        metricName: failedEventBusPutsMetric.metricName,
        dimensionsMap: failedEventBusPutsMetric.dimensions(stage),
        period: oneMinute,
        statistic: Stats.SUM,
      }),
      threshold: 0,
      description:
        'EventBridge refused payment events: integrators’ rules miss them until the stream delivers them again. See ' +
        'the notifier logs (throttling, a deleted bus, a missing grant).',
    });

    this.dashboard = this.buildDashboard({ stage, handlers, httpApi, pipeline, realtime }, background, initiatedAge);
  }

  private alarm(
    id: string,
    props: {
      metric: IMetric;
      threshold: number;
      description: string;
      evaluationPeriods?: number;
      comparisonOperator?: ComparisonOperator;
      treatMissingData?: TreatMissingData;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      metric: props.metric,
      threshold: props.threshold,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      comparisonOperator: props.comparisonOperator ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: props.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      alarmDescription: props.description,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }

  private buildDashboard(
    { httpApi, pipeline, realtime }: MonitoringProps,
    background: { name: FunctionName; fn: GatewayFunction }[],
    initiatedAge: Metric,
  ): Dashboard {
    const api = httpApi.api;
    const ws = realtime.api;
    const wsMetric = (metricName: string) =>
      ws.metric(metricName, { period: fiveMinutes, statistic: Stats.SUM, label: metricName });
    const perFunction = (metric: (fn: GatewayFunction, options: { label: string; period: Duration }) => IMetric) =>
      background.map(({ name, fn }) => metric(fn, { label: name, period: fiveMinutes }));
    const streamReaders = background.filter(({ fn }) => fn.spec.stream);
    const deadLetterQueues = [...pipeline.deadLetterQueues, ...realtime.streamFailures.values()];

    const dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    dashboard.addWidgets(
      new TextWidget({
        markdown: '# Billing gateway\nHTTP API, payment pipeline, realtime API. Alarms notify the alarm topic.',
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
    dashboard.addWidgets(
      new GraphWidget({
        title: 'HTTP API requests and errors',
        left: [
          api.metricCount({ period: fiveMinutes, label: 'requests' }),
          api.metricClientError({ period: fiveMinutes, label: '4xx' }),
          api.metricServerError({ period: fiveMinutes, label: '5xx' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'HTTP API latency (ms)',
        left: [
          api.metricLatency({ period: fiveMinutes, statistic: Stats.p(50), label: 'p50' }),
          api.metricLatency({ period: fiveMinutes, statistic: Stats.p(99), label: 'p99' }),
          api.metricIntegrationLatency({ period: fiveMinutes, statistic: Stats.p(99), label: 'integration p99' }),
        ],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Background invocations',
        left: perFunction((fn, options) => fn.metricInvocations({ ...options, statistic: Stats.SUM })),
        width: 8,
      }),
      new GraphWidget({
        title: 'Background errors',
        left: perFunction((fn, options) => fn.metricErrors({ ...options, statistic: Stats.SUM })),
        width: 8,
      }),
      new GraphWidget({
        title: 'Background duration p99 (ms)',
        left: perFunction((fn, options) => fn.metricDuration({ ...options, statistic: Stats.p(99) })),
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Queue depth',
        left: pipeline.entries().map(([name, { queue }]) =>
          queue.metricApproximateNumberOfMessagesVisible({
            period: oneMinute,
            statistic: Stats.MAXIMUM,
            label: name,
          }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'Oldest queued message (s)',
        left: pipeline
          .entries()
          .map(([name, { queue }]) =>
            queue.metricApproximateAgeOfOldestMessage({ period: oneMinute, statistic: Stats.MAXIMUM, label: name }),
          ),
        width: 8,
      }),
      new GraphWidget({
        title: 'Dead-letter depth',
        left: deadLetterQueues.map((queue) =>
          queue.metricApproximateNumberOfMessagesVisible({
            period: oneMinute,
            statistic: Stats.MAXIMUM,
            label: queue.node.id,
          }),
        ),
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Oldest INITIATED payment (s)',
        left: [initiatedAge.with({ label: 'oldest INITIATED' })],
        width: 8,
      }),
      new GraphWidget({
        title: 'Stream iterator age (ms)',
        left: streamReaders.map(({ name, fn }) =>
          fn.metric('IteratorAge', { period: oneMinute, statistic: Stats.MAXIMUM, label: name }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'WebSocket API',
        left: [wsMetric('ConnectCount'), wsMetric('MessageCount')],
        right: [wsMetric('ClientError'), wsMetric('IntegrationError'), wsMetric('ExecutionError')],
        width: 8,
      }),
    );
    return dashboard;
  }
}
