import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { decodeTime } from 'ulid';
import { jest } from '@jest/globals';
import { handler } from '../../functions/sweeper/handler';
import { metrics } from '../../functions/lib/metrics';
import { queues } from '../../functions/manifest';
import { scheduledEvent } from '../../infra/local/scheduler';
import { lambdaContext } from '../support/http-event';
import { conditionFailure, mockPaymentAws, paymentItem, type PaymentItem } from './payment-fixtures';

const { dynamo, sqs, sentMessages: redriven } = mockPaymentAws();

// The defaults of SWEEP_REDRIVE_AFTER_SECONDS and SWEEP_EXPIRE_AFTER_SECONDS.
const REDRIVE_AFTER_MS = 60_000;
const EXPIRE_AFTER_MS = 300_000;

/** An INITIATED payment created `ageMs` ago, well clear of either horizon so that the test cannot flake. */
const initiatedAgo = (ageMs: number, overrides: Partial<PaymentItem> = {}): PaymentItem =>
  paymentItem({ createdAt: new Date(Date.now() - ageMs).toISOString(), ...overrides });

/** What the sparse `pending` index and the table answer: the index lists ids, the table holds the truth. */
const givenPending = (...items: PaymentItem[]) => {
  dynamo
    .on(QueryCommand, { IndexName: 'pending' })
    .resolves({ Items: items.map(({ id }) => ({ id, pending: 'INITIATED' })) });
  dynamo.on(BatchGetCommand).resolves({ Responses: { payments: items } });
};

const sweep = () => handler(scheduledEvent('sweeper'), lambdaContext('sweeper'));

describe('sweeper', () => {
  it('sends one queue message for an INITIATED payment older than the re-drive age', async () => {
    const stale = initiatedAgo(REDRIVE_AFTER_MS + 90_000);
    givenPending(stale);

    await sweep();

    const batches = sqs.commandCalls(SendMessageBatchCommand);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.args[0].input.QueueUrl).toBe(process.env[queues.payments.envVar]);
    expect(redriven()).toEqual([{ paymentId: stale.id }]);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('fails an INITIATED payment older than the expiry age with `expired`, on condition it is still INITIATED', async () => {
    const abandoned = initiatedAgo(EXPIRE_AFTER_MS + 3_600_000);
    givenPending(abandoned);

    await sweep();

    const updates = dynamo.commandCalls(UpdateCommand);
    expect(updates).toHaveLength(1);
    const input = updates[0]!.args[0].input;
    expect(input).toMatchObject({
      TableName: 'payments',
      Key: { id: abandoned.id },
      ConditionExpression: '#status = :initiated',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: expect.objectContaining({
        ':failed': 'FAILED',
        ':reason': 'expired',
        ':initiated': 'INITIATED',
      }),
    });
    expect(input.UpdateExpression).toMatch(/SET .*#status = :failed/);
    expect(input.UpdateExpression).toMatch(/REMOVE pending/);
    expect(sqs.calls()).toHaveLength(0);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('expires the old and re-drives the merely late in one run', async () => {
    const abandoned = initiatedAgo(EXPIRE_AFTER_MS + 3_600_000);
    const late = initiatedAgo(REDRIVE_AFTER_MS + 90_000);
    givenPending(abandoned, late);

    await sweep();

    expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.Key)).toEqual([{ id: abandoned.id }]);
    expect(redriven()).toEqual([{ paymentId: late.id }]);
  });

  it('asks the pending index only for payments older than the re-drive age', async () => {
    const before = Date.now();

    await sweep();

    const queries = dynamo.commandCalls(QueryCommand).filter((call) => call.args[0].input.IndexName === 'pending');
    expect(queries).toHaveLength(1);
    const input = queries[0]!.args[0].input;
    expect(input).toMatchObject({ TableName: 'payments', IndexName: 'pending' });
    const high = input.ExpressionAttributeValues?.[':high'] as string;
    const horizon = decodeTime(high.slice('pay_'.length).toUpperCase());
    expect(horizon).toBeGreaterThanOrEqual(before - REDRIVE_AFTER_MS);
    expect(horizon).toBeLessThanOrEqual(Date.now() - REDRIVE_AFTER_MS);
  });

  it('does nothing when no payment is left INITIATED', async () => {
    await sweep();

    expect(sqs.calls()).toHaveLength(0);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('leaves alone a payment the index still lists but the table says is final', async () => {
    const done = initiatedAgo(EXPIRE_AFTER_MS + 3_600_000, { status: 'COMPLETED' });
    delete done.pending;
    givenPending(done);

    await sweep();

    expect(sqs.calls()).toHaveLength(0);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('finishes its run when the processor completed a payment just before it could expire it', async () => {
    const raced = initiatedAgo(EXPIRE_AFTER_MS + 3_600_000);
    const late = initiatedAgo(REDRIVE_AFTER_MS + 90_000);
    givenPending(raced, late);
    dynamo.on(UpdateCommand).rejects(conditionFailure());

    await expect(sweep()).resolves.toBeUndefined();

    expect(redriven()).toEqual([{ paymentId: late.id }]);
  });

  it('re-drives more than ten payments in batches SQS accepts', async () => {
    const late = Array.from({ length: 12 }, (_, index) => initiatedAgo(REDRIVE_AFTER_MS + 90_000 + index));
    givenPending(...late);

    await sweep();

    const batches = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);
    expect(batches.map((entries) => entries.length)).toEqual([10, 2]);
    expect(batches.flat().map((entry) => entry.Id)).toEqual(expect.arrayContaining(['0', '9']));
    expect(new Set(redriven().map((message) => (message as { paymentId: string }).paymentId))).toEqual(
      new Set(late.map(({ id }) => id)),
    );
  });

  it('still expires what it must when SQS is down, and fails the run so that it is retried', async () => {
    const abandoned = initiatedAgo(EXPIRE_AFTER_MS + 3_600_000);
    const late = initiatedAgo(REDRIVE_AFTER_MS + 90_000);
    givenPending(abandoned, late);
    sqs.on(SendMessageBatchCommand).rejects(new Error('SQS is down'));

    await expect(sweep()).rejects.toThrow('SQS is down');

    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  /** An authorization that expired a minute ago, as the `authorized` index and the table answer it. */
  const givenExpiredAuthorization = () => {
    const expired = paymentItem({
      status: 'AUTHORIZED',
      capture: 'manual',
      authorizedAt: new Date(Date.now() - 3_600_000).toISOString(),
      authorizationExpiresAt: new Date(Date.now() - 60_000).toISOString(),
      authorized: 'AUTHORIZED',
    });
    delete expired.pending;
    dynamo.on(QueryCommand, { IndexName: 'authorized' }).resolves({ Items: [{ id: expired.id }] });
    dynamo.on(BatchGetCommand).resolves({ Responses: { payments: [expired] } });
    dynamo.on(GetCommand, { TableName: 'payments', Key: { id: expired.id } }).resolves({ Item: expired });
    return expired;
  };

  it('voids an authorization past its expiry as expired, releasing what it held, on condition it is still AUTHORIZED', async () => {
    const expired = givenExpiredAuthorization();
    const before = new Date().toISOString();

    await sweep();

    const query = dynamo.commandCalls(QueryCommand).find((call) => call.args[0].input.IndexName === 'authorized');
    expect(query?.args[0].input.KeyConditionExpression).toBe(
      'authorized = :authorized AND authorizationExpiresAt <= :now',
    );
    expect(String(query?.args[0].input.ExpressionAttributeValues?.[':now']) >= before).toBe(true);
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items[0]?.Update).toMatchObject({
      Key: { id: expired.id },
      ConditionExpression: '#status = :from',
      ExpressionAttributeValues: expect.objectContaining({
        ':from': 'AUTHORIZED',
        ':to': 'VOIDED',
        ':voidReason': 'expired',
      }),
    });
    const released = items.flatMap((item) => (item.Put?.TableName === 'operations' ? [item.Put.Item] : []));
    expect(released.map((leg) => [leg?.accountId, leg?.amount, leg?.type])).toEqual([
      ['tech-holds-USD', -1010n, 'release'],
      [expired.sourceAccountId, 1010n, 'release'],
    ]);
  });

  it('finishes its run when a capture or a void ended an expired authorization first', async () => {
    givenExpiredAuthorization();
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
      }),
    );

    await expect(sweep()).resolves.toBeUndefined();
  });

  it('publishes the age of the oldest payment left INITIATED, which the monitoring alarms on', async () => {
    givenPending(initiatedAgo(REDRIVE_AFTER_MS + 90_000));
    const published = jest.spyOn(metrics, 'addMetric');

    await sweep();

    const [name, unit, value] = published.mock.calls.at(-1) ?? [];
    expect({ name, unit }).toEqual({ name: 'OldestInitiatedPaymentAgeSeconds', unit: 'Seconds' });
    expect(value).toBeGreaterThanOrEqual((REDRIVE_AFTER_MS + 90_000) / 1000);
    expect(value).toBeLessThan((REDRIVE_AFTER_MS + 90_000) / 1000 + 30);
    published.mockRestore();
  });

  it('publishes 0 when nothing is left INITIATED, so the alarm can treat silence as a fault', async () => {
    const published = jest.spyOn(metrics, 'addMetric');

    await sweep();

    expect(published.mock.calls.at(-1)?.[2]).toBe(0);
    published.mockRestore();
  });
});
