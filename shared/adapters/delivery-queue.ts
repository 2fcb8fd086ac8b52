import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryMessage } from '../webhooks/model';
import type { DeliveryQueue } from '../webhooks/ports';
import { sendInBatches } from './sqs-batch';

// SQS holds a received message back for at most 12 hours; the longest retry delay is 10 hours.
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/**
 * The SQS adapter of the delivery queue: one `DeliveryMessage` per attempt due now; a failed attempt's message stays
 * in the queue, hidden until the next attempt is due (ChangeMessageVisibility), so the retries cost no scheduler.
 */
export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: () => string,
  ) {}

  async enqueue(messages: readonly DeliveryMessage[]): Promise<void> {
    await sendInBatches(
      this.client,
      this.queueUrl(),
      messages.map((message) => JSON.stringify(message)),
    );
  }

  async postpone(receipt: string, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl(),
        ReceiptHandle: receipt,
        VisibilityTimeout: Math.min(Math.max(0, Math.ceil(seconds)), MAX_VISIBILITY_SECONDS),
      }),
    );
  }
}
