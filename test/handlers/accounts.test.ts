import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as createAccount } from '../../functions/accounts-create/handler';
import { handler as getAccount } from '../../functions/accounts-get/handler';
import { handler as listAccounts } from '../../functions/accounts-list/handler';
import { handler as adminListAccounts } from '../../functions/admin-accounts-list/handler';
import { httpEvent, lambdaContext, parseResponse, userPrincipal } from '../support/http-event';

const dynamo = mockClient(DynamoDBDocumentClient);
const ada = userPrincipal({ userId: 'usr_01jd00000000000000000000ad' });
const bob = userPrincipal({ userId: 'usr_01jd00000000000000000000b0' });
const admin = userPrincipal({ userId: 'usr_01jd00000000000000000000a1', role: 'admin' });

const accountItem = (id: string, ownerId: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'user',
  purpose: 'wallet',
  ownerId,
  currency: 'USD',
  status: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

beforeEach(() => {
  dynamo.reset();
  dynamo.on(GetCommand).resolves({});
});

describe('POST /v1/accounts', () => {
  it('opens an empty active wallet owned by the caller', async () => {
    dynamo.on(PutCommand).resolves({});

    const response = parseResponse(
      await createAccount(
        httpEvent({ method: 'POST', path: '/v1/accounts', body: { currency: 'JPY', name: 'Travel' }, principal: ada }),
        lambdaContext(),
      ),
    );

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^acc_/),
      kind: 'user',
      purpose: 'wallet',
      metadata: {},
      ownerId: ada.userId,
      currency: 'JPY',
      balance: 0,
      held: 0,
      status: 'active',
      name: 'Travel',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(dynamo.commandCalls(PutCommand)[0]!.args[0].input.ConditionExpression).toBe('attribute_not_exists(id)');
  });

  it.each([
    ['an unknown currency', { currency: 'XYZ' }, 'unsupported_currency'],
    ['a lower-case currency', { currency: 'usd' }, 'unsupported_currency'],
    ['a balance set by the client', { currency: 'USD', balance: 100 }, 'validation_error'],
    ['an owner set by the client', { currency: 'USD', ownerId: bob.userId }, 'validation_error'],
    ['a currency that is not a string', { currency: 840 }, 'validation_error'],
    ['no currency', {}, 'validation_error'],
    ['a name with control characters', { currency: 'USD', name: 'a\u0007b' }, 'validation_error'],
  ])('refuses %s with 400 and writes nothing', async (_case, body, code) => {
    const response = parseResponse(
      await createAccount(httpEvent({ method: 'POST', path: '/v1/accounts', body, principal: ada }), lambdaContext()),
    );

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code, errors: expect.any(Array) });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers 401 without a caller', async () => {
    const response = parseResponse(
      await createAccount(
        httpEvent({ method: 'POST', path: '/v1/accounts', body: { currency: 'USD' } }),
        lambdaContext(),
      ),
    );

    expect(response.status).toBe(401);
    expect(dynamo.calls()).toHaveLength(0);
  });
});

describe('GET /v1/accounts/{id}', () => {
  const id = 'acc_01jd000000000000000000000a';

  it('answers 404, not 403, for another user’s account', async () => {
    dynamo.on(GetCommand, { Key: { id } }).resolves({ Item: accountItem(id, ada.userId) });

    const response = parseResponse(
      await getAccount(httpEvent({ path: `/v1/accounts/${id}`, params: { id }, principal: bob }), lambdaContext()),
    );

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'not_found' });
  });

  it('lets an admin read any account, with a balance beyond 2^53 kept exact', async () => {
    dynamo.on(GetCommand, { Key: { id } }).resolves({ Item: accountItem(id, ada.userId) });
    // A wallet's balance is the head of its chain, on its account item.
    dynamo.on(BatchGetCommand).resolves({
      Responses: { accounts: [accountItem(id, ada.userId, { seq: 7n, balance: 9007199254740993n })] },
    });

    const response = await getAccount(
      httpEvent({ path: `/v1/accounts/${id}`, params: { id }, principal: admin }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('"balance":9007199254740993');
  });
});

describe('GET /v1/accounts', () => {
  it('pages the caller’s accounts by balance with a cursor that neither repeats nor skips', async () => {
    const ids = ['acc_01jd000000000000000000000a', 'acc_01jd000000000000000000000b', 'acc_01jd000000000000000000000c'];
    dynamo
      .on(QueryCommand, { TableName: 'accounts' })
      .resolves({ Items: ids.map((id) => ({ id, ownerId: ada.userId })) });
    dynamo.on(BatchGetCommand).resolves({
      Responses: {
        accounts: [300n, 100n, 200n].map((balance, index) =>
          accountItem(ids[index]!, ada.userId, { seq: 1n, balance }),
        ),
      },
    });
    const list = async (query: Record<string, string>) =>
      parseResponse(await listAccounts(httpEvent({ path: '/v1/accounts', query, principal: ada }), lambdaContext()))
        .body as {
        data: { id: string; balance: number }[];
        nextCursor: string | null;
      };

    const first = await list({ sort: '-balance', limit: '2' });
    const second = await list({ sort: '-balance', limit: '2', cursor: first.nextCursor! });

    expect(first.data.map((a) => a.balance)).toEqual([300, 200]);
    expect(second.data.map((a) => a.balance)).toEqual([100]);
    expect(second.nextCursor).toBeNull();
  });

  it.each([
    ['an unknown filter', { owner: 'x' }],
    ['an unknown sort field', { sort: 'ownerId' }],
    ['a limit above 100', { limit: '101' }],
    ['a limit of zero', { limit: '0' }],
    ['a forged cursor', { cursor: 'bm90IGEgY3Vyc29y' }],
  ])('refuses %s with 400', async (_case, query) => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(BatchGetCommand).resolves({ Responses: { accounts: [] } });

    const response = parseResponse(
      await listAccounts(httpEvent({ path: '/v1/accounts', query, principal: ada }), lambdaContext()),
    );

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'validation_error' });
  });
});

describe('GET /v1/admin/accounts', () => {
  it('answers 403 forbidden to a user who is not an admin', async () => {
    const response = parseResponse(
      await adminListAccounts(httpEvent({ path: '/v1/admin/accounts', principal: ada }), lambdaContext()),
    );

    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: 'forbidden' });
    expect(dynamo.calls()).toHaveLength(0);
  });
});
