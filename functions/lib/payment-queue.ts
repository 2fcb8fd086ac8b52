import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { PaymentQueue } from '../../shared/payments/ports';

// SendMessageBatch takes at most ten entries.
const BATCH = 10;

/** The SQS adapter of the payment queue: a `{ paymentId }` message per payment. */
export class SqsPaymentQueue implements PaymentQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: () => string,
  ) {}

  async enqueue(paymentIds: readonly string[]): Promise<void> {
    for (let start = 0; start < paymentIds.length; start += BATCH) {
      const ids = paymentIds.slice(start, start + BATCH);
      const out = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl(),
          Entries: ids.map((paymentId, index) => ({ Id: String(index), MessageBody: JSON.stringify({ paymentId }) })),
        }),
      );
      if (out.Failed && out.Failed.length > 0) {
        throw new Error(
          `SQS refused ${out.Failed.length} of ${ids.length} messages: ${out.Failed[0]?.Code ?? 'unknown'}`,
        );
      }
    }
  }
}

export const createSqsClient = (): SQSClient => new SQSClient({});
