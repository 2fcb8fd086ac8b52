import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { HttpEvent, HttpResponse } from '../../functions/lib/http';
import { handler as capture } from '../../functions/payments-capture/handler';
import { handler as createPaymentHandler } from '../../functions/payments-create/handler';
import { handler as voidHandler } from '../../functions/payments-void/handler';
import { handler as refund } from '../../functions/refunds-create/handler';
import { requestHash } from '../../shared/payments/create';
import type { Principal } from '../../shared/users/model';
import { httpEvent, lambdaContext, parseResponse } from '../support/http-event';
import {
  ADA_USD,
  BOB_USD,
  ada,
  admin,
  bob,
  carol,
  depositItem,
  errorPaths,
  mockPaymentAws,
  type PaymentBody,
  paymentItem,
  type PaymentItem,
  paymentPoster,
  technicalItem,
  transfer,
  walletItem,
} from './payment-fixtures';

const {
  dynamo,
  givenAccounts,
  givenHead,
  givenPayments,
  givenStandardWallets,
  sentMessages,
  storedItems,
  expectNothingWritten,
} = mockPaymentAws();

interface PostOptions {
  principal?: Principal | null;
  idempotencyKey?: string;
  rawBody?: string;
}

/** POSTs to one of the payment's routes (`/v1/payments/{id}/<action>`), as `principal`. */
const poster =
  (handler: (event: HttpEvent, context: Context) => Promise<HttpResponse>, action: string) =>
  async (id: string, body: unknown, { principal = ada, idempotencyKey, rawBody }: PostOptions = {}) =>
    parseResponse(
      await handler(
        httpEvent({
          method: 'POST',
          path: `/v1/payments/${id}/${action}`,
          routeKey: `POST /v1/payments/{id}/${action}`,
          params: { id },
          ...(rawBody === undefined ? (body === undefined ? {} : { body }) : { rawBody }),
          ...(principal ? { principal } : {}),
          ...(idempotencyKey === undefined ? {} : { headers: { 'idempotency-key': idempotencyKey } }),
        }),
        lambdaContext(`payments-${action}`),
      ),
    );

const postRefund = poster(refund, 'refunds');
const postCapture = poster(capture, 'capture');
const postVoid = poster(voidHandler, 'void');
const postPayment = paymentPoster(createPaymentHandler);

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

/** A completed transfer of 10.00 USD from Ada to Bob (fee 0.10). */
const completed = (overrides: Partial<PaymentItem> = {}) =>
  paymentItem({
    id: 'pay_01jd0000000000000000000c01',
    status: 'COMPLETED',
    completedAt: '2026-01-01T00:00:01.000Z',
    ...overrides,
  });

/** A transfer of 10.00 USD from Ada to Bob, authorized for 10.10 until far in the future. */
const authorized = (overrides: Partial<PaymentItem> = {}) =>
  paymentItem({
    id: 'pay_01jd0000000000000000000a01',
    status: 'AUTHORIZED',
    capture: 'manual',
    holdSeconds: 604_800n,
    authorizedAt: '2026-01-01T00:00:01.000Z',
    authorizationExpiresAt: '2999-01-01T00:00:00.000Z',
    authorized: 'AUTHORIZED',
    ...overrides,
  });

const transactItems = (call = 0) => dynamo.commandCalls(TransactWriteCommand)[call]?.args[0].input.TransactItems ?? [];

const problemOf = (response: { status: number; body: unknown }) => ({
  status: response.status,
  code: (response.body as { code: string }).code,
});

describe('POST /v1/payments/{id}/refunds', () => {
  it('accepts the payee’s refund with 202: a refund payment back to the payer, fee 0, what is left by default', async () => {
    givenStandardWallets();
    givenPayments(completed({ refundsReserved: 300n }));

    const response = await postRefund(
      completed().id,
      { reason: 'Broken on arrival', metadata: { ticket: 'RMA-7' } },
      { principal: bob },
    );

    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^pay_[0-9a-z]{26}$/),
      type: 'refund',
      status: 'INITIATED',
      sourceAccountId: BOB_USD,
      destinationAccountId: ADA_USD,
      amount: 700,
      currency: 'USD',
      fee: 0,
      description: 'Broken on arrival',
      capture: 'automatic',
      refundOf: completed().id,
      refundedAmount: 0,
      metadata: { ticket: 'RMA-7' },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(sentMessages()).toEqual([{ paymentId: (response.body as PaymentBody).id }]);
  });

  it('stores the refund in one transaction with its reservation on the original, conditional on the room left', async () => {
    givenStandardWallets();
    givenPayments(completed());

    await postRefund(completed().id, { amount: 250 }, { principal: bob, idempotencyKey: 'refund-1' });

    const [put, reserve] = transactItems();
    expect(put?.Put).toMatchObject({
      TableName: 'payments',
      ConditionExpression: 'attribute_not_exists(id)',
      Item: { type: 'refund', amount: 250n, refundOf: completed().id, pending: 'INITIATED' },
    });
    expect(reserve?.Update).toMatchObject({
      TableName: 'payments',
      Key: { id: completed().id },
      UpdateExpression: 'ADD refundsReserved :amount',
      ExpressionAttributeValues: expect.objectContaining({ ':amount': 250n, ':most': 750n }),
    });
    expect(storedItems('idempotency')).toEqual([expect.objectContaining({ paymentId: expect.any(String) })]);
  });

  it('lets an operator refund a withdrawal from tech-withdrawals-<currency>', async () => {
    const withdrawal = completed({
      type: 'withdrawal',
      destinationAccountId: 'tech-withdrawals-USD',
      fee: 15n,
    });
    delete withdrawal.destinationOwnerId;
    givenStandardWallets();
    givenAccounts(technicalItem('withdrawals', 'USD'));
    givenPayments(withdrawal);

    const byAdmin = await postRefund(withdrawal.id, { amount: 100 }, { principal: admin });
    const byPayer = await postRefund(withdrawal.id, { amount: 100 }, { principal: ada });

    expect(byAdmin).toMatchObject({
      status: 202,
      body: { type: 'refund', sourceAccountId: 'tech-withdrawals-USD', destinationAccountId: ADA_USD, amount: 100 },
    });
    expect(problemOf(byPayer)).toEqual({ status: 403, code: 'forbidden' });
  });

  it.each([
    ['the payer, who may see the payment', ada, 403, 'forbidden'],
    ['a stranger, as for a payment that does not exist', carol, 404, 'not_found'],
  ])('refuses %s', async (_who, principal, status, code) => {
    givenStandardWallets();
    givenPayments(completed());

    const response = await postRefund(completed().id, {}, { principal });

    expect(problemOf(response)).toEqual({ status, code });
    expectNothingWritten();
  });

  it.each([
    ['an INITIATED payment', paymentItem({ id: 'pay_01jd0000000000000000000i01' })],
    ['a deposit', depositItem({ id: 'pay_01jd0000000000000000000d01', status: 'COMPLETED' })],
    ['a refund', completed({ id: 'pay_01jd0000000000000000000r01', type: 'refund', refundOf: 'pay_x' })],
    ['an authorized payment', authorized({ destinationOwnerId: ada.userId })],
  ])('answers 422 not_refundable for %s, writing nothing', async (_case, item) => {
    givenStandardWallets();
    givenPayments({ ...item, destinationOwnerId: ada.userId });

    const response = await postRefund(item.id, {}, { principal: ada });

    expect(problemOf(response)).toEqual({ status: 422, code: 'not_refundable' });
    expectNothingWritten();
  });

  it('answers 422 refund_exceeds_payment for more than is left to refund, and when nothing is left', async () => {
    givenStandardWallets();
    givenPayments(completed({ refundsReserved: 900n }));
    const spent = completed({ id: 'pay_01jd0000000000000000000c02', refundsReserved: 1000n });
    givenPayments(spent);

    const over = await postRefund(completed().id, { amount: 101 }, { principal: bob });
    const none = await postRefund(spent.id, {}, { principal: bob });

    expect(problemOf(over)).toEqual({ status: 422, code: 'refund_exceeds_payment' });
    expect((over.body as { detail: string }).detail).toContain('100 minor units are left');
    expect(problemOf(none)).toEqual({ status: 422, code: 'refund_exceeds_payment' });
    expectNothingWritten();
  });

  it('answers 422 refund_exceeds_payment when a concurrent refund took the room first, queueing nothing', async () => {
    givenStandardWallets();
    givenPayments(completed());
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));

    const response = await postRefund(completed().id, { amount: 600 }, { principal: bob });

    expect(problemOf(response)).toEqual({ status: 422, code: 'refund_exceeds_payment' });
    expect(sentMessages()).toEqual([]);
  });

  it('answers 422 account_frozen when the payee’s wallet was frozen since, writing nothing', async () => {
    givenStandardWallets();
    givenAccounts(walletItem(BOB_USD, bob.userId, { status: 'frozen' }));
    givenPayments(completed());

    const response = await postRefund(completed().id, {}, { principal: bob });

    expect(problemOf(response)).toEqual({ status: 422, code: 'account_frozen' });
    expectNothingWritten();
  });

  it.each([
    ['a zero amount', { amount: 0 }, ['amount']],
    ['a fractional amount', { amount: 1.5 }, ['amount']],
    ['an amount as a string', { amount: '100' }, ['amount']],
    ['a reason of 501 characters', { reason: 'x'.repeat(501) }, ['reason']],
    ['a reason with a control character', { reason: 'a\u0007b' }, ['reason']],
    ['an unknown field', { fee: 0 }, ['fee']],
  ])('answers 400 validation_error for %s, reading and writing nothing', async (_case, body, paths) => {
    const response = await postRefund(completed().id, body, { principal: bob });

    expect(problemOf(response)).toEqual({ status: 400, code: 'validation_error' });
    expect(errorPaths(response)).toEqual(paths);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
    expectNothingWritten();
  });

  it('answers 401 without a caller and 403 email_unverified to an unverified one', async () => {
    const anonymous = await postRefund(completed().id, {}, { principal: null });
    const unverified = await postRefund(completed().id, {}, { principal: { ...bob, emailVerified: false } });

    expect(problemOf(anonymous)).toEqual({ status: 401, code: 'unauthorized' });
    expect(problemOf(unverified)).toEqual({ status: 403, code: 'email_unverified' });
    expectNothingWritten();
  });
});

describe('POST /v1/payments/{id}/capture', () => {
  it('captures part of an authorization: COMPLETED, the fee on the captured amount, the rest released', async () => {
    givenPayments(authorized());

    const response = await postCapture(authorized().id, { amount: 400 }, { idempotencyKey: 'capture-1' });

    expect(response).toMatchObject({
      status: 200,
      body: { status: 'COMPLETED', amount: 1000, capturedAmount: 400, fee: 4, capture: 'manual' },
    });
    const items = transactItems();
    expect(items[0]?.Update).toMatchObject({
      TableName: 'payments',
      Key: { id: authorized().id },
      ConditionExpression: '#status = :from',
      ExpressionAttributeValues: expect.objectContaining({ ':from': 'AUTHORIZED', ':to': 'COMPLETED', ':fee': 4n }),
    });
    expect(items[0]?.Update?.UpdateExpression).toContain('REMOVE authorized');
    // The request's key is claimed in the same transaction: the capture and its claim happen together or not at all.
    expect(items[1]?.Put).toMatchObject({
      TableName: 'idempotency',
      Item: { key: `user#${ada.userId}#capture-1`, paymentId: authorized().id },
      ConditionExpression: 'attribute_not_exists(#key)',
    });
    const legs = items.flatMap((item) => (item.Put?.TableName === 'operations' ? [item.Put.Item] : []));
    expect(legs.map((leg) => [leg?.accountId, leg?.amount, leg?.type])).toEqual([
      ['tech-holds-USD', -400n, 'transfer'],
      ['tech-holds-USD', -4n, 'commission'],
      ['tech-holds-USD', -606n, 'release'],
      [BOB_USD, 400n, 'transfer'],
      ['tech-fees-USD', 4n, 'commission'],
      [ADA_USD, 606n, 'release'],
    ]);
    const sourceHead = items.find((item) => item.Update?.Key?.id === ADA_USD)?.Update;
    expect(sourceHead?.UpdateExpression).toContain('ADD held :held');
    expect(sourceHead?.ExpressionAttributeValues).toMatchObject({ ':held': -1010n });
  });

  it('answers a capture repeated under its key as it was made, and refuses the key with another body', async () => {
    const done = authorized({ status: 'COMPLETED', capturedAmount: 400n, fee: 4n });
    givenPayments(done);
    dynamo.on(GetCommand, { TableName: 'idempotency' }).resolves({
      Item: {
        key: `user#${ada.userId}#capture-1`,
        requestHash: requestHash({ capture: done.id, amount: 400 }),
        paymentId: done.id,
      },
    });

    const repeated = await postCapture(done.id, { amount: 400 }, { idempotencyKey: 'capture-1' });
    const reused = await postCapture(done.id, { amount: 500 }, { idempotencyKey: 'capture-1' });

    expect(repeated).toMatchObject({ status: 200, body: { id: done.id, status: 'COMPLETED', capturedAmount: 400 } });
    expect(problemOf(reused)).toEqual({ status: 422, code: 'idempotency_key_reused' });
    expectNothingWritten();
  });

  it.each([
    ['a COMPLETED payment', completed()],
    ['a VOIDED payment', authorized({ status: 'VOIDED', voidReason: 'requested' })],
    ['an INITIATED manual payment', paymentItem({ capture: 'manual' })],
  ])('answers 422 not_authorized for %s, writing nothing', async (_case, item) => {
    givenPayments(item);

    const response = await postCapture(item.id, {});

    expect(problemOf(response)).toEqual({ status: 422, code: 'not_authorized' });
    expectNothingWritten();
  });

  it('answers 422 capture_exceeds_authorization above the authorized amount, writing nothing', async () => {
    givenPayments(authorized());

    const response = await postCapture(authorized().id, { amount: 1001 });

    expect(problemOf(response)).toEqual({ status: 422, code: 'capture_exceeds_authorization' });
    expectNothingWritten();
  });

  it('voids an authorization past its expiry as expired and refuses the capture', async () => {
    givenPayments(authorized({ authorizationExpiresAt: '2026-01-08T00:00:01.000Z' }));

    const response = await postCapture(authorized().id, {});

    expect(problemOf(response)).toEqual({ status: 422, code: 'not_authorized' });
    expect(transactItems()[0]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':to': 'VOIDED',
      ':voidReason': 'expired',
    });
  });

  it('answers 422 not_authorized to the loser of a race, once the payment has moved on', async () => {
    givenPayments(authorized());
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed'));

    const response = await postCapture(authorized().id, {});

    expect(problemOf(response)).toEqual({ status: 422, code: 'not_authorized' });
  });

  it.each([
    ['the payee, who may see the payment', bob, 403, 'forbidden'],
    ['a stranger', carol, 404, 'not_found'],
  ])('refuses %s', async (_who, principal, status, code) => {
    givenPayments(authorized());

    const response = await postCapture(authorized().id, {}, { principal });

    expect(problemOf(response)).toEqual({ status, code });
    expectNothingWritten();
  });

  it.each([
    ['a zero amount', { amount: 0 }, ['amount']],
    ['a negative amount', { amount: -5 }, ['amount']],
    ['an unknown field', { currency: 'USD' }, ['currency']],
  ])('answers 400 validation_error for %s', async (_case, body, paths) => {
    const response = await postCapture(authorized().id, body);

    expect(problemOf(response)).toEqual({ status: 400, code: 'validation_error' });
    expect(errorPaths(response)).toEqual(paths);
    expectNothingWritten();
  });

  it('lets an operator capture any authorization', async () => {
    givenPayments(authorized());

    const response = await postCapture(authorized().id, {}, { principal: admin });

    expect(response).toMatchObject({ status: 200, body: { status: 'COMPLETED', capturedAmount: 1000, fee: 10 } });
  });
});

describe('POST /v1/payments/{id}/void', () => {
  it('voids an authorization: VOIDED, requested, everything held released in one conditional transaction', async () => {
    givenPayments(authorized());
    givenHead(ADA_USD, 3n, 0n);

    const response = await postVoid(authorized().id, undefined, { idempotencyKey: 'any key' });

    expect(response).toMatchObject({ status: 200, body: { status: 'VOIDED', voidReason: 'requested' } });
    const items = transactItems();
    expect(items[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':from': 'AUTHORIZED', ':to': 'VOIDED' });
    const legs = items.flatMap((item) => (item.Put?.TableName === 'operations' ? [item.Put.Item] : []));
    expect(legs.map((leg) => [leg?.accountId, leg?.amount, leg?.type])).toEqual([
      ['tech-holds-USD', -1010n, 'release'],
      [ADA_USD, 1010n, 'release'],
    ]);
    // Getting its own money back needs no active wallet: a frozen payer's hold is still released.
    const sourceHead = items.find((item) => item.Update?.Key?.id === ADA_USD)?.Update;
    expect(sourceHead?.ConditionExpression).toBe('seq = :previous');
  });

  it('answers a VOIDED payment as it is, however it was voided, writing nothing', async () => {
    givenPayments(authorized({ status: 'VOIDED', voidReason: 'expired' }));

    const response = await postVoid(authorized().id, undefined);

    expect(response).toMatchObject({ status: 200, body: { status: 'VOIDED', voidReason: 'expired' } });
    expectNothingWritten();
  });

  it('answers 422 not_authorized for a captured payment', async () => {
    givenPayments(authorized({ status: 'COMPLETED', capturedAmount: 1000n }));

    const response = await postVoid(authorized().id, undefined);

    expect(problemOf(response)).toEqual({ status: 422, code: 'not_authorized' });
    expectNothingWritten();
  });

  it.each([
    ['the payee', bob, 403, 'forbidden'],
    ['a stranger', carol, 404, 'not_found'],
    ['no caller', null, 401, 'unauthorized'],
  ])('refuses %s', async (_who, principal, status, code) => {
    givenPayments(authorized());

    const response = await postVoid(authorized().id, undefined, { principal });

    expect(problemOf(response)).toEqual({ status, code });
    expectNothingWritten();
  });
});

describe('POST /v1/payments with capture: "manual"', () => {
  it('accepts a manual transfer with its hold length, and opens the holds account of its currency', async () => {
    givenStandardWallets();

    const response = await postPayment(transfer({ capture: 'manual', holdSeconds: 3600 }));

    expect(response).toMatchObject({ status: 202, body: { status: 'INITIATED', capture: 'manual' } });
    expect(response.body).not.toHaveProperty('holdSeconds');
    expect(storedItems('payments')).toEqual([expect.objectContaining({ capture: 'manual', holdSeconds: 3600 })]);
    expect(storedItems('accounts')).toContainEqual(expect.objectContaining({ id: 'tech-holds-USD', purpose: 'holds' }));
  });

  it('holds for 7 days when the request does not say', async () => {
    givenStandardWallets();

    await postPayment(transfer({ capture: 'manual' }));

    expect(storedItems('payments')).toEqual([expect.objectContaining({ holdSeconds: 604_800 })]);
  });

  it.each([
    ['a hold under a minute', { capture: 'manual', holdSeconds: 59 }, ['holdSeconds']],
    ['a hold over 30 days', { capture: 'manual', holdSeconds: 2_592_001 }, ['holdSeconds']],
    ['a fractional hold', { capture: 'manual', holdSeconds: 60.5 }, ['holdSeconds']],
    ['an unknown capture mode', { capture: 'later' }, ['capture']],
    ['a hold without a manual capture', { holdSeconds: 600 }, ['holdSeconds']],
  ])('answers 400 validation_error for %s, writing nothing', async (_case, fields, paths) => {
    givenStandardWallets();

    const response = await postPayment(transfer(fields));

    expect(problemOf(response)).toEqual({ status: 400, code: 'validation_error' });
    expect(errorPaths(response)).toEqual(paths);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses a manual exchange with 400: only transfers and withdrawals are authorized', async () => {
    const response = await postPayment({
      type: 'exchange',
      sourceAccountId: ADA_USD,
      destinationAccountId: BOB_USD,
      amount: 100,
      capture: 'manual',
    });

    expect(problemOf(response)).toEqual({ status: 400, code: 'validation_error' });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});
