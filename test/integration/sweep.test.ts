import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createPayment } from '../../shared/payments/create';
import { readablePayment } from '../../shared/payments/list';
import { processPayment } from '../../shared/payments/process';
import { sweep } from '../../shared/payments/sweep';
import { ledgerHelpers, usePaymentWorld } from '../support/payments';

const world = usePaymentWorld();

const { payerAndPayee } = ledgerHelpers(world);

/** Drains the payment queue and answers the payment ids it held. */
const receivePaymentIds = async (): Promise<string[]> => {
  const ids: string[] = [];
  for (;;) {
    const out = await world().sqsClient.send(
      new ReceiveMessageCommand({ QueueUrl: world().queues.payments.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (!out.Messages?.length) return ids;
    ids.push(...out.Messages.map((m) => (JSON.parse(m.Body ?? '{}') as { paymentId: string }).paymentId));
  }
};

describe('sweeping payments on DynamoDB Local', () => {
  it('re-drives payments left INITIATED and expires those past the horizon', async () => {
    const { ada, transfer } = await payerAndPayee(1_000, 'GBP');
    const payment = await createPayment(world().payments, ada, transfer(10));
    const later = (ms: number) => ({ ...world().payments, clock: () => new Date(Date.now() + ms) });

    const early = await sweep(later(2_000), { redriveAfterMs: 1_000, expireAfterMs: 60_000, batchSize: 100 });
    const late = await sweep(later(120_000), { redriveAfterMs: 1_000, expireAfterMs: 60_000, batchSize: 100 });

    expect(early.redriven).toBeGreaterThanOrEqual(1);
    expect(late.expired).toBeGreaterThanOrEqual(1);
    expect(await readablePayment(world().payments, ada, payment.id)).toMatchObject({
      status: 'FAILED',
      failureReason: 'expired',
    });
    await expect(processPayment(world().payments, payment.id)).resolves.toBe('skipped');
  });

  it('leaves a payment whose message could not be sent to the sweeper, which gets it processed', async () => {
    const { ada, transfer } = await payerAndPayee(1_000, 'CHF');
    const failures: string[] = [];
    const brokenQueue = {
      ...world().payments,
      queue: { enqueue: () => Promise.reject(new Error('SQS is down')) },
      onEnqueueFailure: (id: string) => failures.push(id),
    };

    const payment = await createPayment(brokenQueue, ada, transfer(100));
    const swept = await sweep(
      { ...world().payments, clock: () => new Date(Date.now() + 5_000) },
      { redriveAfterMs: 1_000, expireAfterMs: 600_000, batchSize: 100 },
    );
    const delivered = await receivePaymentIds();

    expect(failures).toEqual([payment.id]);
    expect(swept.redriven).toBeGreaterThanOrEqual(1);
    expect(delivered).toContain(payment.id);
    await expect(processPayment(world().payments, payment.id)).resolves.toBe('completed');
  });
});
