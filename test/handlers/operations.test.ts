import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as getBalance } from '../../functions/balance-get/handler';
import { handler as getFees } from '../../functions/fees-get/handler';
import { handler as listOperations } from '../../functions/operations-list/handler';
import type { Principal } from '../../shared/users/model';
import { httpEvent, lambdaContext, parseResponse, type ParsedResponse } from '../support/http-event';
import {
  ADA_USD,
  type AccountItem,
  BOB_USD,
  ada,
  admin,
  bob,
  chainHeads,
  operationItem,
  type OperationItem,
  technicalItem,
  walletItem,
} from './payment-fixtures';

const dynamo = mockClient(DynamoDBDocumentClient);
const heads = chainHeads(dynamo);

beforeEach(() => {
  dynamo.reset();
  heads.clear();
  dynamo.on(GetCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: [] });
  heads.answer();
});

const givenAccounts = (...items: AccountItem[]) => {
  for (const item of items)
    dynamo.on(GetCommand, { TableName: 'accounts', Key: { id: item.id } }).resolves({ Item: item });
};

/**
 * A chain of operations: its head on its head item, each operation its own GetItem by (chain, seq), and queries beyond
 * a sequence number answered as DynamoDB would, a page of `Limit` at a time.
 */
const givenChain = (chain: string, operations: OperationItem[]) => {
  const head = operations.at(-1);
  dynamo
    .on(QueryCommand, { TableName: 'operations', ExpressionAttributeValues: { ':chain': chain } })
    .callsFake((input: QueryCommandInput) => {
      const seq = input.ExpressionAttributeValues?.[':seq'] as bigint | undefined;
      const descending = input.ScanIndexForward === false;
      const beyond = operations.filter(
        (operation) => seq === undefined || (descending ? operation.seq < seq : operation.seq > seq),
      );
      const ordered = descending ? [...beyond].reverse() : beyond;
      const page = ordered.slice(0, input.Limit ?? ordered.length);
      const last = page.at(-1);
      return {
        Items: page,
        LastEvaluatedKey: page.length < ordered.length && last ? { chain, seq: last.seq } : undefined,
      };
    });
  if (head) heads.given(chain, head.seq, head.balanceAfter, { lastAt: head.createdAt });
  for (const operation of operations) {
    dynamo
      .on(GetCommand, { TableName: 'operations', Key: { chain, seq: operation.seq } })
      .resolves({ Item: { seq: operation.seq, createdAt: operation.createdAt, balanceAfter: operation.balanceAfter } });
  }
};

const operationQueries = () =>
  dynamo.commandCalls(QueryCommand).filter((call) => call.args[0].input.TableName === 'operations');

// Ada's wallet: a deposit of 50.00, a transfer of 10.00 out with its 0.10 fee, a deposit of 5.00.
const history = [
  operationItem({ seq: 1n, amount: 5000n, balanceAfter: 5000n, createdAt: '2026-01-01T00:00:00.000Z' }),
  operationItem({
    seq: 2n,
    id: 'op_01jd0000000000000000000002',
    paymentId: 'pay_01jd0000000000000000000002',
    type: 'transfer',
    amount: -1010n,
    balanceAfter: 3990n,
    counterpartyAccountId: BOB_USD,
    createdAt: '2026-01-02T00:00:00.000Z',
  }),
  operationItem({
    seq: 3n,
    id: 'op_01jd0000000000000000000003',
    paymentId: 'pay_01jd0000000000000000000003',
    amount: 500n,
    balanceAfter: 4490n,
    createdAt: '2026-01-03T00:00:00.000Z',
  }),
];

describe('GET /v1/accounts/{id}/operations', () => {
  const list = async (id: string, query: Record<string, string> = {}, principal: Principal = ada) =>
    parseResponse(
      await listOperations(
        httpEvent({ path: `/v1/accounts/${id}/operations`, params: { id }, query, principal }),
        lambdaContext('operations-list'),
      ),
    );

  it('lists the owner’s operations in the order applied, in the contract’s shape, balanceAfter chaining', async () => {
    givenAccounts(walletItem(ADA_USD, ada.userId));
    givenChain(ADA_USD, history);

    const response = await list(ADA_USD);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: history.map((operation) => ({
        id: operation.id,
        accountId: ADA_USD,
        paymentId: operation.paymentId,
        type: operation.type,
        amount: Number(operation.amount),
        currency: 'USD',
        balanceAfter: Number(operation.balanceAfter),
        counterpartyAccountId: operation.counterpartyAccountId,
        createdAt: operation.createdAt,
      })),
      nextCursor: null,
    });
    const data = (response.body as { data: { amount: number; balanceAfter: number }[] }).data;
    data.reduce((previous, operation) => {
      expect(operation.balanceAfter).toBe(previous + operation.amount);
      return operation.balanceAfter;
    }, 0);
  });

  it('answers 404 for another user’s account, reading none of its operations', async () => {
    givenAccounts(walletItem(BOB_USD, bob.userId));
    givenChain(BOB_USD, history);

    const response = await list(BOB_USD);

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'not_found' });
    expect(operationQueries()).toHaveLength(0);
  });

  it('answers 404 to a user for a technical account', async () => {
    givenAccounts(technicalItem('fees', 'USD'));

    const response = await list('tech-fees-USD');

    expect(response.status).toBe(404);
    expect(operationQueries()).toHaveLength(0);
  });

  it('lets an admin read any wallet’s operations', async () => {
    givenAccounts(walletItem(ADA_USD, ada.userId));
    givenChain(ADA_USD, history);

    const response = await list(ADA_USD, {}, admin);

    expect(response.status).toBe(200);
    expect((response.body as { data: unknown[] }).data).toHaveLength(3);
  });

  it('merges a technical account’s shards by time under the account’s own id', async () => {
    givenAccounts(technicalItem('fees', 'USD'));
    const commission = (shard: number, seq: bigint, createdAt: string) =>
      operationItem({
        chain: `tech-fees-USD#${shard}`,
        seq,
        id: `op_fee_${shard}_${seq.toString()}`,
        accountId: 'tech-fees-USD',
        type: 'commission',
        amount: 10n,
        balanceAfter: seq * 10n,
        counterpartyAccountId: ADA_USD,
        createdAt,
      });
    givenChain('tech-fees-USD#2', [commission(2, 1n, '2026-01-02T00:00:00.000Z')]);
    givenChain('tech-fees-USD#5', [
      commission(5, 1n, '2026-01-01T00:00:00.000Z'),
      commission(5, 2n, '2026-01-03T00:00:00.000Z'),
    ]);

    const response = await list('tech-fees-USD', {}, admin);

    const data = (response.body as { data: { id: string; accountId: string }[] }).data;
    expect(data.map((operation) => operation.id)).toEqual(['op_fee_5_1', 'op_fee_2_1', 'op_fee_5_2']);
    expect(new Set(data.map((operation) => operation.accountId))).toEqual(new Set(['tech-fees-USD']));
    expect(JSON.stringify(response.body)).not.toMatch(/"chain"|"seq"/);
  });

  it('pages with a cursor that resumes after the last operation answered', async () => {
    givenAccounts(walletItem(ADA_USD, ada.userId));
    givenChain(ADA_USD, history);

    const first = await list(ADA_USD, { limit: '2' });

    expect((first.body as { data: { id: string }[] }).data.map((operation) => operation.id)).toEqual([
      history[0]!.id,
      history[1]!.id,
    ]);
    const cursor = (first.body as { nextCursor: string | null }).nextCursor;
    expect(cursor).toEqual(expect.any(String));
    dynamo.resetHistory();

    await list(ADA_USD, { limit: '2', cursor: cursor! });

    const resumed = operationQueries()[0]!.args[0].input;
    expect(resumed.KeyConditionExpression).toBe('chain = :chain AND seq > :seq');
    expect(resumed.ExpressionAttributeValues).toEqual({ ':chain': ADA_USD, ':seq': 2n });
  });

  it.each([
    ['an unknown filter', { accountId: ADA_USD }, ['accountId']],
    ['an unknown type', { type: 'payout' }, ['type']],
    ['a from that is not a timestamp', { from: 'last week' }, ['from']],
    ['a to that is a date without a time', { to: '2026-01-02' }, ['to']],
    ['a sort on an unknown field', { sort: 'balance' }, ['sort']],
    ['an amount bound with a fraction', { minAmount: '-1.5' }, ['minAmount']],
    ['a limit above 100', { limit: '101' }, ['limit']],
    ['a forged cursor', { cursor: 'bm90IGEgY3Vyc29y' }, ['cursor']],
    [
      'a cursor of another account',
      {
        cursor: Buffer.from(JSON.stringify({ descending: false, positions: { [BOB_USD]: ['1', '0'] } })).toString(
          'base64url',
        ),
      },
      ['cursor'],
    ],
  ])('refuses %s with 400', async (_case, query, paths) => {
    givenAccounts(walletItem(ADA_USD, ada.userId));
    givenChain(ADA_USD, history);

    const response = await list(ADA_USD, query);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'validation_error' });
    expect((response.body as { errors: { path: string }[] }).errors.map((error) => error.path)).toEqual(paths);
  });

  it('answers 401 without a caller', async () => {
    const response = parseResponse(
      await listOperations(
        httpEvent({ path: `/v1/accounts/${ADA_USD}/operations`, params: { id: ADA_USD } }),
        lambdaContext(),
      ),
    );

    expect(response.status).toBe(401);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('filters operations from an instant given with a UTC offset, compared in UTC', async () => {
    givenAccounts(walletItem(ADA_USD, ada.userId));
    givenChain(ADA_USD, history);

    const response = await list(ADA_USD, { from: '2026-01-02T02:00:00+02:00' });

    expect((response.body as { data: { id: string }[] }).data.map((operation) => operation.id)).toEqual([
      history[1]!.id,
      history[2]!.id,
    ]);
  });
});

describe('GET /v1/accounts/{id}/balance', () => {
  const balance = async (id: string, query: Record<string, string> = {}, principal: Principal = ada) =>
    parseResponse(
      await getBalance(
        httpEvent({ path: `/v1/accounts/${id}/balance`, params: { id }, query, principal }),
        lambdaContext('balance-get'),
      ),
    );

  const balanceOf = (response: ParsedResponse) => (response.body as { balance: number }).balance;

  it('answers { accountId, currency, balance, at } with the balance after the last operation', async () => {
    givenAccounts(walletItem(ADA_USD, ada.userId));
    givenChain(ADA_USD, history);

    const response = await balance(ADA_USD, { at: '2026-02-01T00:00:00.000Z' });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      accountId: ADA_USD,
      currency: 'USD',
      balance: 4490,
      at: '2026-02-01T00:00:00.000Z',
    });
  });

  it.each([
    ['before the first operation', '2025-12-31T23:59:59.999Z', 0],
    ['at the first operation', '2026-01-01T00:00:00.000Z', 5000],
    ['between the second and the third', '2026-01-02T12:00:00.000Z', 3990],
    ['right before the third', '2026-01-02T23:59:59.999Z', 3990],
    ['at the third', '2026-01-03T00:00:00.000Z', 4490],
  ])('answers the balance right after the last operation at or before `at`: %s', async (_case, at, expected) => {
    givenAccounts(walletItem(ADA_USD, ada.userId));
    givenChain(ADA_USD, history);

    const response = await balance(ADA_USD, { at });

    expect(response.status).toBe(200);
    expect(balanceOf(response)).toBe(expected);
  });

  it('answers `at` in UTC when it is given with an offset', async () => {
    givenAccounts(walletItem(ADA_USD, ada.userId));
    givenChain(ADA_USD, history);

    const response = await balance(ADA_USD, { at: '2026-01-02T14:00:00+02:00' });

    expect(response.body).toMatchObject({ at: '2026-01-02T12:00:00.000Z', balance: 3990 });
  });

  it('answers the balance now when no `at` is given', async () => {
    givenAccounts(walletItem(ADA_USD, ada.userId));
    givenChain(ADA_USD, history);
    const before = new Date().toISOString();

    const response = await balance(ADA_USD);

    const body = response.body as { at: string; balance: number };
    expect(body.balance).toBe(4490);
    expect(body.at >= before && body.at <= new Date().toISOString()).toBe(true);
  });

  it('sums a technical account’s shards for an admin, exact beyond 2^53', async () => {
    givenAccounts(technicalItem('bank', 'USD'));
    heads.given('tech-bank-USD#0', 4n, -9007199254740993n);
    heads.given('tech-bank-USD#7', 2n, -7n);

    const response = await getBalance(
      httpEvent({
        path: '/v1/accounts/tech-bank-USD/balance',
        params: { id: 'tech-bank-USD' },
        query: { at: '2026-02-01T00:00:00.000Z' },
        principal: admin,
      }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('"balance":-9007199254741000');
    expect(
      dynamo
        .commandCalls(BatchGetCommand)
        .flatMap((call) => call.args[0].input.RequestItems?.accounts?.Keys?.map(({ id }) => id as string) ?? []),
    ).toEqual(Array.from({ length: 8 }, (_, shard) => `tech-bank-USD#${shard}`));
  });

  it('answers 404 for another user’s account, reading no balance', async () => {
    givenAccounts(walletItem(BOB_USD, bob.userId));
    givenChain(BOB_USD, history);

    const response = await balance(BOB_USD, { at: '2026-02-01T00:00:00.000Z' });

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'not_found' });
    expect(operationQueries()).toHaveLength(0);
  });

  it('answers 404 for an account that does not exist', async () => {
    const response = await balance('acc_01jd00000000000000000000zz');

    expect(response.status).toBe(404);
  });

  it.each([
    ['a word', 'yesterday'],
    ['a date without a time', '2026-01-02'],
    ['a time without a zone', '2026-01-02T00:00:00'],
    ['epoch seconds', '1767312000'],
    ['an impossible date', '2026-02-30T00:00:00Z'],
    ['empty', ''],
  ])('refuses an `at` that is %s with 400', async (_case, at) => {
    givenAccounts(walletItem(ADA_USD, ada.userId));

    const response = await balance(ADA_USD, { at });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'validation_error', errors: [{ path: 'at' }] });
  });

  it('refuses an unknown query parameter with 400', async () => {
    givenAccounts(walletItem(ADA_USD, ada.userId));

    const response = await balance(ADA_USD, { currency: 'USD' });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ errors: [{ path: 'currency' }] });
  });
});

describe('GET /v1/fees', () => {
  it('answers the default schedule to anyone, without a token', async () => {
    const response = parseResponse(await getFees(httpEvent({ path: '/v1/fees' }), lambdaContext('fees-get')));

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({
      transfer: { bps: 100, fixed: 0, min: 1 },
      exchange: { bps: 50, fixed: 0, min: 1 },
      withdrawal: { bps: 150, fixed: 0, min: 1 },
      deposit: { bps: 0, fixed: 0, min: 0 },
    });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers the same schedule to a signed-in user', async () => {
    const response = parseResponse(await getFees(httpEvent({ path: '/v1/fees', principal: ada }), lambdaContext()));

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ transfer: { bps: 100 } });
  });
});
