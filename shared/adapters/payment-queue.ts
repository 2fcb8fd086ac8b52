import { SQSClient } from '@aws-sdk/client-sqs';
import { sendInBatches } from './sqs-batch';
import type { PaymentQueue } from '../payments/ports';

/** The SQS adapter of the payment queue: a `{ paymentId }` message per payment. */
export class SqsPaymentQueue implements PaymentQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: () => string,
  ) {}

  async enqueue(paymentIds: readonly string[]): Promise<void> {
    await sendInBatches(
      this.client,
      this.queueUrl(),
      paymentIds.map((paymentId) => JSON.stringify({ paymentId })),
    );
  }
}

export const createSqsClient = (): SQSClient => new SQSClient({});
