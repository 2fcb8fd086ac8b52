import { useLocalStack } from '../support/e2e';

const ADMIN = { email: 'desk@example.com', password: 'a long admin password' };

// A stack of its own: it reads technical accounts' balances, the rates and the operator's report.
const { call, signUp, openWallet, finalState } = useLocalStack({
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  SWEEP_INTERVAL_SECONDS: '1',
});

const balanceOf = async (token: string, id: string): Promise<number> =>
  (await call('GET', `/v1/accounts/${id}`, { token })).body.balance as number;

describe('withdrawals, rates, exchanges and the operator report on the local stack', () => {
  let admin: string;
  let ada: string;
  let bob: string;
  let adaUsd: string;
  let adaJpy: string;
  let adaBhd: string;
  let bobJpy: string;
  const start = new Date().toISOString();

  beforeAll(async () => {
    admin = (await call('POST', '/v1/tokens', { body: ADMIN })).body.token as string;
    ada = await signUp('ada-travels@example.com');
    bob = await signUp('bob-in-tokyo@example.com');
    adaUsd = await openWallet(ada, 'USD');
    adaJpy = await openWallet(ada, 'JPY');
    adaBhd = await openWallet(ada, 'BHD');
    bobJpy = await openWallet(bob, 'JPY');
    for (const [accountId, amount, currency, reference] of [
      [adaUsd, 100_000, 'USD', 'BANK-USD-1'],
      [adaBhd, 50_000, 'BHD', 'BANK-BHD-1'],
    ] as const) {
      const deposit = await call('POST', '/v1/admin/deposits', {
        token: admin,
        body: { accountId, amount, currency, reference },
      });
      // Set-up, not the behaviour under test: a deposit that does not complete stops the file here.
      const settled = deposit.status === 202 ? await finalState(admin, deposit.body.id) : deposit.body;
      if (settled.status !== 'COMPLETED') throw new Error(`Deposit ${reference}: ${JSON.stringify(settled)}`);
    }
  }, 60_000);

  it('lets an operator set rates as exact decimal strings, and anyone read them', async () => {
    const set = await call('PUT', '/v1/admin/rates/USD/JPY', { token: admin, body: { rate: '151.37' } });
    expect(set).toMatchObject({ status: 200, body: { base: 'USD', quote: 'JPY', rate: '151.37' } });
    expect(Date.parse(set.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(start));
    expect(
      (await call('PUT', '/v1/admin/rates/BHD/USD', { token: admin, body: { rate: '2.65957446809' } })).status,
    ).toBe(200);

    const rates = await call('GET', '/v1/rates');
    expect(rates.status).toBe(200);
    expect(rates.body.data).toEqual([
      { base: 'BHD', quote: 'USD', rate: '2.65957446809', updatedAt: expect.any(String) },
      { base: 'USD', quote: 'JPY', rate: '151.37', updatedAt: set.body.updatedAt },
    ]);
    expect((await call('GET', '/v1/rates?base=USD')).body.data).toHaveLength(1);
  });

  it.each([
    ['a JSON number', 151.37],
    ['an exponent', '1.5e2'],
    ['zero', '0.000'],
    ['a negative rate', '-1.2'],
    ['13 significant digits', '1.234567890123'],
    ['a blank', ' 1.5'],
  ])('refuses a rate given as %s with 400 validation_error on `rate`', async (_what, rate) => {
    const reply = await call('PUT', '/v1/admin/rates/USD/EUR', { token: admin, body: { rate } });
    expect(reply).toMatchObject({
      status: 400,
      contentType: 'application/problem+json',
      body: { code: 'validation_error', errors: [{ path: 'rate', message: expect.any(String) }] },
    });
  });

  it('refuses rates from users, on unknown currencies and on a pair of one currency', async () => {
    const body = { rate: '0.92' };
    expect((await call('PUT', '/v1/admin/rates/USD/EUR', { token: ada, body })).body.code).toBe('forbidden');
    expect((await call('PUT', '/v1/admin/rates/USD/EUR', { body })).body.code).toBe('unauthorized');
    expect((await call('PUT', '/v1/admin/rates/usd/EUR', { token: admin, body })).body.code).toBe(
      'unsupported_currency',
    );
    expect((await call('PUT', '/v1/admin/rates/EUR/EUR', { token: admin, body })).body.code).toBe('validation_error');
    expect((await call('GET', '/v1/rates?base=USD&pair=1')).status).toBe(400);
    expect((await call('GET', '/v1/rates?base=USD&quote=EUR')).body.data).toEqual([]);
  });

  it('exchanges at the rate in force when the payment is created, through the desks of both currencies', async () => {
    const exchange = await call('POST', '/v1/payments', {
      token: ada,
      body: { type: 'exchange', sourceAccountId: adaUsd, destinationAccountId: adaJpy, amount: 10_000 },
      headers: { 'idempotency-key': 'fx-1' },
    });
    expect(exchange).toMatchObject({
      status: 202,
      body: {
        type: 'exchange',
        status: 'INITIATED',
        sourceAccountId: adaUsd,
        destinationAccountId: adaJpy,
        amount: 10_000,
        currency: 'USD',
        fee: 50,
        destinationAmount: 15_137,
        destinationCurrency: 'JPY',
        rate: '151.37',
      },
    });

    // The rate moves right after the payment is created: the payment keeps the one it was created at.
    await call('PUT', '/v1/admin/rates/USD/JPY', { token: admin, body: { rate: '149.5' } });
    expect(await finalState(ada, exchange.body.id)).toMatchObject({
      status: 'COMPLETED',
      rate: '151.37',
      destinationAmount: 15_137,
    });
    expect(await balanceOf(ada, adaUsd)).toBe(100_000 - 10_050);
    expect(await balanceOf(ada, adaJpy)).toBe(15_137);

    // The history keeps both rates, newest first.
    const history = await call('GET', '/v1/admin/rates/USD/JPY/history', { token: admin });
    expect(history.body.data.map((r: { rate: string }) => r.rate)).toEqual(['149.5', '151.37']);
    expect((await call('GET', '/v1/admin/rates/USD/JPY/history', { token: ada })).status).toBe(403);

    const operations = await call('GET', `/v1/accounts/${adaJpy}/operations`, { token: ada });
    expect(operations.body.data).toEqual([
      expect.objectContaining({
        type: 'exchange',
        amount: 15_137,
        currency: 'JPY',
        balanceAfter: 15_137,
        counterpartyAccountId: 'tech-fx-JPY',
      }),
    ]);

    // A replay answers the same payment, rate and all.
    const replay = await call('POST', '/v1/payments', {
      token: ada,
      body: { type: 'exchange', sourceAccountId: adaUsd, destinationAccountId: adaJpy, amount: 10_000 },
      headers: { 'idempotency-key': 'fx-1' },
    });
    expect(replay.body).toMatchObject({ id: exchange.body.id, rate: '151.37' });
  });

  it("exchanges into another user's wallet, which then sees the payment", async () => {
    const exchange = await call('POST', '/v1/payments', {
      token: ada,
      body: {
        type: 'exchange',
        sourceAccountId: adaBhd,
        destinationAccountId: adaUsd,
        amount: 1_000,
        currency: 'BHD',
        description: 'dinars to dollars',
      },
    });
    // 1.000 BHD at 2.65957446809 is 2.659... USD: 265 cents, floored.
    expect(exchange.body).toMatchObject({ destinationAmount: 265, fee: 5, currency: 'BHD' });
    expect(await finalState(ada, exchange.body.id)).toMatchObject({ status: 'COMPLETED' });

    const toBob = await call('POST', '/v1/payments', {
      token: ada,
      body: { type: 'exchange', sourceAccountId: adaUsd, destinationAccountId: bobJpy, amount: 2_000 },
    });
    expect(toBob.body).toMatchObject({ destinationAmount: 2_990, rate: '149.5' });
    expect(await finalState(ada, toBob.body.id)).toMatchObject({ status: 'COMPLETED' });
    expect((await call('GET', `/v1/payments/${toBob.body.id}`, { token: bob })).status).toBe(200);
    expect(await balanceOf(bob, bobJpy)).toBe(2_990);
  });

  it('answers 422 no_rate for a pair without a rate: the inverse of a pair is not implied', async () => {
    const reply = await call('POST', '/v1/payments', {
      token: ada,
      body: { type: 'exchange', sourceAccountId: adaJpy, destinationAccountId: adaUsd, amount: 1_000 },
    });
    expect(reply).toMatchObject({
      status: 422,
      contentType: 'application/problem+json',
      body: { code: 'no_rate', status: 422 },
    });
  });

  it('refuses at once what cannot be exchanged, and changes nothing', async () => {
    const before = await balanceOf(ada, adaUsd);
    const usdTwo = await openWallet(ada, 'USD');
    const attempts: [unknown, number, string][] = [
      [
        { type: 'transfer', sourceAccountId: adaUsd, destinationAccountId: adaJpy, amount: 100, currency: 'USD' },
        422,
        'currency_mismatch',
      ],
      [
        { type: 'exchange', sourceAccountId: adaUsd, destinationAccountId: usdTwo, amount: 100 },
        422,
        'currency_mismatch',
      ],
      [
        { type: 'exchange', sourceAccountId: adaUsd, destinationAccountId: adaJpy, amount: 100, currency: 'EUR' },
        422,
        'currency_mismatch',
      ],
      [{ type: 'exchange', sourceAccountId: adaUsd, destinationAccountId: adaUsd, amount: 100 }, 422, 'same_account'],
      [{ type: 'exchange', sourceAccountId: bobJpy, destinationAccountId: adaUsd, amount: 100 }, 404, 'not_found'],
      [
        { type: 'exchange', sourceAccountId: adaUsd, destinationAccountId: 'tech-fx-JPY', amount: 100 },
        404,
        'not_found',
      ],
      [
        { type: 'exchange', sourceAccountId: adaUsd, destinationAccountId: adaJpy, amount: 1.5 },
        400,
        'validation_error',
      ],
    ];
    for (const [body, status, code] of attempts) {
      expect(await call('POST', '/v1/payments', { token: ada, body })).toMatchObject({ status, body: { code } });
    }
    expect(await balanceOf(ada, adaUsd)).toBe(before);
  });

  it('refuses an exchange whose amount converts to less than one minor unit', async () => {
    // 1 JPY at 0.0061 EUR is 0.61 cent.
    await call('PUT', '/v1/admin/rates/JPY/EUR', { token: admin, body: { rate: '0.0061' } });
    const adaEur = await openWallet(ada, 'EUR');
    const reply = await call('POST', '/v1/payments', {
      token: ada,
      body: { type: 'exchange', sourceAccountId: adaJpy, destinationAccountId: adaEur, amount: 1 },
    });
    expect(reply).toMatchObject({ status: 400, body: { code: 'validation_error', errors: [{ path: 'amount' }] } });
  });

  it('withdraws to an e-wallet: the wallet pays amount + fee, tech-withdrawals takes the amount', async () => {
    const before = await balanceOf(ada, adaUsd);
    const withdrawal = await call('POST', '/v1/payments', {
      token: ada,
      body: {
        type: 'withdrawal',
        sourceAccountId: adaUsd,
        amount: 5_000,
        currency: 'USD',
        destination: { method: 'ewallet', reference: 'wallet:ada@example.net' },
      },
      headers: { 'idempotency-key': 'out-1' },
    });
    expect(withdrawal).toMatchObject({
      status: 202,
      body: {
        type: 'withdrawal',
        sourceAccountId: adaUsd,
        destinationAccountId: 'tech-withdrawals-USD',
        amount: 5_000,
        currency: 'USD',
        fee: 75,
        destination: { method: 'ewallet', reference: 'wallet:ada@example.net' },
      },
    });
    expect(await finalState(ada, withdrawal.body.id)).toMatchObject({ status: 'COMPLETED' });
    expect(await balanceOf(ada, adaUsd)).toBe(before - 5_075);
    expect(await balanceOf(admin, 'tech-withdrawals-USD')).toBe(5_000);

    const tooMuch = await call('POST', '/v1/payments', {
      token: ada,
      body: {
        type: 'withdrawal',
        sourceAccountId: adaUsd,
        amount: before,
        currency: 'USD',
        destination: { method: 'ewallet', reference: 'wallet:ada@example.net' },
      },
    });
    expect(await finalState(ada, tooMuch.body.id)).toMatchObject({
      status: 'FAILED',
      failureReason: 'insufficient_funds',
    });
    expect(await balanceOf(ada, adaUsd)).toBe(before - 5_075);
  });

  it.each([
    ['another method', { method: 'bank', reference: 'x' }, 'validation_error'],
    ['no reference', { method: 'ewallet' }, 'validation_error'],
    ['no destination', undefined, 'validation_error'],
  ])('refuses a withdrawal with %s', async (_what, destination, code) => {
    const reply = await call('POST', '/v1/payments', {
      token: ada,
      body: { type: 'withdrawal', sourceAccountId: adaUsd, amount: 100, currency: 'USD', destination },
    });
    expect(reply).toMatchObject({ status: 400, body: { code } });
  });

  it('refuses a withdrawal in a currency its wallet does not hold', async () => {
    const reply = await call('POST', '/v1/payments', {
      token: ada,
      body: {
        type: 'withdrawal',
        sourceAccountId: adaJpy,
        amount: 100,
        currency: 'USD',
        destination: { method: 'ewallet', reference: 'w-1' },
      },
    });
    expect(reply).toMatchObject({ status: 422, body: { code: 'currency_mismatch' } });
  });

  it('keeps every currency summing to zero over all accounts', async () => {
    const accounts = await call('GET', '/v1/admin/accounts?limit=100', { token: admin });
    const sums = new Map<string, number>();
    for (const account of accounts.body.data as { currency: string; balance: number }[]) {
      sums.set(account.currency, (sums.get(account.currency) ?? 0) + account.balance);
    }
    expect(Object.fromEntries(sums)).toEqual({ BHD: 0, EUR: 0, JPY: 0, USD: 0 });
  });

  it("answers the operator's three questions per currency, matching the payments made", async () => {
    const payments = await call('GET', '/v1/payments?limit=100&status=COMPLETED', { token: admin });
    const completed = payments.body.data as {
      type: string;
      currency: string;
      amount: number;
      fee: number;
      destinationCurrency?: string;
      destinationAmount?: number;
    }[];
    const expected = (currency: string) => {
      const own = completed.filter((p) => p.currency === currency);
      const of = (type: string) => own.filter((p) => p.type === type);
      const sum = (list: { amount: number }[]) => list.reduce((total, p) => total + p.amount, 0);
      const into = completed.filter((p) => p.type === 'exchange' && p.destinationCurrency === currency);
      return {
        currency,
        commission: own.reduce((total, p) => total + p.fee, 0),
        deposits: { count: of('deposit').length, sum: sum(of('deposit')) },
        withdrawals: { count: of('withdrawal').length, sum: sum(of('withdrawal')) },
        refunds: { count: of('refund').length, sum: sum(of('refund')) },
        exchanges: {
          count: of('exchange').length + into.length,
          sourceSum: sum(of('exchange')),
          destinationSum: into.reduce((total, p) => total + (p.destinationAmount ?? 0), 0),
        },
      };
    };

    const report = await call('GET', `/v1/admin/reports/summary?from=${start}`, { token: admin });
    expect(report.status).toBe(200);
    expect(report.body.from).toBe(start);
    expect(report.body.data).toEqual([expected('BHD'), expected('JPY'), expected('USD')]);
    // The figures this walk produced, spelled out for USD.
    expect(report.body.data[2]).toEqual({
      currency: 'USD',
      commission: 50 + 10 + 75,
      deposits: { count: 1, sum: 100_000 },
      withdrawals: { count: 1, sum: 5_000 },
      refunds: { count: 0, sum: 0 },
      exchanges: { count: 3, sourceSum: 12_000, destinationSum: 265 },
    });

    const before = await call('GET', `/v1/admin/reports/summary?from=2020-01-01T00:00:00Z&to=${start}`, {
      token: admin,
    });
    expect(before.body.data.map((row: { deposits: { count: number } }) => row.deposits.count)).toEqual([0, 0, 0]);
  });

  it('refuses a report to users, and a period that ends before it starts', async () => {
    expect((await call('GET', '/v1/admin/reports/summary', { token: ada })).status).toBe(403);
    const reversed = await call('GET', '/v1/admin/reports/summary?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', {
      token: admin,
    });
    expect(reversed).toMatchObject({ status: 400, body: { code: 'validation_error' } });
    expect((await call('GET', '/v1/admin/reports/summary?since=yesterday', { token: admin })).status).toBe(400);
  });
});
