import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from './compliance';

/**
 * An SQS queue of the gateway.
 * Defaults: SQS-managed server-side encryption; a queue policy that denies every request made without TLS.
 */
export class GatewayQueue extends Queue {
  constructor(scope: Construct, id: string, props: Omit<QueueProps, 'encryption' | 'enforceSSL'> = {}) {
    super(scope, id, { ...props, encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
  }
}

/** How long a dead letter waits for an operator: SQS's maximum, so a long weekend loses nothing. */
const deadLetterRetention = Duration.days(14);

export interface DeadLetterQueueProps {
  /** What lands here, for the acknowledgements and the alarm: `payments messages delivered 5 times`. */
  receives: string;
  /**
   * Who sends here. cdk-nag's AwsSolutions-SQS3 recognises a dead-letter queue only as another queue's redrive target
   * or a Lambda's DeadLetterConfig; an event source mapping's on-failure destination or an EventBridge target's
   * dead-letter queue looks to it like a working queue without one.
   */
  sender: 'redrive policy' | 'event source mapping' | 'EventBridge target';
}

/**
 * The end of a failure path: what could not be processed waits here for an operator, and an alarm fires on its depth.
 * Defaults: those of `GatewayQueue`; retention of 14 days; no redrive policy of its own, since a dead-letter queue's
 * dead-letter queue would only move the same messages one step further from the alarm.
 */
export class DeadLetterQueue extends GatewayQueue {
  readonly receives: string;

  constructor(scope: Construct, id: string, { receives, sender }: DeadLetterQueueProps) {
    super(scope, id, { retentionPeriod: deadLetterRetention });
    this.receives = receives;
    const reason =
      `This queue is itself a dead-letter destination, filled by the ${sender}: it holds ${receives} for an operator, ` +
      'and an alarm fires as soon as it holds one. A dead-letter queue for it would only hold the same messages ' +
      'further from that alarm.';
    acknowledge(
      this,
      { id: 'Serverless-SQSRedrivePolicy', reason },
      ...(sender === 'redrive policy' ? [] : [{ id: 'AwsSolutions-SQS3', reason }]),
    );
  }
}
