import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { handler as createDeposit } from '../../functions/deposits-create/handler';
import type { Principal } from '../../shared/users/model';
import { httpEvent, lambdaContext, parseResponse } from '../support/http-event';
import {
  ADA_EUR,
  type AccountItem,
  ada,
  admin,
  conditionFailure,
  errorPaths,
  mockPaymentAws,
  type PaymentBody,
  technicalItem,
  walletItem,
} from './payment-fixtures';

const { dynamo, sqs, givenAccounts, givenStandardWallets, storedItems, getsOf, sentMessages, expectNothingWritten } =
  mockPaymentAws();

describe('POST /v1/admin/deposits', () => {
  const deposit = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    accountId: ADA_EUR,
    amount: 50000,
    currency: 'EUR',
    reference: 'BANK-2026-0001',
    ...overrides,
  });

  const postDeposit = async (body: unknown, principal: Principal | null = admin) =>
    parseResponse(
      await createDeposit(
        httpEvent({ method: 'POST', path: '/v1/admin/deposits', body, ...(principal ? { principal } : {}) }),
        lambdaContext('deposits-create'),
      ),
    );

  it('answers 403 forbidden to a user who is not an admin, reading nothing', async () => {
    const response = await postDeposit(deposit(), ada);

    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ status: 403, code: 'forbidden' });
    expect(dynamo.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('answers 401 unauthorized without a caller', async () => {
    const response = await postDeposit(deposit(), null);

    expect(response.status).toBe(401);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('accepts a deposit with 202: type deposit, from tech-bank-<CUR>, the bank reference echoed', async () => {
    givenStandardWallets();

    const response = await postDeposit(deposit());

    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^pay_[0-9a-z]{26}$/),
      type: 'deposit',
      status: 'INITIATED',
      sourceAccountId: 'tech-bank-EUR',
      destinationAccountId: ADA_EUR,
      amount: 50000,
      currency: 'EUR',
      fee: 0,
      reference: 'BANK-2026-0001',
      capture: 'automatic',
      refundedAmount: 0,
      metadata: {},
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(sentMessages()).toEqual([{ paymentId: (response.body as PaymentBody).id }]);
    expect(storedItems('payments')).toEqual([
      expect.objectContaining({ destinationOwnerId: ada.userId, pending: 'INITIATED' }),
    ]);
  });

  it('opens tech-bank-<CUR> and tech-fees-<CUR> on first use, only if absent', async () => {
    givenAccounts(walletItem('acc_ada_chf', ada.userId, { currency: 'CHF' }));

    await postDeposit(deposit({ accountId: 'acc_ada_chf', currency: 'CHF' }));

    const opened = dynamo
      .commandCalls(PutCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.TableName === 'accounts');
    expect(opened.map((input) => (input.Item as AccountItem).id).sort()).toEqual(['tech-bank-CHF', 'tech-fees-CHF']);
    expect(opened.map((input) => input.ConditionExpression)).toEqual([
      'attribute_not_exists(id)',
      'attribute_not_exists(id)',
    ]);
  });

  it('takes a technical account another request opened first from the refused write, without reading it', async () => {
    // A currency no other test deposits in: technical accounts, once seen, are remembered by the warm container.
    givenAccounts(walletItem('acc_ada_nok', ada.userId, { currency: 'NOK' }));
    dynamo.on(PutCommand, { TableName: 'accounts' }).callsFake((input: { Item: AccountItem }) => {
      throw conditionFailure({ ...input.Item });
    });

    const response = await postDeposit(deposit({ accountId: 'acc_ada_nok', currency: 'NOK' }));

    expect(response.status).toBe(202);
    expect(getsOf('accounts').map((input) => input.Key)).toEqual([{ id: 'acc_ada_nok' }]);
  });

  it('answers the same payment for the same reference and body, writing nothing', async () => {
    givenStandardWallets();
    const first = await postDeposit(deposit());
    const [claim] = storedItems('idempotency');
    const [payment] = storedItems('payments');
    dynamo.on(GetCommand, { TableName: 'idempotency', Key: { key: claim!.key } }).resolves({ Item: claim });
    dynamo.on(GetCommand, { TableName: 'payments', Key: { id: payment!.id } }).resolves({ Item: payment });
    dynamo.resetHistory();
    sqs.resetHistory();

    const again = await postDeposit(deposit());

    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expectNothingWritten();
  });

  it('answers 422 for the same reference with another amount, writing nothing', async () => {
    givenStandardWallets();
    await postDeposit(deposit());
    const [claim] = storedItems('idempotency');
    dynamo.on(GetCommand, { TableName: 'idempotency', Key: { key: claim!.key } }).resolves({ Item: claim });
    dynamo.resetHistory();
    sqs.resetHistory();

    const response = await postDeposit(deposit({ amount: 60000 }));

    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'idempotency_key_reused' });
    expectNothingWritten();
  });

  it.each([
    ['an account that does not exist', deposit({ accountId: 'acc_01jd00000000000000000000zz' }), 404, 'not_found'],
    ['a technical account', deposit({ accountId: 'tech-fees-EUR' }), 404, 'not_found'],
    ['an account in another currency', deposit({ currency: 'USD' }), 422, 'currency_mismatch'],
    ['a closed account', deposit({ accountId: 'acc_closed_ada' }), 422, 'account_closed'],
  ])('refuses a deposit to %s, writing nothing', async (_case, body, status, code) => {
    givenStandardWallets();
    givenAccounts(
      technicalItem('fees', 'EUR'),
      walletItem('acc_closed_ada', ada.userId, { currency: 'EUR', status: 'closed' }),
    );

    const response = await postDeposit(body);

    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ code });
    expectNothingWritten();
  });

  it.each([
    ['a reference with a space', deposit({ reference: 'BANK 1' }), 'validation_error', ['reference']],
    ['no reference', deposit({ reference: undefined }), 'validation_error', ['reference']],
    ['an amount of zero', deposit({ amount: 0 }), 'validation_error', ['amount']],
    ['a fractional amount', deposit({ amount: 0.5 }), 'validation_error', ['amount']],
    ['an unknown currency', deposit({ currency: 'eur' }), 'unsupported_currency', ['currency']],
    [
      'a source set by the client',
      deposit({ sourceAccountId: 'tech-fees-EUR' }),
      'validation_error',
      ['sourceAccountId'],
    ],
  ])('refuses %s with 400, reading nothing', async (_case, body, code, paths) => {
    const response = await postDeposit(body);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code });
    expect(errorPaths(response)).toEqual(paths);
    expect(dynamo.calls()).toHaveLength(0);
  });
});
