import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { handler as createPayment } from '../../functions/payments-create/handler';
import { tables } from '../../shared/adapters/tables';
import {
  ADA_EUR,
  ADA_USD,
  ADA_USD_2,
  BOB_USD,
  ada,
  bob,
  errorPaths,
  mockPaymentAws,
  type PaymentBody,
  paymentPoster,
  technicalItem,
  transfer,
  walletItem,
} from './payment-fixtures';

const { dynamo, givenAccounts, givenStandardWallets, storedItems, getsOf, sentMessages, expectNothingWritten } =
  mockPaymentAws();

const postPayment = paymentPoster(createPayment);

describe('POST /v1/payments: exchanges and withdrawals', () => {
  // test/support/env.ts names every other table; the rate store reads this one lazily, on the first exchange.
  const RATES_TABLE = process.env[tables.rates.envVar]!;
  const ADA_JPY = 'acc_01jd0000000000000000000a04';
  const ADA_BHD = 'acc_01jd0000000000000000000a05';
  const BOB_JPY = 'acc_01jd0000000000000000000b02';

  /** The rate in force of one pair, as the rates table holds it under `pk = current`. */
  const givenRate = (base: string, quote: string, rate: string) => {
    dynamo.on(GetCommand, { TableName: RATES_TABLE, Key: { pk: 'current', sk: `${base}/${quote}` } }).resolves({
      Item: { pk: 'current', sk: `${base}/${quote}`, base, quote, rate, updatedAt: '2026-01-01T00:00:00.000Z' },
    });
  };

  const givenWallets = () => {
    givenStandardWallets();
    givenAccounts(
      walletItem(ADA_JPY, ada.userId, { currency: 'JPY' }),
      walletItem(ADA_BHD, ada.userId, { currency: 'BHD' }),
      walletItem(BOB_JPY, bob.userId, { currency: 'JPY' }),
      walletItem('acc_closed_bob_jpy', bob.userId, { currency: 'JPY', status: 'closed' }),
      technicalItem('fx', 'JPY'),
    );
  };

  const exchange = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    type: 'exchange',
    sourceAccountId: ADA_USD,
    destinationAccountId: ADA_JPY,
    amount: 10000,
    ...overrides,
  });

  const withdrawal = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    type: 'withdrawal',
    sourceAccountId: ADA_USD,
    amount: 5000,
    currency: 'USD',
    destination: { method: 'ewallet', reference: 'PAYPAL-ada-42' },
    ...overrides,
  });

  const rateReads = () => getsOf(RATES_TABLE);

  describe('exchange', () => {
    it('prices an exchange at the rate in force: 10000 USD cents at "151.37" credit 15137 JPY, fee 50 bps', async () => {
      givenWallets();
      givenRate('USD', 'JPY', '151.37');

      const response = await postPayment(exchange({ description: 'Trip', metadata: { trip: 'tokyo-2026' } }));

      expect(response.status).toBe(202);
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.body).toEqual({
        id: expect.stringMatching(/^pay_[0-9a-z]{26}$/),
        type: 'exchange',
        status: 'INITIATED',
        sourceAccountId: ADA_USD,
        destinationAccountId: ADA_JPY,
        amount: 10000,
        currency: 'USD',
        fee: 50,
        destinationAmount: 15137,
        destinationCurrency: 'JPY',
        rate: '151.37',
        description: 'Trip',
        capture: 'automatic',
        refundedAmount: 0,
        metadata: { trip: 'tokyo-2026' },
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
    });

    it('reads the rate of the source → destination pair, strongly consistent, from the rates table', async () => {
      givenWallets();
      givenRate('USD', 'JPY', '151.37');

      await postPayment(exchange());

      expect(rateReads()).toEqual([
        expect.objectContaining({ Key: { pk: 'current', sk: 'USD/JPY' }, ConsistentRead: true }),
      ]);
    });

    it('stores the exchange with its destination amount, currency and rate fixed, and queues it', async () => {
      givenWallets();
      givenRate('USD', 'JPY', '151.37');

      const response = await postPayment(exchange({ destinationAccountId: BOB_JPY }));

      const { id } = response.body as PaymentBody;
      expect(storedItems('payments')).toEqual([
        expect.objectContaining({
          id,
          type: 'exchange',
          status: 'INITIATED',
          amount: 10000n,
          currency: 'USD',
          fee: 50n,
          destinationAmount: 15137n,
          destinationCurrency: 'JPY',
          rate: '151.37',
          sourceOwnerId: ada.userId,
          destinationOwnerId: bob.userId,
          pending: 'INITIATED',
        }),
      ]);
      expect(sentMessages()).toEqual([{ paymentId: id }]);
    });

    it.each([
      ['floors a fraction of a yen: 333 USD cents at "151.37" (504.0621 JPY)', 'USD', 'JPY', 333, '151.37', 504],
      ['is exact where floats are not: 100 USD cents at "1.15" (114.999… as doubles)', 'USD', 'EUR', 100, '1.15', 115],
      ['moves from an exponent of 0 to 2: 10000 JPY at "0.0066"', 'JPY', 'USD', 10000, '0.0066', 6600],
      ['moves from an exponent of 2 to 3: 100 USD cents at "0.377"', 'USD', 'BHD', 100, '0.377', 377],
      ['keeps a rate’s trailing zeros out of the price: 100 USD cents at "1.1500"', 'USD', 'EUR', 100, '1.1500', 115],
    ])('%s', async (_case, from, to, amount, rate, destinationAmount) => {
      givenWallets();
      givenRate(from, to, rate);
      const wallets: Record<string, string> = { USD: ADA_USD, EUR: ADA_EUR, JPY: ADA_JPY, BHD: ADA_BHD };

      const response = await postPayment(
        exchange({ sourceAccountId: wallets[from], destinationAccountId: wallets[to], amount }),
      );

      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({ amount, currency: from, destinationAmount, destinationCurrency: to, rate });
    });

    it('answers 422 no_rate as problem+json when the pair has no rate, writing and queueing nothing', async () => {
      givenWallets();

      const response = await postPayment(exchange(), { idempotencyKey: 'fx-1' });

      expect(response.status).toBe(422);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({ status: 422, code: 'no_rate', type: expect.stringContaining('no_rate') });
      expect(storedItems('payments')).toEqual([]);
      expectNothingWritten();
    });

    it('never prices an exchange at the inverse pair’s rate', async () => {
      givenWallets();
      givenRate('JPY', 'USD', '0.0066');

      const response = await postPayment(exchange());

      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ code: 'no_rate' });
      expectNothingWritten();
    });

    it.each([
      ['an exchange between two wallets of one currency', exchange({ destinationAccountId: ADA_USD_2 })],
      ['an exchange whose stated currency is not the source’s', exchange({ currency: 'EUR' })],
      ['a transfer across currencies', transfer({ destinationAccountId: ADA_JPY })],
    ])('answers 422 currency_mismatch to %s, reading no rate and writing nothing', async (_case, body) => {
      givenWallets();
      givenRate('USD', 'JPY', '151.37');
      givenRate('USD', 'USD', '1');

      const response = await postPayment(body);

      expect(response.status).toBe(422);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({ status: 422, code: 'currency_mismatch' });
      expect(rateReads()).toEqual([]);
      expectNothingWritten();
    });

    it.each([
      ['same_account', 'the destination is the source', exchange({ destinationAccountId: ADA_USD })],
      ['account_closed', 'the destination is closed', exchange({ destinationAccountId: 'acc_closed_bob_jpy' })],
    ])('answers 422 %s to an exchange when %s, writing nothing', async (code, _case, body) => {
      givenWallets();
      givenRate('USD', 'JPY', '151.37');

      const response = await postPayment(body);

      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ code });
      expectNothingWritten();
    });

    it.each([
      ['another user’s wallet', exchange({ sourceAccountId: BOB_JPY, destinationAccountId: ADA_USD })],
      ['a technical account as the destination', exchange({ destinationAccountId: 'tech-fx-JPY' })],
    ])('answers 404 not_found to an exchange from or to %s', async (_case, body) => {
      givenWallets();
      givenRate('USD', 'JPY', '151.37');
      givenRate('JPY', 'USD', '0.0066');

      const response = await postPayment(body);

      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'not_found' });
      expectNothingWritten();
    });

    it('answers 400 at path amount when the amount converts to less than one minor unit, writing nothing', async () => {
      givenWallets();
      givenRate('JPY', 'USD', '0.0066');

      // 1 JPY at 0.0066 is 0.66 US cents.
      const response = await postPayment(
        exchange({ sourceAccountId: ADA_JPY, destinationAccountId: ADA_USD, amount: 1 }),
      );

      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({ status: 400, code: 'validation_error' });
      expect(errorPaths(response)).toEqual(['amount']);
      expectNothingWritten();
    });

    it('answers 400 at path amount when the amount converts to more than the largest safe amount', async () => {
      givenWallets();
      givenRate('USD', 'JPY', '151.37');

      const response = await postPayment(exchange({ amount: Number.MAX_SAFE_INTEGER }));

      expect(response.status).toBe(400);
      expect(errorPaths(response)).toEqual(['amount']);
      expectNothingWritten();
    });

    it.each([
      ['a rate named by the client', exchange({ rate: '200' }), ['rate']],
      ['a destination amount named by the client', exchange({ destinationAmount: 20000 }), ['destinationAmount']],
      ['an e-wallet destination', exchange({ destination: { method: 'ewallet', reference: 'X' } }), ['destination']],
      ['no destination account', exchange({ destinationAccountId: undefined }), ['destinationAccountId']],
      ['a fractional amount', exchange({ amount: 10.5 }), ['amount']],
    ])('refuses an exchange with %s with 400 validation_error, reading nothing', async (_case, body, paths) => {
      const response = await postPayment(body);

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 400, code: 'validation_error' });
      expect(errorPaths(response)).toEqual(paths);
      expect(dynamo.calls()).toHaveLength(0);
    });
  });

  describe('withdrawal', () => {
    it('accepts a withdrawal with 202: to tech-withdrawals-<CUR>, a 150 bps fee, its destination echoed', async () => {
      givenWallets();

      const response = await postPayment(withdrawal({ metadata: { payout: 'P-1' } }));

      expect(response.status).toBe(202);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^pay_[0-9a-z]{26}$/),
        type: 'withdrawal',
        status: 'INITIATED',
        sourceAccountId: ADA_USD,
        destinationAccountId: 'tech-withdrawals-USD',
        amount: 5000,
        currency: 'USD',
        fee: 75,
        destination: { method: 'ewallet', reference: 'PAYPAL-ada-42' },
        capture: 'automatic',
        refundedAmount: 0,
        metadata: { payout: 'P-1' },
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
    });

    it('stores the withdrawal with its destination and the source owner only, and queues it', async () => {
      givenWallets();

      const response = await postPayment(withdrawal());

      const { id } = response.body as PaymentBody;
      const [stored] = storedItems('payments');
      expect(stored).toMatchObject({
        id,
        type: 'withdrawal',
        destinationAccountId: 'tech-withdrawals-USD',
        amount: 5000n,
        fee: 75n,
        destination: { method: 'ewallet', reference: 'PAYPAL-ada-42' },
        sourceOwnerId: ada.userId,
        pending: 'INITIATED',
      });
      expect(stored).not.toHaveProperty('destinationOwnerId');
      expect(sentMessages()).toEqual([{ paymentId: id }]);
    });

    it('opens tech-withdrawals-<CUR> on first use, only if absent', async () => {
      // A currency no other test withdraws in: technical accounts, once seen, are remembered by the warm container.
      givenAccounts(walletItem('acc_ada_sek', ada.userId, { currency: 'SEK' }));

      await postPayment(withdrawal({ sourceAccountId: 'acc_ada_sek', currency: 'SEK' }));

      const opened = dynamo
        .commandCalls(PutCommand)
        .map((call) => call.args[0].input)
        .filter((input) => input.TableName === 'accounts');
      expect(opened).toContainEqual(
        expect.objectContaining({
          Item: expect.objectContaining({ id: 'tech-withdrawals-SEK', kind: 'technical', purpose: 'withdrawals' }),
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    });

    it.each([
      [
        'a method other than ewallet',
        withdrawal({ destination: { method: 'bank', reference: 'X' } }),
        'destination.method',
      ],
      ['no destination', withdrawal({ destination: undefined }), 'destination'],
      [
        'a reference with a space',
        withdrawal({ destination: { method: 'ewallet', reference: 'a b' } }),
        'destination.reference',
      ],
      [
        'an unknown field in the destination',
        withdrawal({ destination: { method: 'ewallet', reference: 'X', iban: 'DE00' } }),
        'destination.iban',
      ],
      [
        'a destination account named by the client',
        withdrawal({ destinationAccountId: BOB_USD }),
        'destinationAccountId',
      ],
      ['no currency', withdrawal({ currency: undefined }), 'currency'],
    ])('refuses a withdrawal with %s with 400 validation_error, reading nothing', async (_case, body, path) => {
      const response = await postPayment(body);

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 400, code: 'validation_error' });
      expect(errorPaths(response)).toEqual([path]);
      expect(dynamo.calls()).toHaveLength(0);
    });

    it.each([
      ['currency_mismatch', 'the wallet does not hold the currency', withdrawal({ currency: 'EUR' })],
      ['account_closed', 'the wallet is closed', withdrawal({ sourceAccountId: 'acc_closed_ada' })],
    ])('answers 422 %s to a withdrawal when %s, writing nothing', async (code, _case, body) => {
      givenWallets();
      givenAccounts(walletItem('acc_closed_ada', ada.userId, { status: 'closed' }));

      const response = await postPayment(body);

      expect(response.status).toBe(422);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({ status: 422, code });
      expectNothingWritten();
    });

    it.each([
      ['another user’s wallet', withdrawal({ sourceAccountId: BOB_USD })],
      ['a technical account', withdrawal({ sourceAccountId: 'tech-fees-USD' })],
      ['an account that does not exist', withdrawal({ sourceAccountId: 'acc_01jd00000000000000000000zz' })],
    ])('answers 404 not_found to a withdrawal from %s, writing nothing', async (_case, body) => {
      givenWallets();
      givenAccounts(technicalItem('fees', 'USD'));

      const response = await postPayment(body);

      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ status: 404, code: 'not_found' });
      expectNothingWritten();
    });
  });
});
