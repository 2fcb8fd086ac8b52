import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { type FunctionName, type FunctionSpec, type QueueName, queues } from '../../functions/manifest';
import { acknowledge } from './compliance';
import { defaultTimeout, type GatewayFunction } from './function';
import type { Handlers } from './handlers';
import { pascalCase } from './names';
import { DeadLetterQueue, GatewayQueue } from './queues';

export interface PaymentPipelineProps {
  /** The functions to wire: their specs say which queue each sends to or consumes, and which runs on a schedule. */
  handlers: Pick<Handlers, 'entries'>;
}

/** AWS's advice for a Lambda event source: a visibility timeout of at least six times the function's timeout. */
const visibilityTimeoutFactor = 6;

/** EventBridge retries a failed invocation this often before it hands the event to the target's dead-letter queue. */
export const scheduleRetryAttempts = 2;

const timeoutSecondsOf = (spec: FunctionSpec): number => spec.timeoutSeconds ?? defaultTimeout.toSeconds();

/** A queue of the manifest with the dead-letter queue its redrive policy names. */
export interface PipelineQueue {
  queue: GatewayQueue;
  deadLetterQueue: DeadLetterQueue;
}

/**
 * The background half of the gateway, built from `functions/manifest.ts`: the queues, their consumers and senders, and
 * the schedules.
 * Defaults: per manifest queue an encrypted, TLS-only queue with the definition's visibility timeout (checked against
 * six times each consumer's timeout) and a redrive policy after `maxReceiveCount` deliveries to a dead-letter queue kept
 * 14 days; every function that `sends` to a queue may send to it only, and knows its URL; every consumer reads its
 * queue through an event source mapping with the spec's batch size, window and maximum concurrency, and partial batch
 * responses; every scheduled function runs from an EventBridge rate rule with 2 retries, events older than one period
 * dropped, and a dead-letter queue for those EventBridge could not deliver.
 */
export class PaymentPipeline extends Construct {
  private readonly byName = new Map<QueueName, PipelineQueue>();
  /** Every dead-letter destination of the pipeline, for alarms. */
  readonly deadLetterQueues: DeadLetterQueue[] = [];

  constructor(scope: Construct, id: string, { handlers }: PaymentPipelineProps) {
    super(scope, id);
    const specs = handlers.entries().map(([name, fn]) => ({ name, fn, spec: fn.spec }));

    for (const queueName of Object.keys(queues) as QueueName[]) {
      const definition = queues[queueName];
      const consumers = specs.filter(({ spec }) => spec.consumes?.queue === queueName);
      for (const { name, spec } of consumers) {
        const needed = visibilityTimeoutFactor * timeoutSecondsOf(spec);
        if (definition.visibilityTimeoutSeconds < needed) {
          throw new Error(
            `Queue ${queueName}: a visibility timeout of ${definition.visibilityTimeoutSeconds} s is less than ` +
              `${visibilityTimeoutFactor} times the ${timeoutSecondsOf(spec)} s timeout of its consumer ${name}; ` +
              `raise it to ${needed} s in functions/manifest.ts`,
          );
        }
      }

      const deadLetterQueue = new DeadLetterQueue(this, `${pascalCase(queueName)}DeadLetters`, {
        receives: `${queueName} messages delivered ${definition.maxReceiveCount} times without success`,
        sender: 'redrive policy',
      });
      const queue = new GatewayQueue(this, pascalCase(queueName), {
        visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
      });
      this.byName.set(queueName, { queue, deadLetterQueue });
      this.deadLetterQueues.push(deadLetterQueue);

      for (const { fn, spec } of specs) {
        if (spec.sends?.includes(queueName)) fn.bindQueueSender(queue, definition.envVar);
      }
      for (const { fn, spec } of consumers) {
        const consumes = spec.consumes;
        if (!consumes) continue;
        queue.grantConsumeMessages(fn);
        const mapping: EventSourceMapping = fn.addEventSourceMapping(`${pascalCase(queueName)}Source`, {
          eventSourceArn: queue.queueArn,
          batchSize: consumes.batchSize,
          maxBatchingWindow: Duration.seconds(consumes.maxBatchingWindowSeconds),
          ...(consumes.maxConcurrency === undefined ? {} : { maxConcurrency: consumes.maxConcurrency }),
          // Only the messages the processor names as failed come again; the others of the batch are deleted.
          reportBatchItemFailures: true,
        });
        acknowledge(mapping, {
          id: 'Serverless-LambdaEventSourceMappingDestination',
          reason:
            'Lambda takes no on-failure destination for an SQS event source. A message that keeps failing moves ' +
            `to the ${queueName} dead-letter queue after ${definition.maxReceiveCount} deliveries, through the ` +
            "queue's redrive policy, and an alarm watches that queue.",
        });
      }
    }

    for (const { name, fn, spec } of specs) {
      if (spec.schedule) this.schedule(name, fn, spec.schedule.everyMinutes);
    }
  }

  private schedule(name: FunctionName, fn: GatewayFunction, everyMinutes: number): void {
    const period = Duration.minutes(everyMinutes);
    const deadLetterQueue = new DeadLetterQueue(this, `${pascalCase(name)}ScheduleDeadLetters`, {
      receives: `scheduled events EventBridge could not deliver to ${name} after ${scheduleRetryAttempts} retries`,
      sender: 'EventBridge target',
    });
    this.deadLetterQueues.push(deadLetterQueue);
    new Rule(this, `${pascalCase(name)}Schedule`, {
      description: `Runs ${name} every ${everyMinutes} min`,
      schedule: Schedule.rate(period),
      targets: [
        new LambdaFunction(fn, {
          retryAttempts: scheduleRetryAttempts,
          // A run that could not start before the next one is due has nothing left to do.
          maxEventAge: period,
          deadLetterQueue,
        }),
      ],
    });
  }

  /** The queue built from `queues[name]`, with its dead-letter queue. */
  queue(name: QueueName): PipelineQueue {
    const found = this.byName.get(name);
    if (!found) throw new Error(`The pipeline has no queue ${name}`);
    return found;
  }

  /** Every queue of the manifest, by name. */
  entries(): [QueueName, PipelineQueue][] {
    return [...this.byName];
  }
}
