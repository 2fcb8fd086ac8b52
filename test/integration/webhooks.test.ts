import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { functions } from '../../functions/manifest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/dynamodb-local';
import { type SqsEventSource, startSqsEventSource } from '../../infra/local/event-source';
import { queueEnv } from '../../infra/local/queues';
import { type StreamSource, startStreamSource } from '../../infra/local/stream-source';
import { tableEnv } from '../../infra/local/tables';
import { systemClock } from '../../shared/clock';
import { DynamoDeliveryStore } from '../../shared/adapters/delivery-store';
import { DynamoEventStore } from '../../shared/adapters/event-store';
import { DynamoWebhookStore } from '../../shared/adapters/webhook-store';
import type { EventType } from '../../shared/events/model';
import { listEvents } from '../../shared/events/service';
import { newIdAt } from '../../shared/ids';
import { createPayment } from '../../shared/payments/create';
import { processPayment } from '../../shared/payments/process';
import type { Principal } from '../../shared/users/model';
import type { Delivery } from '../../shared/webhooks/model';
import { createWebhook, type WebhookDeps } from '../../shared/webhooks/service';
import { eventually } from '../support/http-client';
import { ledgerHelpers, usePaymentWorld } from '../support/payments';
import { type Receiver, startReceiver } from '../support/webhook-receiver';

// Four attempts a second apart instead of eight over 28 hours: the schedule the manifest's setting shortens.
const RETRIES = '1,1,1';

const world = usePaymentWorld();
const { newUser, fundedWallet, payerAndPayee } = ledgerHelpers(world);
const receivers: Receiver[] = [];
const sources: { stop(): Promise<void> }[] = [];
let webhooks: WebhookDeps;
let events: DynamoEventStore;
let streams: DynamoDBStreamsClient;
/** Set by a test: the notifier's next batch of several records handles half of them, then crashes. */
let crashNextBatch = false;
let crashed = 0;

beforeAll(async () => {
  const { db, queues, sqs } = world();
  // The handlers read their tables, queue and settings from the environment when first imported, as on Lambda.
  Object.assign(process.env, tableEnv(db.names), queueEnv(queues), {
    AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DYNAMODB_ENDPOINT,
    AWS_ENDPOINT_URL_SQS: sqs?.inProcessEndpoint,
    WEBHOOK_RETRY_SCHEDULE_SECONDS: RETRIES,
    WEBHOOK_ALLOW_LOOPBACK: 'true',
  });
  const notifier = (await import('../../functions/notifier/handler')).handler;
  const deliverer = (await import('../../functions/webhook-deliverer/handler')).handler;

  webhooks = {
    webhooks: new DynamoWebhookStore(db.client, db.names.webhooks),
    deliveries: new DynamoDeliveryStore(db.client, db.names.deliveries),
    clock: systemClock,
    urlPolicy: { allowLoopback: true },
  };
  events = new DynamoEventStore(db.client, db.names.events);
  streams = new DynamoDBStreamsClient({
    endpoint: process.env.TEST_DYNAMODB_ENDPOINT,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const stream: StreamSource = await startStreamSource({
    client: streams,
    tableName: db.names.payments,
    functionName: 'notifier',
    batchSize: functions.notifier.stream!.batchSize,
    maxRetries: functions.notifier.stream!.maxRetries,
    timeoutSeconds: functions.notifier.timeoutSeconds,
    // Long enough that the writes of one test step come in one batch.
    pollIntervalMs: 1_000,
    handler: async (event: DynamoDBStreamEvent, context: Context) => {
      if (crashNextBatch && event.Records.length > 1) {
        crashNextBatch = false;
        crashed += 1;
        await notifier({ Records: event.Records.slice(0, Math.floor(event.Records.length / 2)) }, context);
        throw new Error('The notifier crashed halfway through its batch');
      }
      return notifier(event, context);
    },
    onError: () => undefined,
  });
  const consumes = functions['webhook-deliverer'].consumes!;
  const delivering: SqsEventSource = startSqsEventSource({
    client: world().sqsClient,
    queueUrl: queues['webhook-deliveries'].url,
    queueArn: queues['webhook-deliveries'].arn,
    batchSize: consumes.batchSize,
    maxBatchingWindowSeconds: consumes.maxBatchingWindowSeconds,
    concurrency: consumes.maxConcurrency,
    timeoutSeconds: functions['webhook-deliverer'].timeoutSeconds,
    functionName: 'webhook-deliverer',
    handler: (event: SQSEvent, context: Context) => deliverer(event, context),
    onError: () => undefined,
  });
  sources.push(stream, delivering);
}, 30_000);

afterAll(async () => {
  await Promise.all(sources.map((source) => source.stop()));
  await Promise.all(receivers.map((receiver) => receiver.close()));
  streams.destroy();
}, 30_000);

const receiver = async (...options: Parameters<typeof startReceiver>) => {
  const started = await startReceiver(...options);
  receivers.push(started);
  return started;
};

/** An endpoint of `owner` for `types`, registered with the receiver's URL; the receiver learns its secret. */
const register = async (
  owner: Principal,
  to: Receiver,
  types: readonly EventType[] = ['payment.completed', 'payment.failed'],
) => {
  const webhook = await createWebhook(webhooks, owner, { url: to.url, events: [...types] });
  to.secret = webhook.secret;
  return webhook;
};

const deliveriesOf = async (webhookId: string): Promise<Delivery[]> =>
  (await webhooks.deliveries.page(webhookId, { limit: 100 })).deliveries;

const onlyDelivery = (webhookId: string, until: (delivery: Delivery) => boolean, timeoutMs = 15_000) =>
  eventually(
    async () => {
      const [delivery] = await deliveriesOf(webhookId);
      return delivery && until(delivery) ? delivery : undefined;
    },
    timeoutMs,
    'the delivery',
  );

describe('webhook deliveries', () => {
  it('delivers the event later to a receiver that was down for the first attempts, signed as Standard Webhooks says', async () => {
    const ada = newUser();
    const down = await receiver({ listening: false });
    const webhook = await register(ada, down);

    const wallet = await fundedWallet(ada, 500);
    await onlyDelivery(webhook.id, (delivery) => delivery.attempts >= 2 && delivery.status === 'pending');
    await down.listen();
    const delivered = await onlyDelivery(webhook.id, (delivery) => delivery.status === 'delivered');

    expect(delivered).toMatchObject({ status: 'delivered', lastStatusCode: 204 });
    // An attempt is claimed (counted) before it is sent: the second may have been under way, and reached the receiver,
    // when it came up. The first, at least, was refused.
    expect(delivered.attempts).toBeGreaterThanOrEqual(2);
    expect(delivered.nextAttemptAt).toBeUndefined();
    expect(down.receipts).toEqual([
      expect.objectContaining({
        id: delivered.eventId,
        verified: true,
        event: expect.objectContaining({
          id: delivered.eventId,
          type: 'payment.completed',
          data: { payment: expect.objectContaining({ destinationAccountId: wallet.id, status: 'COMPLETED' }) },
        }),
      }),
    ]);
  }, 30_000);

  it('marks the delivery failed after the last retry of a receiver that always answers 500, and tries no more', async () => {
    const bob = newUser();
    const failing = await receiver({ answer: () => ({ status: 500 }) });
    const webhook = await register(bob, failing);

    await fundedWallet(bob, 300);
    const failed = await onlyDelivery(webhook.id, (delivery) => delivery.status === 'failed');
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    expect(failed).toMatchObject({ status: 'failed', attempts: 4, lastStatusCode: 500 });
    expect(failed.nextAttemptAt).toBeUndefined();
    expect(failing.receipts).toHaveLength(4);
    expect(failing.receipts.every((receipt) => receipt.verified && receipt.id === failed.eventId)).toBe(true);
    // One attempt, then the retries a second apart: the shortened schedule.
    const gaps = failing.receipts
      .slice(1)
      .map((receipt, index) => receipt.receivedAt - failing.receipts[index]!.receivedAt);
    expect(gaps.every((gap) => gap >= 900)).toBe(true);
    expect((await webhooks.webhooks.find(webhook.id))?.failingSince).toEqual(expect.any(String));
  }, 30_000);

  it('serves a fast endpoint at once while a slow one of the same event takes its time, and both get it', async () => {
    const carol = newUser();
    const slow = await receiver({ answer: () => ({ status: 200, delayMs: 4_000 }) });
    const fast = await receiver();
    const [slowHook, fastHook] = [await register(carol, slow), await register(carol, fast)];

    await fundedWallet(carol, 100);
    await eventually(() => Promise.resolve(fast.receipts.length > 0 ? true : undefined), 10_000, 'the fast receiver');
    const fastDone = Date.now();
    await onlyDelivery(slowHook.id, (delivery) => delivery.status === 'delivered');
    await onlyDelivery(fastHook.id, (delivery) => delivery.status === 'delivered');

    // The slow receiver had the request before the fast one was done, and answered long after.
    expect(slow.receipts).toHaveLength(1);
    expect(fast.receipts).toHaveLength(1);
    expect(slow.receipts[0]!.receivedAt).toBeLessThan(fastDone);
    expect(Date.now() - fastDone).toBeGreaterThan(2_000);
    expect(fast.receipts[0]!.id).toBe(slow.receipts[0]!.id);
    expect([slow.receipts[0]!.verified, fast.receipts[0]!.verified]).toEqual([true, true]);
  }, 30_000);

  it('tells a failed payment to the payer’s and the operators’ endpoints, never to the payee’s', async () => {
    const { ada: payer, bob: payee, source, destination } = await payerAndPayee(1_000);
    const operator: Principal = { userId: 'usr_operator', role: 'admin', emailVerified: true, tokenId: 'tok_operator' };
    const [payerEnd, payeeEnd, operatorEnd] = [await receiver(), await receiver(), await receiver()];
    await register(payer, payerEnd);
    await register(payee, payeeEnd);
    await register(operator, operatorEnd, ['payment.failed']);

    const payment = await createPayment(world().payments, payer, {
      type: 'transfer',
      sourceAccountId: source.id,
      destinationAccountId: destination.id,
      amount: 5_000,
      currency: 'USD',
    });
    await expect(processPayment(world().payments, payment.id)).resolves.toBe('failed');
    const ofPayment = (to: Receiver) => to.receipts.filter((r) => r.event.data.payment.id === payment.id);
    await eventually(() =>
      Promise.resolve(ofPayment(payerEnd).length && ofPayment(operatorEnd).length ? true : undefined),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    expect(ofPayment(payerEnd).map((r) => r.event.type)).toEqual(['payment.failed']);
    expect(ofPayment(operatorEnd).map((r) => r.event.type)).toEqual(['payment.failed']);
    expect(ofPayment(payeeEnd)).toEqual([]);
  }, 30_000);

  it('loses and reorders no event of a payment when the notifier crashes halfway through a batch', async () => {
    const dave = newUser();
    const to = await receiver();
    await register(dave, to, ['payment.authorized', 'payment.completed']);
    const { db } = world();
    const start = Date.now();
    // Four payments each moving INITIATED -> AUTHORIZED -> COMPLETED: the states another part of the gateway writes.
    const ids = [0, 1, 2, 3].map((n) => newIdAt('pay', new Date(start + n)));
    const at = (step: number, n: number) => new Date(start + 1_000 * step + n).toISOString();
    crashNextBatch = true;
    for (const [n, id] of ids.entries()) {
      await db.client.send(
        new PutCommand({
          TableName: db.names.payments,
          Item: {
            id,
            type: 'transfer',
            status: 'INITIATED',
            sourceAccountId: 'acc_dave',
            destinationAccountId: 'acc_other',
            amount: 100 + n,
            currency: 'USD',
            fee: 1,
            createdAt: at(0, n),
            updatedAt: at(0, n),
            sourceOwnerId: dave.userId,
            listed: 'payment',
          },
        }),
      );
    }
    for (const [step, status] of [
      [1, 'AUTHORIZED'],
      [2, 'COMPLETED'],
    ] as const) {
      await db.client.send(
        new TransactWriteCommand({
          TransactItems: ids.map((id, n) => ({
            Update: {
              TableName: db.names.payments,
              Key: { id },
              UpdateExpression: 'SET #status = :status, updatedAt = :at',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':status': status, ':at': at(step, n) },
            },
          })),
        }),
      );
    }

    const unique = () => new Set(to.receipts.map((receipt) => receipt.id)).size;
    await eventually(() => Promise.resolve(unique() === 8 ? true : undefined), 20_000, 'eight events at the receiver');

    expect(crashed).toBe(1);
    expect(to.receipts.every((receipt) => receipt.verified)).toBe(true);
    for (const [n, id] of ids.entries()) {
      const logged = await listEvents({ events }, dave, { paymentId: id, descending: false, limit: 10 });
      expect(logged.data.map((event) => [event.type, event.createdAt])).toEqual([
        ['payment.authorized', at(1, n)],
        ['payment.completed', at(2, n)],
      ]);
      const firstSeen = [
        ...new Set(to.receipts.filter((r) => r.event.data.payment.id === id).map((r) => r.event.type)),
      ];
      expect(firstSeen).toEqual(['payment.authorized', 'payment.completed']);
    }
  }, 40_000);
});
