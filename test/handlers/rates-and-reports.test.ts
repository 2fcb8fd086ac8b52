import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as rateHistory } from '../../functions/rates-history/handler';
import { handler as listRates } from '../../functions/rates-list/handler';
import { handler as putRate } from '../../functions/rates-put/handler';
import { handler as summary } from '../../functions/reports-summary/handler';
import { tables } from '../../shared/adapters/tables';
import type { Principal } from '../../shared/users/model';
import { httpEvent, lambdaContext, parseResponse, type ParsedResponse } from '../support/http-event';
import { ada, admin, errorPaths } from './payment-fixtures';

const dynamo = mockClient(DynamoDBDocumentClient);

// test/support/env.ts names every other table; the rate store reads this one lazily, on its first use.
const RATES_TABLE = process.env[tables.rates.envVar]!;
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

beforeEach(() => {
  dynamo.reset();
  // Real DynamoDB answers `{}` for a missing item and an empty page for an empty query; the mock answers undefined.
  dynamo.on(GetCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(PutCommand).resolves({});
  dynamo.on(TransactWriteCommand).resolves({});
});

describe('PUT /v1/admin/rates/{base}/{quote}', () => {
  const put = async (base: string, quote: string, body: unknown, principal: Principal | null = admin) =>
    parseResponse(
      await putRate(
        httpEvent({
          method: 'PUT',
          path: `/v1/admin/rates/${base}/${quote}`,
          routeKey: 'PUT /v1/admin/rates/{base}/{quote}',
          params: { base, quote },
          body,
          ...(principal ? { principal } : {}),
        }),
        lambdaContext('rates-put'),
      ),
    );

  const transactItems = () =>
    dynamo.commandCalls(TransactWriteCommand).flatMap((call) => call.args[0].input.TransactItems ?? []);

  it.each([
    ['a rate with a trailing zero', '151.370'],
    ['a rate of 12 significant digits', '0.923456789012'],
    ['a whole rate', '1500'],
    ['a rate below one with leading zeros', '0.0066'],
    ['a rate whose trailing zeros take it past 12 digits', '1.50000000000000000'],
  ])('answers 200 with %s echoed exactly as sent', async (_case, rate) => {
    const response = await put('USD', 'JPY', { rate });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({ base: 'USD', quote: 'JPY', rate, updatedAt: expect.stringMatching(ISO_INSTANT) });
  });

  it('puts the rate in force and appends it to the pair’s history in one transaction', async () => {
    const response = await put('USD', 'JPY', { rate: '151.37' });

    const { updatedAt } = response.body as { updatedAt: string };
    const calls = dynamo.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(1);
    const [current, history] = transactItems();
    expect(transactItems()).toHaveLength(2);
    expect(current?.Put).toMatchObject({
      TableName: RATES_TABLE,
      Item: { pk: 'current', sk: 'USD/JPY', base: 'USD', quote: 'JPY', rate: '151.37', updatedAt },
      ConditionExpression: expect.stringContaining('updatedAt <= :updatedAt'),
      ExpressionAttributeValues: { ':updatedAt': updatedAt },
    });
    expect(history?.Put).toMatchObject({
      TableName: RATES_TABLE,
      Item: {
        pk: 'USD/JPY',
        sk: expect.stringMatching(new RegExp(`^${updatedAt.replace(/\./g, '\\.')}#[0-9A-Z]{26}$`)),
        base: 'USD',
        quote: 'JPY',
        rate: '151.37',
        updatedAt,
      },
    });
    expect(history?.Put).not.toHaveProperty('ConditionExpression');
  });

  it('keeps a newer rate in force when an older write lands last, still recording the older one in history', async () => {
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );

    const response = await put('USD', 'JPY', { rate: '151.37' });

    expect(response.status).toBe(200);
    const puts = dynamo.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(puts).toEqual([
      expect.objectContaining({
        TableName: RATES_TABLE,
        Item: expect.objectContaining({ pk: 'USD/JPY', rate: '151.37' }),
      }),
    ]);
  });

  it('answers a bare 500 when the transaction fails for another reason, writing no history alone', async () => {
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
      }),
    );

    const response = await put('USD', 'JPY', { rate: '151.37' });

    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ code: 'internal_error' });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it.each([
    ['exponent notation', { rate: '1e3' }],
    ['a JSON number', { rate: 1.5 }],
    ['zero', { rate: '0' }],
    ['zero with decimals', { rate: '0.000' }],
    ['13 significant digits', { rate: '1234567890123' }],
    ['13 significant digits after the point', { rate: '1.234567890123' }],
    ['a negative rate', { rate: '-1.5' }],
    ['a plus sign', { rate: '+1.5' }],
    ['an empty string', { rate: '' }],
    ['a leading zero', { rate: '01.5' }],
    ['no digit before the point', { rate: '.5' }],
    ['no digit after the point', { rate: '1.' }],
    ['a decimal comma', { rate: '1,5' }],
    ['surrounding spaces', { rate: ' 1.5 ' }],
    ['non-ASCII digits', { rate: '١٫٥' }],
    ['Infinity', { rate: 'Infinity' }],
    ['more than 32 characters', { rate: `0.${'0'.repeat(30)}1` }],
    ['null', { rate: null }],
    ['no rate', {}],
  ])('refuses a rate given as %s with 400 validation_error at path rate, writing nothing', async (_case, body) => {
    const response = await put('USD', 'JPY', body);

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 400, code: 'validation_error' });
    expect(errorPaths(response)).toEqual(['rate']);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses an unknown field in the body with 400 at its own path', async () => {
    const response = await put('USD', 'JPY', { rate: '151.37', inverse: '0.0066' });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'validation_error' });
    expect(errorPaths(response)).toEqual(['inverse']);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses a malformed JSON body with 400 invalid_json', async () => {
    const response = parseResponse(
      await putRate(
        httpEvent({
          method: 'PUT',
          path: '/v1/admin/rates/USD/JPY',
          params: { base: 'USD', quote: 'JPY' },
          rawBody: '{"rate": "1.5"',
          principal: admin,
        }),
        lambdaContext('rates-put'),
      ),
    );

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'invalid_json' });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it.each([
    ['a lower-case base', 'usd', 'JPY', 'base'],
    ['a lower-case quote', 'USD', 'jpy', 'quote'],
    ['an unknown base', 'XYZ', 'JPY', 'base'],
  ])('refuses %s in the path with 400 unsupported_currency, writing nothing', async (_case, base, quote, path) => {
    const response = await put(base, quote, { rate: '151.37' });

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 400, code: 'unsupported_currency' });
    expect(errorPaths(response)).toEqual([path]);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses a pair of one currency with itself with 400 at path quote', async () => {
    const response = await put('USD', 'USD', { rate: '1' });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'validation_error' });
    expect(errorPaths(response)).toEqual(['quote']);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers 403 forbidden to a user who is not an admin, writing nothing', async () => {
    const response = await put('USD', 'JPY', { rate: '151.37' }, ada);

    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 403, code: 'forbidden' });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers 401 unauthorized without a caller, writing nothing', async () => {
    const response = await put('USD', 'JPY', { rate: '151.37' }, null);

    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'unauthorized' });
    expect(dynamo.calls()).toHaveLength(0);
  });
});

describe('GET /v1/rates', () => {
  const rateItem = (base: string, quote: string, rate: string, updatedAt = '2026-01-01T00:00:00.000Z') => ({
    pk: 'current',
    sk: `${base}/${quote}`,
    base,
    quote,
    rate,
    updatedAt,
  });

  const inForce = [
    rateItem('EUR', 'USD', '1.0811'),
    rateItem('JPY', 'USD', '0.0066'),
    rateItem('USD', 'EUR', '0.923456789012', '2026-01-02T00:00:00.000Z'),
    rateItem('USD', 'JPY', '151.37'),
  ];

  // Answers the Query as DynamoDB would: `begins_with(sk, :base)` as a key condition, `#quote = :quote` as a filter.
  const givenRates = (...items: ReturnType<typeof rateItem>[]) => {
    dynamo
      .on(QueryCommand, { TableName: RATES_TABLE, ExpressionAttributeValues: { ':current': 'current' } })
      .callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
        const { ':base': base, ':quote': quote } = input.ExpressionAttributeValues;
        return {
          Items: items.filter(
            (item) => (base === undefined || item.sk.startsWith(base)) && (quote === undefined || item.quote === quote),
          ),
        };
      });
  };

  const list = async (query?: Record<string, string>) =>
    parseResponse(
      await listRates(httpEvent({ path: '/v1/rates', ...(query ? { query } : {}) }), lambdaContext('rates-list')),
    );

  const pairs = (response: ParsedResponse) =>
    (response.body as { data: { base: string; quote: string }[] }).data.map(({ base, quote }) => `${base}/${quote}`);

  it('answers anyone, without a token, 200 with every rate in force and no next page', async () => {
    givenRates(...inForce);

    const response = await list();

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({
      data: inForce.map(({ base, quote, rate, updatedAt }) => ({ base, quote, rate, updatedAt })),
      nextCursor: null,
    });
  });

  it('reads the rates in force with a strongly consistent Query on pk = current, never a Scan', async () => {
    givenRates(...inForce);

    await list();

    const queries = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries).toEqual([
      expect.objectContaining({
        TableName: RATES_TABLE,
        KeyConditionExpression: 'pk = :current',
        ExpressionAttributeValues: { ':current': 'current' },
        ConsistentRead: true,
      }),
    ]);
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it('follows DynamoDB’s pages to answer every pair', async () => {
    dynamo
      .on(QueryCommand, { TableName: RATES_TABLE })
      .resolvesOnce({ Items: inForce.slice(0, 2), LastEvaluatedKey: { pk: 'current', sk: 'JPY/USD' } })
      .resolves({ Items: inForce.slice(2) });

    const response = await list();

    expect(pairs(response)).toEqual(['EUR/USD', 'JPY/USD', 'USD/EUR', 'USD/JPY']);
    expect(dynamo.commandCalls(QueryCommand)[1]!.args[0].input.ExclusiveStartKey).toEqual({
      pk: 'current',
      sk: 'JPY/USD',
    });
  });

  it('answers an empty list when no rate was ever set', async () => {
    const response = await list();

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: [], nextCursor: null });
  });

  it.each([
    ['base', { base: 'USD' }, ['USD/EUR', 'USD/JPY']],
    ['quote', { quote: 'USD' }, ['EUR/USD', 'JPY/USD']],
    ['base and quote', { base: 'USD', quote: 'JPY' }, ['USD/JPY']],
    ['a base no rate has', { base: 'GBP' }, []],
  ])('narrows the list by %s', async (_case, query, expected) => {
    givenRates(...inForce);

    const response = await list(query);

    expect(response.status).toBe(200);
    expect(pairs(response)).toEqual(expected);
    expect(response.body).toMatchObject({ nextCursor: null });
    expect(dynamo.commandCalls(QueryCommand)[0]!.args[0].input.KeyConditionExpression).toBe(
      !('base' in query) ? 'pk = :current' : 'pk = :current AND begins_with(sk, :base)',
    );
  });

  it('pages through the rates with an opaque cursor', async () => {
    givenRates(...inForce);

    const first = await list({ limit: '3' });
    const { nextCursor } = first.body as { nextCursor: string };

    expect(pairs(first)).toEqual(['EUR/USD', 'JPY/USD', 'USD/EUR']);
    expect(typeof nextCursor).toBe('string');
    await list({ limit: '3', cursor: nextCursor });
    expect(dynamo.commandCalls(QueryCommand).at(-1)!.args[0].input.ExclusiveStartKey).toEqual({
      pk: 'current',
      sk: 'USD/EUR',
    });
    expect((await list({ cursor: 'bm90IGEgY3Vyc29y' })).status).toBe(400);
  });

  it.each([
    ['an unknown query parameter', { pair: 'USD/JPY' }, 'validation_error', ['pair']],
    ['a lower-case base', { base: 'usd' }, 'unsupported_currency', ['base']],
    ['an unknown quote', { quote: 'XYZ' }, 'unsupported_currency', ['quote']],
  ])('refuses %s with 400, reading nothing', async (_case, query, code, paths) => {
    givenRates(...inForce);

    const response = await list(query);

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 400, code });
    expect(errorPaths(response)).toEqual(paths);
    expect(dynamo.calls()).toHaveLength(0);
  });
});

describe('GET /v1/admin/reports/summary', () => {
  /** An operation as the ledger's head query and bisection GetItem project it. */
  interface ChainEntry {
    seq: bigint;
    balanceAfter: bigint;
    inputAfter: bigint;
    outputAfter: bigint;
    creditsAfter: bigint;
    createdAt: string;
  }

  /**
   * A chain as the ledger appends it: `seq` from 1, running balance and volumes (credits in, debits out, and how many
   * credits).
   */
  const chainOf = (...moves: [createdAt: string, amount: bigint][]): ChainEntry[] => {
    let [balance, input, output, credits] = [0n, 0n, 0n, 0n];
    return moves.map(([createdAt, amount], index) => {
      balance += amount;
      if (amount > 0n) {
        input += amount;
        credits += 1n;
      } else output -= amount;
      return {
        seq: BigInt(index + 1),
        balanceAfter: balance,
        inputAfter: input,
        outputAfter: output,
        creditsAfter: credits,
        createdAt,
      };
    });
  };

  /**
   * The accounts' byKind index answers the technical accounts; the operations table answers from the chains held
   * here, whatever mix of head queries and GetItems the report makes.
   */
  const givenLedger = (technical: { purpose: string; currency: string }[], chains: Record<string, ChainEntry[]>) => {
    dynamo
      .on(QueryCommand, {
        TableName: 'accounts',
        IndexName: 'byKind',
        ExpressionAttributeValues: { ':technical': 'technical' },
      })
      .resolves({
        Items: technical.map(({ purpose, currency }) => ({ id: `tech-${purpose}-${currency}`, purpose, currency })),
      });
    // Each chain's head, on its item of the accounts table, as one batch read answers them.
    dynamo.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => ({
      Responses: {
        accounts: (input.RequestItems?.accounts?.Keys ?? []).flatMap(({ id }) => {
          const head = chains[id as string]?.at(-1);
          return head
            ? [
                {
                  id,
                  seq: head.seq,
                  balance: head.balanceAfter,
                  input: head.inputAfter,
                  output: head.outputAfter,
                  credits: head.creditsAfter,
                  lastAt: head.createdAt,
                },
              ]
            : [];
        }),
      },
    }));
    dynamo.on(QueryCommand, { TableName: 'operations' }).callsFake((input: QueryCommandInput) => {
      const entries = chains[input.ExpressionAttributeValues?.[':chain'] as string] ?? [];
      const ordered = input.ScanIndexForward === false ? [...entries].reverse() : entries;
      return { Items: ordered.slice(0, input.Limit ?? ordered.length) };
    });
    dynamo.on(GetCommand, { TableName: 'operations' }).callsFake((input: GetCommandInput) => {
      const { chain, seq } = input.Key as { chain: string; seq: bigint };
      const entry = chains[chain]?.find((candidate) => candidate.seq === seq);
      return entry ? { Item: entry } : {};
    });
  };

  const report = async (query: Record<string, string> = {}, principal: Principal | null = admin) =>
    parseResponse(
      await summary(
        httpEvent({ path: '/v1/admin/reports/summary', query, ...(principal ? { principal } : {}) }),
        lambdaContext('reports-summary'),
      ),
    );

  const FEBRUARY = { from: '2026-02-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' };
  const zero = { count: 0, sum: 0 };

  // Books of January to March across shards of the technical accounts. February is the period under report: an
  // operation at exactly `from` is in it, one at exactly `to` is not.
  const books = {
    'tech-fees-USD#0': chainOf(
      ['2026-01-15T00:00:00.000Z', 100n],
      ['2026-02-10T00:00:00.000Z', 50n],
      ['2026-02-20T00:00:00.000Z', 75n],
      ['2026-03-01T00:00:00.000Z', 30n],
      ['2026-03-05T00:00:00.000Z', 20n],
    ),
    'tech-fees-USD#3': chainOf(['2026-02-01T00:00:00.000Z', 10n]),
    'tech-bank-USD#1': chainOf(
      ['2026-01-20T00:00:00.000Z', -50000n],
      ['2026-02-05T00:00:00.000Z', -20000n],
      ['2026-02-25T00:00:00.000Z', -30000n],
    ),
    // A withdrawal in January, one in February, and the refund of the first in February (the e-wallet sent it back).
    'tech-withdrawals-USD#2': chainOf(
      ['2026-01-31T23:59:59.999Z', 1000n],
      ['2026-02-12T00:00:00.000Z', 5000n],
      ['2026-02-13T00:00:00.000Z', -1000n],
    ),
    // Every completed refund, the withdrawal's above and a transfer's, counted on the refund tally of its currency.
    'tally-refunds-USD#6': chainOf(['2026-02-13T00:00:00.000Z', 1000n], ['2026-02-18T00:00:00.000Z', 250n]),
    'tally-refunds-USD#1': chainOf(['2026-03-02T00:00:00.000Z', 400n]),
    // USD → JPY: the desk takes 10000 USD cents and pays 15137 JPY; JPY → USD: takes 10000 JPY, pays 6600 cents.
    'tech-fx-USD#5': chainOf(['2026-02-14T00:00:00.000Z', 10000n], ['2026-02-16T00:00:00.000Z', -6600n]),
    'tech-fx-JPY#4': chainOf(['2026-02-14T00:00:00.000Z', -15137n], ['2026-02-16T00:00:00.000Z', 10000n]),
    'tech-fees-JPY#7': chainOf(['2026-02-16T00:00:00.000Z', 50n]),
  };
  const technical = [
    { purpose: 'bank', currency: 'USD' },
    { purpose: 'fees', currency: 'EUR' },
    { purpose: 'fees', currency: 'JPY' },
    { purpose: 'fees', currency: 'USD' },
    { purpose: 'fx', currency: 'JPY' },
    { purpose: 'fx', currency: 'USD' },
    { purpose: 'withdrawals', currency: 'USD' },
  ];

  it('sums each currency’s commission, deposits, withdrawals, refunds and exchanges over [from, to)', async () => {
    givenLedger(technical, books);

    const response = await report(FEBRUARY);

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({
      ...FEBRUARY,
      data: [
        {
          currency: 'EUR',
          commission: 0,
          deposits: zero,
          withdrawals: zero,
          refunds: zero,
          exchanges: { count: 0, sourceSum: 0, destinationSum: 0 },
        },
        {
          currency: 'JPY',
          commission: 50,
          deposits: zero,
          withdrawals: zero,
          refunds: zero,
          exchanges: { count: 2, sourceSum: 10000, destinationSum: 15137 },
        },
        {
          currency: 'USD',
          commission: 135,
          deposits: { count: 2, sum: 50000 },
          withdrawals: { count: 1, sum: 5000 },
          refunds: { count: 2, sum: 1250 },
          exchanges: { count: 2, sourceSum: 10000, destinationSum: 6600 },
        },
      ],
    });
  });

  it('reads the whole history until now when no period is given', async () => {
    givenLedger(technical, books);
    const before = new Date().toISOString();

    const response = await report();

    const body = response.body as { from: string; to: string; data: { currency: string }[] };
    expect(response.status).toBe(200);
    expect(body.from).toBe('1970-01-01T00:00:00.000Z');
    expect(body.to >= before && body.to <= new Date().toISOString()).toBe(true);
    expect(body.data.find((row) => row.currency === 'USD')).toMatchObject({
      commission: 285,
      deposits: { count: 3, sum: 100000 },
      withdrawals: { count: 2, sum: 6000 },
      refunds: { count: 3, sum: 1650 },
    });
  });

  it('reads a period given with UTC offsets as the instants they name', async () => {
    givenLedger(technical, books);

    const response = await report({ from: '2026-02-01T09:00:00+09:00', to: '2026-02-28T19:00:00-05:00' });

    expect(response.body).toMatchObject({
      ...FEBRUARY,
      data: expect.arrayContaining([expect.objectContaining({ currency: 'USD', commission: 135 })]),
    });
  });

  it('counts nothing in an empty period [t, t)', async () => {
    givenLedger(technical, books);

    const response = await report({ from: '2026-02-10T00:00:00.000Z', to: '2026-02-10T00:00:00.000Z' });

    expect(response.status).toBe(200);
    for (const row of (response.body as { data: { commission: unknown; deposits: unknown }[] }).data) {
      expect(row).toMatchObject({ commission: 0, deposits: zero });
    }
  });

  it('answers no currencies while no technical account exists', async () => {
    givenLedger([], {});

    const response = await report(FEBRUARY);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ...FEBRUARY, data: [] });
  });

  it('finds the ends of a busy period by bisection: a few reads per chain, no Scan, however long the chain', async () => {
    // 1024 commissions of 1 cent, one an hour from 2026-01-01T00:00Z.
    const hourly = chainOf(
      ...Array.from(
        { length: 1024 },
        (_, hour) => [new Date(Date.UTC(2026, 0, 1, hour)).toISOString(), 1n] as [string, bigint],
      ),
    );
    givenLedger([{ purpose: 'fees', currency: 'USD' }], { 'tech-fees-USD#6': hourly });

    // Hours 100 (inclusive) to 300 (exclusive).
    const response = await report({
      from: new Date(Date.UTC(2026, 0, 1, 100)).toISOString(),
      to: new Date(Date.UTC(2026, 0, 1, 300)).toISOString(),
    });

    expect(response.body).toMatchObject({ data: [{ currency: 'USD', commission: 200 }] });
    const reads = dynamo.commandCalls(GetCommand).filter((call) => call.args[0].input.TableName === 'operations');
    // log2(1024) = 10 reads for each end of the period.
    expect(reads.length).toBeLessThanOrEqual(2 * 11);
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it.each([
    ['a from after to', { from: '2026-03-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' }, ['from']],
    ['a from that is not a timestamp', { from: 'last month' }, ['from']],
    ['a to that is a date without a time', { to: '2026-03-01' }, ['to']],
    ['an unknown query parameter', { currency: 'USD' }, ['currency']],
  ])('refuses %s with 400 validation_error, reading nothing', async (_case, query, paths) => {
    givenLedger(technical, books);

    const response = await report(query);

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 400, code: 'validation_error' });
    expect(errorPaths(response)).toEqual(paths);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers 403 forbidden to a user who is not an admin, reading nothing', async () => {
    givenLedger(technical, books);

    const response = await report(FEBRUARY, ada);

    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ status: 403, code: 'forbidden' });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers 401 unauthorized without a caller, reading nothing', async () => {
    const response = await report(FEBRUARY, null);

    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'unauthorized' });
    expect(dynamo.calls()).toHaveLength(0);
  });
});

describe('GET /v1/admin/rates/{base}/{quote}/history', () => {
  const history = async (principal: Principal, query?: Record<string, string>) =>
    parseResponse(
      await rateHistory(
        httpEvent({
          path: '/v1/admin/rates/USD/JPY/history',
          routeKey: 'GET /v1/admin/rates/{base}/{quote}/history',
          params: { base: 'USD', quote: 'JPY' },
          principal,
          ...(query ? { query } : {}),
        }),
        lambdaContext('rates-history'),
      ),
    );

  const historyItem = (rate: string, updatedAt: string) => ({
    pk: 'USD/JPY',
    sk: `${updatedAt}#01JD0000000000000000000000`,
    base: 'USD',
    quote: 'JPY',
    rate,
    updatedAt,
  });

  it('answers an operator every rate of the pair, newest first, from its own partition', async () => {
    dynamo.on(QueryCommand, { TableName: RATES_TABLE }).resolves({
      Items: [historyItem('149.5', '2026-01-02T00:00:00.000Z'), historyItem('151.37', '2026-01-01T00:00:00.000Z')],
    });

    const response = await history(admin);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: [
        { base: 'USD', quote: 'JPY', rate: '149.5', updatedAt: '2026-01-02T00:00:00.000Z' },
        { base: 'USD', quote: 'JPY', rate: '151.37', updatedAt: '2026-01-01T00:00:00.000Z' },
      ],
      nextCursor: null,
    });
    expect(dynamo.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({
      KeyConditionExpression: 'pk = :pair',
      ExpressionAttributeValues: { ':pair': 'USD/JPY' },
      ScanIndexForward: false,
    });
  });

  it('refuses users with 403 and a forged cursor with 400', async () => {
    expect((await history(ada)).status).toBe(403);
    expect((await history(admin, { cursor: 'bm90IGEgY3Vyc29y' })).status).toBe(400);
  });
});
