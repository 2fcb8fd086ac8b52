import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { handler } from '../../functions/processor/handler';
import { lambdaContext } from '../support/http-event';
import {
  ADA_USD,
  BOB_USD,
  depositItem,
  mockPaymentAws,
  paymentItem,
  paymentMessage,
  sqsEvent,
  sqsRecord,
} from './payment-fixtures';

const { dynamo, sqs, givenPayments, givenHead } = mockPaymentAws();

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const deliver = (...records: ReturnType<typeof sqsRecord>[]) =>
  handler(sqsEvent(...records), lambdaContext('processor'));

interface Leg {
  chain: string;
  seq: bigint;
  accountId: string;
  amount: bigint;
  balanceAfter: bigint;
  type: string;
  paymentId: string;
}

const committedLegs = (call = 0): Leg[] =>
  (dynamo.commandCalls(TransactWriteCommand)[call]?.args[0].input.TransactItems ?? []).flatMap((item) =>
    item.Put ? [item.Put.Item as Leg] : [],
  );

// A transfer of 10.00 USD from Ada to Bob with its 0.10 fee: Ada needs 10.10.
const transfer = paymentItem({ id: 'pay_01jd00000000000000000000t1', amount: 1000n, fee: 10n });

describe('processor', () => {
  it('completes an INITIATED transfer in one transaction: the payment, its heads, and four legs that sum to zero', async () => {
    givenPayments(transfer);
    givenHead(ADA_USD, 4n, 5000n);
    givenHead(BOB_USD, 1n, 100n);

    const result = await deliver(paymentMessage(transfer.id));

    expect(result).toEqual({ batchItemFailures: [] });
    const writes = dynamo.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(1);
    const [update, ...rest] = writes[0]!.args[0].input.TransactItems!;
    expect(update!.Update).toMatchObject({
      TableName: 'payments',
      Key: { id: transfer.id },
      ConditionExpression: '#status = :from',
      ExpressionAttributeValues: expect.objectContaining({ ':to': 'COMPLETED', ':from': 'INITIATED' }),
    });
    expect(update!.Update!.UpdateExpression).toContain('REMOVE pending');
    const headUpdates = rest.flatMap((item) => (item.Update ? [item.Update] : []));
    expect(headUpdates.map((head) => [head.Key, head.ConditionExpression])).toEqual([
      [{ id: ADA_USD }, 'seq = :previous AND #status = :active'],
      [{ id: BOB_USD }, 'seq = :previous AND #status = :active'],
      [{ id: expect.stringMatching(/^tech-fees-USD#[0-7]$/) }, '(attribute_not_exists(seq) OR seq = :previous)'],
    ]);
    expect(headUpdates[0]!.ExpressionAttributeValues).toMatchObject({ ':previous': 4n, ':seq': 6n, ':balance': 3990n });
    const puts = rest.flatMap((item) => (item.Put ? [item.Put] : []));
    expect(puts.map((put) => put.ConditionExpression)).toEqual(Array(4).fill('attribute_not_exists(chain)'));
    const legs = committedLegs();
    expect(legs).toEqual([
      expect.objectContaining({ chain: ADA_USD, seq: 5n, amount: -1000n, balanceAfter: 4000n, type: 'transfer' }),
      expect.objectContaining({ chain: ADA_USD, seq: 6n, amount: -10n, balanceAfter: 3990n, type: 'commission' }),
      expect.objectContaining({ chain: BOB_USD, seq: 2n, amount: 1000n, balanceAfter: 1100n, type: 'transfer' }),
      expect.objectContaining({
        chain: expect.stringMatching(/^tech-fees-USD#[0-7]$/),
        accountId: 'tech-fees-USD',
        seq: 1n,
        amount: 10n,
        balanceAfter: 10n,
        type: 'commission',
      }),
    ]);
    expect(legs.reduce((sum, leg) => sum + leg.amount, 0n)).toBe(0n);
    expect(new Set(legs.map((leg) => leg.paymentId))).toEqual(new Set([transfer.id]));
  });

  it('authorizes a manual transfer: AUTHORIZED until its hold ends, amount + fee held on the source, paid to tech-holds', async () => {
    const manual = paymentItem({ id: 'pay_01jd00000000000000000000m1', capture: 'manual', holdSeconds: 3600n });
    givenPayments(manual);
    givenHead(ADA_USD, 4n, 5000n);
    const before = Date.now();

    const result = await deliver(paymentMessage(manual.id));

    expect(result).toEqual({ batchItemFailures: [] });
    const [update, ...rest] = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    const values = update!.Update!.ExpressionAttributeValues!;
    expect(values).toMatchObject({ ':from': 'INITIATED', ':to': 'AUTHORIZED' });
    expect(
      Date.parse(values[':authorizationExpiresAt'] as string) - Date.parse(values[':authorizedAt'] as string),
    ).toBe(3_600_000);
    expect(Date.parse(values[':authorizedAt'] as string)).toBeGreaterThanOrEqual(before);
    // The sparse `authorized` index holds it, by expiry, until a capture, a void or the sweeper ends it.
    expect(update!.Update!.UpdateExpression).toContain('authorized = :to');
    expect(update!.Update!.UpdateExpression).toContain('REMOVE pending');
    const source = rest.find((item) => item.Update?.Key?.id === ADA_USD)!.Update!;
    expect(source.UpdateExpression).toContain('ADD held :held');
    expect(source.ExpressionAttributeValues).toMatchObject({ ':held': 1010n, ':balance': 3990n });
    expect(source.ConditionExpression).toBe('seq = :previous AND #status = :active');
    expect(committedLegs().map((leg) => [leg.accountId, leg.amount, leg.type])).toEqual([
      [ADA_USD, -1010n, 'hold'],
      ['tech-holds-USD', 1010n, 'hold'],
    ]);
  });

  it('fails a manual transfer the source cannot cover, holding nothing', async () => {
    const manual = paymentItem({ id: 'pay_01jd00000000000000000000m2', capture: 'manual', holdSeconds: 3600n });
    givenPayments(manual);
    givenHead(ADA_USD, 1n, 1009n);

    await deliver(paymentMessage(manual.id));

    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':failed': 'FAILED',
      ':reason': 'insufficient_funds',
    });
  });

  it('completes a refund adding to its original’s refunded total, on condition it stays within the original', async () => {
    const original = paymentItem({ id: 'pay_01jd00000000000000000000o1', status: 'COMPLETED', refundedAmount: 200n });
    const refund = paymentItem({
      id: 'pay_01jd00000000000000000000r1',
      type: 'refund',
      sourceAccountId: BOB_USD,
      destinationAccountId: ADA_USD,
      amount: 300n,
      fee: 0n,
      refundOf: original.id,
    });
    givenPayments(original, refund);
    givenHead(BOB_USD, 2n, 1000n);

    await deliver(paymentMessage(refund.id));

    const items = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[1]?.Update).toMatchObject({
      Key: { id: original.id },
      UpdateExpression: 'SET updatedAt = :now ADD refundedAmount :amount',
      ConditionExpression: 'attribute_not_exists(refundedAmount) OR refundedAmount <= :most',
      ExpressionAttributeValues: expect.objectContaining({ ':amount': 300n, ':most': 700n }),
    });
    const puts = items.flatMap((item) => (item.Put ? [item.Put.Item as Leg] : []));
    expect(puts.map((leg) => [leg.accountId, leg.amount, leg.type])).toEqual([
      [BOB_USD, -300n, 'refund'],
      [ADA_USD, 300n, 'refund'],
      ['tally-refunds-USD', 300n, 'refund'],
    ]);
  });

  it('fails a refund whose original has no room left, giving back what it reserved', async () => {
    const original = paymentItem({ id: 'pay_01jd00000000000000000000o2', status: 'COMPLETED' });
    const refund = paymentItem({
      id: 'pay_01jd00000000000000000000r2',
      type: 'refund',
      sourceAccountId: BOB_USD,
      destinationAccountId: ADA_USD,
      amount: 300n,
      fee: 0n,
      refundOf: original.id,
    });
    givenPayments(original, refund);
    givenHead(BOB_USD, 2n, 1000n);
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('None', 'ConditionalCheckFailed')).resolves({});

    await deliver(paymentMessage(refund.id));

    const failing = dynamo.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems!;
    expect(failing[0]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':failed': 'FAILED',
      ':reason': 'refund_exceeds_payment',
    });
    expect(failing[1]?.Update).toMatchObject({
      Key: { id: original.id },
      UpdateExpression: 'ADD refundsReserved :released',
      ExpressionAttributeValues: { ':released': -300n },
    });
  });

  it('completes a transfer that takes the source to exactly zero', async () => {
    givenPayments(transfer);
    givenHead(ADA_USD, 1n, 1010n);

    const result = await deliver(paymentMessage(transfer.id));

    expect(result.batchItemFailures).toEqual([]);
    expect(committedLegs()[1]).toMatchObject({ accountId: ADA_USD, type: 'commission', balanceAfter: 0n });
  });

  it('fails a transfer whose source lacks amount + fee with insufficient_funds, moving no money', async () => {
    givenPayments(transfer);
    givenHead(ADA_USD, 1n, 1009n);

    const result = await deliver(paymentMessage(transfer.id));

    expect(result.batchItemFailures).toEqual([]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    const updates = dynamo.commandCalls(UpdateCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args[0].input).toMatchObject({
      TableName: 'payments',
      Key: { id: transfer.id },
      ConditionExpression: '#status = :initiated',
      ExpressionAttributeValues: expect.objectContaining({ ':failed': 'FAILED', ':reason': 'insufficient_funds' }),
    });
  });

  it('completes a deposit even though it takes the bank account below zero', async () => {
    const deposit = depositItem({ id: 'pay_01jd00000000000000000000d1' });
    givenPayments(deposit);

    const result = await deliver(paymentMessage(deposit.id));

    expect(result.batchItemFailures).toEqual([]);
    expect(committedLegs()).toEqual([
      expect.objectContaining({ accountId: 'tech-bank-USD', amount: -50000n, balanceAfter: -50000n, type: 'deposit' }),
      expect.objectContaining({ accountId: ADA_USD, amount: 50000n, balanceAfter: 50000n, type: 'deposit' }),
    ]);
  });

  it.each([
    ['a body that is not JSON', 'not json'],
    ['an empty object', '{}'],
    ['an empty payment id', '{"paymentId":""}'],
    ['a payment id that is not a string', '{"paymentId":42}'],
    ['a JSON string', '"pay_01jd00000000000000000000t1"'],
    ['null', 'null'],
  ])('reports exactly the message with %s as a batch item failure, and applies the good one', async (_case, body) => {
    givenPayments(transfer);
    givenHead(ADA_USD, 1n, 5000n);

    const result = await deliver(paymentMessage(transfer.id, 'good'), sqsRecord(body, 'bad'));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('reads the payments of a batch in one request, and reports every message when that read fails', async () => {
    const other = paymentItem({ id: 'pay_01jd00000000000000000000t2' });
    givenPayments(transfer, other);
    givenHead(ADA_USD, 1n, 5000n);
    dynamo
      .on(BatchGetCommand, { RequestItems: { payments: { Keys: [{ id: transfer.id }, { id: other.id }] } } })
      .rejects(new Error('ProvisionedThroughputExceeded'));

    const result = await deliver(paymentMessage(transfer.id, 'm-1'), paymentMessage(other.id, 'm-2'));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }] });
    expect(dynamo.commandCalls(GetCommand, { TableName: 'payments' })).toHaveLength(0);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('reports the message whose transaction DynamoDB failed, so SQS redelivers it', async () => {
    givenPayments(transfer);
    givenHead(ADA_USD, 1n, 5000n);
    dynamo.on(TransactWriteCommand).rejects(new Error('InternalServerError'));

    const result = await deliver(paymentMessage(transfer.id, 'm-1'));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
  });

  it.each([
    ['COMPLETED', { status: 'COMPLETED' as const, completedAt: '2026-01-01T00:00:01.000Z' }],
    ['FAILED', { status: 'FAILED' as const, failureReason: 'insufficient_funds' }],
  ])('leaves a payment already %s alone and acknowledges its message', async (_case, overrides) => {
    const final = paymentItem({ ...transfer, ...overrides });
    delete final.pending;
    givenPayments(final);

    const result = await deliver(paymentMessage(final.id));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    // No chain head is read for it.
    expect(
      dynamo.commandCalls(BatchGetCommand).filter((call) => call.args[0].input.RequestItems?.accounts !== undefined),
    ).toHaveLength(0);
  });

  it('acknowledges a message for a payment that does not exist, writing nothing', async () => {
    const result = await deliver(paymentMessage('pay_01jd00000000000000000000zz'));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('treats a transaction cancelled by the payment’s own condition as another delivery’s success', async () => {
    givenPayments(transfer);
    givenHead(ADA_USD, 1n, 5000n);
    dynamo
      .on(TransactWriteCommand)
      .rejects(cancelled('ConditionalCheckFailed', 'None', 'None', 'None', 'None', 'None', 'None', 'None'));

    const result = await deliver(paymentMessage(transfer.id));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('re-reads the heads and retries when a chain moved under the payment', async () => {
    givenPayments(transfer);
    givenHead(ADA_USD, 1n, 5000n);
    dynamo
      .on(TransactWriteCommand)
      .callsFakeOnce(() => {
        // Another payment moved Ada's head meanwhile: her head update's condition fails.
        givenHead(ADA_USD, 2n, 4000n);
        throw cancelled('None', 'ConditionalCheckFailed', 'None', 'None', 'None', 'None', 'None', 'None');
      })
      .resolves({});

    const result = await deliver(paymentMessage(transfer.id));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(committedLegs(1)[1]).toMatchObject({ accountId: ADA_USD, seq: 4n, balanceAfter: 2990n });
  });

  it('processes every message of a batch, committing the payments that share chains in one transaction', async () => {
    const second = paymentItem({
      id: 'pay_01jd00000000000000000000t2',
      sourceAccountId: BOB_USD,
      destinationAccountId: ADA_USD,
    });
    givenPayments(transfer, second);
    givenHead(ADA_USD, 1n, 5000n);
    givenHead(BOB_USD, 1n, 5000n);

    const result = await deliver(paymentMessage(transfer.id), paymentMessage(second.id));

    expect(result).toEqual({ batchItemFailures: [] });
    const paymentsCommitted = dynamo
      .commandCalls(TransactWriteCommand)
      .flatMap((call) => call.args[0].input.TransactItems ?? [])
      .flatMap((item) => (item.Update?.TableName === 'payments' ? [item.Update.Key?.id as string] : []));
    expect(paymentsCommitted.sort()).toEqual([transfer.id, second.id].sort());
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(sqs.calls()).toHaveLength(0);
  });
});
