import { ADMIN, useLocalStack } from '../support/e2e';

const { call, signUp, openWallet, finalState } = useLocalStack();

describe('payments through the local stack', () => {
  it('walks a deposit, a transfer with its fee, a short source, a replay and a stranger', async () => {
    const admin = (await call('POST', '/v1/tokens', { body: ADMIN })).body.token as string;
    const ada = await signUp('ada-pays@example.com');
    const bob = await signUp('bob-paid@example.com');
    const eve = await signUp('eve-pries@example.com');
    const adaUsd = await openWallet(ada, 'USD');
    const bobUsd = await openWallet(bob, 'USD');

    // A bank top-up, by an operator, credited in the background.
    const deposit = await call('POST', '/v1/admin/deposits', {
      token: admin,
      body: { accountId: adaUsd, amount: 10_000, currency: 'USD', reference: 'BANK-001' },
    });
    expect(deposit).toMatchObject({
      status: 202,
      body: {
        type: 'deposit',
        status: 'INITIATED',
        sourceAccountId: 'tech-bank-USD',
        destinationAccountId: adaUsd,
        amount: 10_000,
        fee: 0,
      },
    });
    expect(await finalState(ada, deposit.body.id)).toMatchObject({
      status: 'COMPLETED',
      completedAt: expect.any(String),
    });

    // A transfer: 2 500 plus a 1% fee leaves Ada's wallet, 2 500 reaches Bob's, 25 goes to the fees account.
    const transfer = {
      type: 'transfer',
      sourceAccountId: adaUsd,
      destinationAccountId: bobUsd,
      amount: 2_500,
      currency: 'USD',
      description: 'rent',
    };
    const accepted = await call('POST', '/v1/payments', {
      token: ada,
      body: transfer,
      headers: { 'idempotency-key': 'rent-2026-11' },
    });
    expect(accepted).toMatchObject({ status: 202, body: { status: 'INITIATED', fee: 25, description: 'rent' } });
    expect(await finalState(ada, accepted.body.id)).toMatchObject({ status: 'COMPLETED' });
    expect((await call('GET', `/v1/accounts/${adaUsd}`, { token: ada })).body.balance).toBe(10_000 - 2_525);
    expect((await call('GET', `/v1/accounts/${bobUsd}`, { token: bob })).body.balance).toBe(2_500);
    expect((await call('GET', '/v1/accounts/tech-fees-USD', { token: admin })).body.balance).toBeGreaterThanOrEqual(25);

    // The payee sees it too; the operations chain on the payer's side, the fee a line of its own after the principal.
    expect((await call('GET', `/v1/payments/${accepted.body.id}`, { token: bob })).status).toBe(200);
    const operations = await call('GET', `/v1/accounts/${adaUsd}/operations`, { token: ada });
    expect(
      operations.body.data.map((o: { amount: number; balanceAfter: number; type: string }) => [
        o.type,
        o.amount,
        o.balanceAfter,
      ]),
    ).toEqual([
      ['deposit', 10_000, 10_000],
      ['transfer', -2_500, 7_500],
      ['commission', -25, 7_475],
    ]);

    // A replay with the same key answers the same payment and moves nothing more; another body with it is a 422.
    const replay = await call('POST', '/v1/payments', {
      token: ada,
      body: transfer,
      headers: { 'idempotency-key': 'rent-2026-11' },
    });
    expect(replay).toMatchObject({ status: 202, body: { id: accepted.body.id, status: 'COMPLETED' } });
    const reused = await call('POST', '/v1/payments', {
      token: ada,
      body: { ...transfer, amount: 1 },
      headers: { 'idempotency-key': 'rent-2026-11' },
    });
    expect(reused).toMatchObject({ status: 422, body: { code: 'idempotency_key_reused' } });

    // More than the wallet holds: accepted, then FAILED with nothing moved.
    const tooMuch = await call('POST', '/v1/payments', { token: ada, body: { ...transfer, amount: 7_475 } });
    expect(tooMuch.status).toBe(202);
    expect(await finalState(ada, tooMuch.body.id)).toMatchObject({
      status: 'FAILED',
      failureReason: 'insufficient_funds',
    });
    expect((await call('GET', `/v1/accounts/${adaUsd}`, { token: ada })).body.balance).toBe(7_475);
    // Money never reached Bob: the failed payment is not his to see.
    expect((await call('GET', `/v1/payments/${tooMuch.body.id}`, { token: bob })).status).toBe(404);
    expect((await call('GET', '/v1/payments', { token: bob })).body.data.map((p: { id: string }) => p.id)).toEqual([
      accepted.body.id,
    ]);

    // Someone else's account is not found, whether as a source or to read; their payment too.
    expect(await call('POST', '/v1/payments', { token: eve, body: { ...transfer, amount: 1 } })).toMatchObject({
      status: 404,
      body: { code: 'not_found' },
    });
    expect((await call('GET', `/v1/payments/${accepted.body.id}`, { token: eve })).status).toBe(404);
    expect((await call('GET', `/v1/accounts/${adaUsd}/operations`, { token: eve })).status).toBe(404);
    expect((await call('GET', '/v1/payments', { token: eve })).body).toEqual({ data: [], nextCursor: null });

    // The history answers the balance at any time.
    const before = await call(
      'GET',
      `/v1/accounts/${adaUsd}/balance?at=${encodeURIComponent(accepted.body.createdAt)}`,
      { token: ada },
    );
    expect(before.body).toEqual({ accountId: adaUsd, currency: 'USD', balance: 10_000, at: accepted.body.createdAt });

    // Ada's list holds her three payments, the newest first on request, and filters by status.
    const mine = await call('GET', '/v1/payments?sort=-createdAt', { token: ada });
    expect(mine.body.data.map((p: { id: string }) => p.id)).toEqual([
      tooMuch.body.id,
      accepted.body.id,
      deposit.body.id,
    ]);
    const failed = await call('GET', '/v1/payments?status=FAILED', { token: ada });
    expect(failed.body.data.map((p: { id: string }) => p.id)).toEqual([tooMuch.body.id]);
  }, 60_000);

  it('keeps a payment’s metadata, finds it by metadata[key]=value and sorts by fee, over HTTP', async () => {
    const admin = (await call('POST', '/v1/tokens', { body: ADMIN })).body.token as string;
    const ada = await signUp('ada-tags@example.com');
    const bob = await signUp('bob-tags@example.com');
    const [adaUsd, bobUsd] = [await openWallet(ada, 'USD'), await openWallet(bob, 'USD')];
    const funded = await call('POST', '/v1/admin/deposits', {
      token: admin,
      body: { accountId: adaUsd, amount: 10_000, currency: 'USD', reference: 'BANK-TAGS' },
    });
    await finalState(ada, funded.body.id);
    const pay = (amount: number, metadata?: Record<string, string>) =>
      call('POST', '/v1/payments', {
        token: ada,
        body: {
          type: 'transfer',
          sourceAccountId: adaUsd,
          destinationAccountId: bobUsd,
          amount,
          currency: 'USD',
          ...(metadata ? { metadata } : {}),
        },
      });

    const tagged = await pay(300, { orderId: 'A-42', 'customer.ref': 'é 😀' });
    const other = await pay(700, { orderId: 'B-7' });
    const plain = await pay(100);
    expect(tagged).toMatchObject({ status: 202, body: { metadata: { orderId: 'A-42', 'customer.ref': 'é 😀' } } });
    expect(plain.body.metadata).toEqual({});
    const ids = (response: { body: { data: { id: string }[] } }) => response.body.data.map((p) => p.id);

    // Brackets sent percent-encoded, as clients encode them, and as they are.
    const byOrder = await call('GET', `/v1/payments?${encodeURIComponent('metadata[orderId]')}=A-42`, { token: bob });
    expect(ids(byOrder)).toEqual([tagged.body.id]);
    const byRef = await call('GET', `/v1/payments?metadata[customer.ref]=${encodeURIComponent('é 😀')}`, {
      token: ada,
    });
    expect(ids(byRef)).toEqual([tagged.body.id]);
    const byFee = await call('GET', `/v1/payments?sort=-fee&accountId=${bobUsd}`, { token: bob });
    expect(ids(byFee)).toEqual([other.body.id, tagged.body.id, plain.body.id]);
    expect(
      await call('GET', '/v1/payments?metadata[orderId]=A-42&metadata[customer.ref]=x', { token: ada }),
    ).toMatchObject({ status: 400, body: { code: 'validation_error', errors: [{ path: 'metadata' }] } });
    expect(await pay(1, { 'not ok': 'x' })).toMatchObject({
      status: 400,
      body: { code: 'validation_error', errors: [{ path: 'metadata.not ok' }] },
    });
  }, 60_000);

  it('answers the fee schedule to anyone', async () => {
    const fees = await call('GET', '/v1/fees');

    expect(fees).toMatchObject({
      status: 200,
      body: { transfer: { bps: 100, fixed: 0, min: 1 }, deposit: { bps: 0, fixed: 0, min: 0 } },
    });
  });

  it.each([
    [
      'a transfer across currencies',
      (usd: string, eur: string) => ({ sourceAccountId: usd, destinationAccountId: eur, currency: 'USD' }),
      422,
      'currency_mismatch',
    ],
    [
      'a transfer to the same account',
      (usd: string) => ({ sourceAccountId: usd, destinationAccountId: usd, currency: 'USD' }),
      422,
      'same_account',
    ],
    [
      'an amount of zero',
      (usd: string, _eur: string, other: string) => ({
        sourceAccountId: usd,
        destinationAccountId: other,
        currency: 'USD',
        amount: 0,
      }),
      400,
      'validation_error',
    ],
  ])('refuses %s at once', async (_case, body, status, code) => {
    const token = await signUp(`refusal-${Math.random().toString(36).slice(2)}@example.com`);
    const [usd, eur, other] = [
      await openWallet(token, 'USD'),
      await openWallet(token, 'EUR'),
      await openWallet(token, 'USD'),
    ];

    const reply = await call('POST', '/v1/payments', {
      token,
      body: { type: 'transfer', amount: 100, ...body(usd, eur, other) },
    });

    expect(reply).toMatchObject({ status, contentType: 'application/problem+json', body: { code } });
  });
});
