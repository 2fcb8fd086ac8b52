import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { handler as getPayment } from '../../functions/payments-get/handler';
import { handler as listPayments } from '../../functions/payments-list/handler';
import type { Principal } from '../../shared/users/model';
import { httpEvent, lambdaContext, parseResponse, type ParsedResponse } from '../support/http-event';
import {
  ADA_EUR,
  ADA_USD,
  ADA_USD_2,
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
  type Problem,
} from './payment-fixtures';

const { dynamo, givenPayments, givenPaymentIndexes } = mockPaymentAws();

describe('GET /v1/payments/{id}', () => {
  const getOne = async (id: string, principal: Principal) =>
    parseResponse(
      await getPayment(httpEvent({ path: `/v1/payments/${id}`, params: { id }, principal }), lambdaContext()),
    );

  const stored = paymentItem({ description: 'Rent' });

  it.each([
    ['the owner of the source', ada],
    ['the owner of the destination', bob],
    ['an admin', admin],
  ])('lets %s read it, without owner ids or index attributes', async (_case, principal) => {
    givenPayments(stored);

    const response = await getOne(stored.id, principal);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: stored.id,
      type: 'transfer',
      status: 'INITIATED',
      sourceAccountId: ADA_USD,
      destinationAccountId: BOB_USD,
      amount: 1000,
      currency: 'USD',
      fee: 10,
      description: 'Rent',
      capture: 'automatic',
      refundedAmount: 0,
      metadata: {},
      createdAt: stored.createdAt,
      updatedAt: stored.updatedAt,
    });
  });

  it('answers 404 to a third user, exactly as for a payment that does not exist', async () => {
    givenPayments(stored);
    const missing = 'pay_01jd00000000000000000000zz';

    const third = await getOne(stored.id, carol);
    const none = await getOne(missing, carol);

    expect(third.status).toBe(404);
    expect(none.status).toBe(404);
    const { detail: thirdDetail, ...thirdProblem } = third.body as Problem & { detail: string };
    const { detail: noneDetail, ...noneProblem } = none.body as Problem & { detail: string };
    expect(thirdProblem).toEqual(noneProblem);
    expect(thirdDetail.replace(stored.id, '<id>')).toBe(noneDetail.replace(missing, '<id>'));
  });

  it('lets the owner of a deposit’s wallet read it, with its final state', async () => {
    const deposit = depositItem({
      status: 'COMPLETED',
      amount: 1000n,
      reference: 'BANK-1',
      completedAt: '2026-01-01T00:00:01.000Z',
    });
    givenPayments(deposit);

    const response = await getOne(deposit.id, ada);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      type: 'deposit',
      status: 'COMPLETED',
      reference: 'BANK-1',
      completedAt: '2026-01-01T00:00:01.000Z',
    });
  });

  it('hides a FAILED payment from the owner of its destination, and shows it to its payer and operators', async () => {
    const failed = paymentItem({ status: 'FAILED', failureReason: 'insufficient_funds' });
    givenPayments(failed);

    const statuses = await Promise.all([ada, bob, admin].map(async (who) => (await getOne(failed.id, who)).status));

    expect(statuses).toEqual([200, 404, 200]);
  });

  it('answers 404 for an id too long to be one, reading nothing', async () => {
    const response = await getOne('p'.repeat(129), admin);

    expect(response.status).toBe(404);
    expect(dynamo.calls()).toHaveLength(0);
  });
});

describe('GET /v1/payments', () => {
  // Ada's payments on either side: sent (p1, p3, p4), received (p2, p5).
  const p1 = paymentItem({
    status: 'COMPLETED',
    amount: 1000n,
    createdAt: '2026-01-01T00:00:00.000Z',
    completedAt: '2026-01-06T00:00:00.000Z',
    metadata: { orderId: 'A-1', channel: 'web' },
  });
  const p2 = depositItem({
    status: 'COMPLETED',
    reference: 'BANK-1',
    createdAt: '2026-01-02T00:00:00.000Z',
    completedAt: '2026-01-02T00:00:01.000Z',
  });
  const p3 = paymentItem({
    sourceAccountId: ADA_USD_2,
    amount: 200n,
    fee: 2n,
    createdAt: '2026-01-03T00:00:00.000Z',
    metadata: { channel: 'web' },
  });
  const p4 = paymentItem({
    status: 'FAILED',
    failureReason: 'insufficient_funds',
    amount: 7000n,
    fee: 70n,
    createdAt: '2026-01-04T00:00:00.000Z',
    metadata: { channel: 'app' },
  });
  const p5 = depositItem({
    sourceAccountId: 'tech-bank-EUR',
    destinationAccountId: ADA_EUR,
    amount: 300n,
    currency: 'EUR',
    reference: 'BANK-2',
    createdAt: '2026-01-05T00:00:00.000Z',
  });
  const all = [p1, p2, p3, p4, p5];
  const name = new Map(all.map((p, index) => [p.id, `p${index + 1}`]));

  const givenIndexes = () => givenPaymentIndexes(...all);

  const list = async (query: Record<string, string>, principal: Principal = ada) =>
    parseResponse(await listPayments(httpEvent({ path: '/v1/payments', query, principal }), lambdaContext()));

  const names = (response: ParsedResponse) =>
    (response.body as { data: PaymentBody[] }).data.map((payment) => name.get(payment.id) ?? payment.id);

  const indexesRead = () => dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input.IndexName);

  it('lists the caller’s payments on either side, oldest first, without owner ids', async () => {
    await givenIndexes();

    const response = await list({});

    expect(response.status).toBe(200);
    expect(names(response)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    expect(response.body).toMatchObject({ nextCursor: null });
    expect(JSON.stringify(response.body)).not.toMatch(/OwnerId|pending|listed|Key"/);
  });

  it('shows each payment’s metadata, and {} for a payment without any', async () => {
    await givenIndexes();

    const response = await list({});

    const shown = (response.body as { data: PaymentBody[] }).data.map((payment) => payment.metadata);
    expect(shown).toEqual([{ orderId: 'A-1', channel: 'web' }, {}, { channel: 'web' }, { channel: 'app' }, {}]);
  });

  it('never lists a FAILED payment to the owner of its destination: the money never reached them', async () => {
    const incoming = (status: 'FAILED' | 'COMPLETED', createdAt: string) =>
      paymentItem({
        status,
        sourceAccountId: BOB_USD,
        destinationAccountId: ADA_USD,
        sourceOwnerId: bob.userId,
        destinationOwnerId: ada.userId,
        createdAt,
      });
    const [failed, completed] = [
      incoming('FAILED', '2026-02-01T00:00:00.000Z'),
      incoming('COMPLETED', '2026-02-02T00:00:00.000Z'),
    ];
    await givenPaymentIndexes(failed, completed);

    const [toPayee, byAmount, toPayer] = [await list({}), await list({ sort: '-amount' }), await list({}, bob)];

    expect((toPayee.body as { data: PaymentBody[] }).data.map((p) => p.id)).toEqual([completed.id]);
    expect((byAmount.body as { data: PaymentBody[] }).data.map((p) => p.id)).toEqual([completed.id]);
    expect((toPayer.body as { data: PaymentBody[] }).data.map((p) => p.id)).toEqual([failed.id, completed.id]);
  });

  it('lists the newest first, page after page, following both indexes backwards', async () => {
    await givenIndexes();

    const first = await list({ sort: '-createdAt', limit: '2' });
    const second = await list({
      sort: '-createdAt',
      limit: '2',
      cursor: (first.body as { nextCursor: string }).nextCursor,
    });
    const last = await list({
      sort: '-createdAt',
      limit: '2',
      cursor: (second.body as { nextCursor: string }).nextCursor,
    });

    expect([names(first), names(second), names(last)]).toEqual([['p5', 'p4'], ['p3', 'p2'], ['p1']]);
    expect(last.body).toMatchObject({ nextCursor: null });
    expect(dynamo.commandCalls(QueryCommand).every((call) => call.args[0].input.ScanIndexForward === false)).toBe(true);
  });

  it('lists every payment for an admin, from the index of all payments', async () => {
    await givenIndexes();

    const response = await list({}, admin);

    expect(names(response)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    expect(indexesRead()).toEqual(['all']);
  });

  it.each([
    ['status=COMPLETED', { status: 'COMPLETED' }, ['p1', 'p2']],
    ['status=FAILED', { status: 'FAILED' }, ['p4']],
    ['type=deposit', { type: 'deposit' }, ['p2', 'p5']],
    ['type=transfer&status=INITIATED', { type: 'transfer', status: 'INITIATED' }, ['p3']],
    ['accountId on the source side', { accountId: ADA_USD_2 }, ['p3']],
    ['accountId on either side', { accountId: ADA_USD }, ['p1', 'p2', 'p4']],
    ['minAmount, inclusive', { minAmount: '1000' }, ['p1', 'p2', 'p4']],
    ['maxAmount, inclusive', { maxAmount: '300' }, ['p3', 'p5']],
    ['minAmount and maxAmount', { minAmount: '300', maxAmount: '7000' }, ['p1', 'p4', 'p5']],
    ['currency', { currency: 'EUR' }, ['p5']],
    [
      'a from..to range of UTC instants',
      { from: '2026-01-02T00:00:00.000Z', to: '2026-01-04T00:00:00.000Z' },
      ['p2', 'p3', 'p4'],
    ],
    ['a metadata pair', { 'metadata[channel]': 'web' }, ['p1', 'p3']],
    ['a metadata pair and a status', { 'metadata[channel]': 'web', status: 'COMPLETED' }, ['p1']],
    ['a metadata value no payment holds', { 'metadata[channel]': 'fax' }, []],
    ['the refunds of a payment that has none', { refundOf: 'pay_01jd0000000000000000000000' }, []],
    ['a filter nothing matches', { minAmount: '1000000' }, []],
  ])('narrows the list by %s', async (_case, query, expected) => {
    await givenIndexes();

    const response = await list(query);

    expect(response.status).toBe(200);
    expect(names(response)).toEqual(expected);
  });

  it('finds a metadata pair through the metadata index, as payer and as payee, reading no list of payments', async () => {
    await givenIndexes();

    const response = await list({ 'metadata[orderId]': 'A-1' });

    expect(names(response)).toEqual(['p1']);
    expect(indexesRead().sort()).toEqual(['lookup0', 'lookup1']);
  });

  it('finds a metadata pair among every payment for an admin through one lookup', async () => {
    await givenIndexes();

    const response = await list({ 'metadata[channel]': 'app' }, admin);

    expect(names(response)).toEqual(['p4']);
    expect(indexesRead()).toEqual(['lookup2']);
  });

  it('reads an account’s payments through the indexes by account, on both sides', async () => {
    await givenIndexes();

    const response = await list({ accountId: ADA_USD });

    expect(names(response)).toEqual(['p1', 'p2', 'p4']);
    expect(indexesRead().sort()).toEqual(['byDestinationAccount', 'bySourceAccount']);
  });

  it('sorts by amount, descending, in pages whose cursor neither repeats nor skips', async () => {
    await givenIndexes();

    const first = await list({ sort: '-amount', limit: '2' });
    const cursor = (first.body as { nextCursor: string }).nextCursor;
    const second = await list({ sort: '-amount', limit: '2', cursor });
    const third = await list({
      sort: '-amount',
      limit: '2',
      cursor: (second.body as { nextCursor: string }).nextCursor,
    });

    expect(names(first)).toEqual(['p2', 'p4']);
    expect(names(second)).toEqual(['p1', 'p5']);
    expect(names(third)).toEqual(['p3']);
    expect(third.body).toMatchObject({ nextCursor: null });
    expect(new Set(indexesRead())).toEqual(new Set(['bySourceOwnerAmount', 'byDestinationOwnerAmount']));
  });

  it('sorts by fee, ties broken by id', async () => {
    await givenIndexes();

    const response = await list({ sort: 'fee' }, admin);

    // p2 and p5 are deposits without a fee (p2 the older); p3 pays 2, p1 10, p4 70.
    expect(names(response)).toEqual(['p2', 'p5', 'p3', 'p1', 'p4']);
    expect(indexesRead()).toEqual(['allFee']);
  });

  it('sorts by completedAt, listing only the payments that have one', async () => {
    await givenIndexes();

    const response = await list({ sort: '-completedAt' });

    expect(names(response)).toEqual(['p1', 'p2']);
  });

  it('refuses a cursor issued for another sort order with 400', async () => {
    await givenIndexes();
    const first = await list({ sort: '-amount', limit: '2' });

    const response = await list({ sort: 'createdAt', cursor: (first.body as { nextCursor: string }).nextCursor });

    expect(response.status).toBe(400);
    expect(errorPaths(response)).toEqual(['cursor']);
  });

  it.each([
    ['an unknown filter', { owner: ada.userId }, 'validation_error', ['owner']],
    ['a filter on a field that is not a filter', { fee: '10' }, 'validation_error', ['fee']],
    ['a sort on an unknown field', { sort: 'name' }, 'validation_error', ['sort']],
    ['a sort on a field that is not sortable', { sort: '-status' }, 'validation_error', ['sort']],
    ['a sort on updatedAt', { sort: 'updatedAt' }, 'validation_error', ['sort']],
    ['a sort with two dashes', { sort: '--amount' }, 'validation_error', ['sort']],
    ['a from that is not a timestamp', { from: 'yesterday' }, 'validation_error', ['from']],
    ['a from that is a date without a time', { from: '2026-01-01' }, 'validation_error', ['from']],
    ['a to without a time zone', { to: '2026-01-01T00:00:00' }, 'validation_error', ['to']],
    ['a minAmount with a fraction', { minAmount: '1.5' }, 'validation_error', ['minAmount']],
    ['a negative minAmount', { minAmount: '-1' }, 'validation_error', ['minAmount']],
    ['a minAmount in exponent notation', { minAmount: '1e3' }, 'validation_error', ['minAmount']],
    ['a maxAmount that is a word', { maxAmount: 'ten' }, 'validation_error', ['maxAmount']],
    ['a lower-case status', { status: 'completed' }, 'validation_error', ['status']],
    ['an unknown type', { type: 'loan' }, 'validation_error', ['type']],
    ['an empty refundOf', { refundOf: '' }, 'validation_error', ['refundOf']],
    ['a refundOf too long to be an id', { refundOf: 'p'.repeat(129) }, 'validation_error', ['refundOf']],
    ['two metadata filters', { 'metadata[a]': '1', 'metadata[b]': '2' }, 'validation_error', ['metadata']],
    ['a metadata filter without a key', { 'metadata[]': '1' }, 'validation_error', ['metadata.']],
    ['a metadata filter without brackets', { metadata: 'orderId' }, 'validation_error', ['metadata']],
    ['a metadata key with a space', { 'metadata[order id]': '1' }, 'validation_error', ['metadata.order id']],
    [
      'a metadata key of 41 characters',
      { [`metadata[${'k'.repeat(41)}]`]: '1' },
      'validation_error',
      [`metadata.${'k'.repeat(41)}`],
    ],
    ['a metadata value of 501 characters', { 'metadata[k]': 'v'.repeat(501) }, 'validation_error', ['metadata.k']],
    ['a nested metadata key', { 'metadata[a][b]': '1' }, 'validation_error', ['metadata[a][b]']],
    ['the metadata key __proto__', { 'metadata[__proto__]': '1' }, 'validation_error', ['metadata.__proto__']],
    ['a limit of zero', { limit: '0' }, 'validation_error', ['limit']],
    ['a limit above 100', { limit: '101' }, 'validation_error', ['limit']],
    ['a forged cursor', { cursor: 'bm90IGEgY3Vyc29y' }, 'validation_error', ['cursor']],
    ['a lower-case currency', { currency: 'eur' }, 'unsupported_currency', ['currency']],
  ])('refuses %s with 400', async (_case, query, code, paths) => {
    await givenIndexes();

    const response = await list(query);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: 400, code });
    expect(errorPaths(response)).toEqual(paths);
  });

  it.each([
    ['amount', { sort: 'amount' }],
    ['completedAt', { sort: '-completedAt' }],
  ])('refuses a cursor of a creation-order list on a list sorted by %s with 400', async (_case, query) => {
    await givenIndexes();
    const first = await list({ limit: '1' });

    const response = await list({ ...query, cursor: (first.body as { nextCursor: string }).nextCursor });

    expect(response.status).toBe(400);
    expect(errorPaths(response)).toEqual(['cursor']);
  });

  it('answers 401 without a caller', async () => {
    const response = parseResponse(await listPayments(httpEvent({ path: '/v1/payments' }), lambdaContext()));

    expect(response.status).toBe(401);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('counts a payment created after a `from` given with a UTC offset', async () => {
    await givenIndexes();

    // 2026-01-05T01:00:00+02:00 is 2026-01-04T23:00:00Z: only p5 (2026-01-05T00:00Z) was created after it.
    const response = await list({ from: '2026-01-05T01:00:00+02:00' });

    expect(names(response)).toEqual(['p5']);
  });

  it('includes a payment created at exactly a `from` written without milliseconds', async () => {
    await givenIndexes();

    const response = await list({ from: '2026-01-05T00:00:00Z' });

    expect(names(response)).toEqual(['p5']);
  });
});
