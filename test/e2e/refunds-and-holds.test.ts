import { useLocalStack } from '../support/e2e';
import { eventually } from '../support/http-client';

const ADMIN = { email: 'cashier@example.com', password: 'a long admin password' };

// A stack of its own: it reads the operator's report, which counts every refund.
const { call, signUp, openWallet, finalState, listen } = useLocalStack({
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  SWEEP_INTERVAL_SECONDS: '1',
});

const adminToken = async () => (await call('POST', '/v1/tokens', { body: ADMIN })).body.token as string;

/** A wallet of `token`'s owner, topped up by a processed bank deposit. */
const fundedWallet = async (admin: string, token: string, amount: number, reference: string) => {
  const wallet = await openWallet(token, 'USD');
  const deposit = await call('POST', '/v1/admin/deposits', {
    token: admin,
    body: { accountId: wallet, amount, currency: 'USD', reference },
  });
  expect(await finalState(admin, deposit.body.id as string)).toMatchObject({ status: 'COMPLETED' });
  return wallet;
};

const accountOf = async (token: string, id: string) => (await call('GET', `/v1/accounts/${id}`, { token })).body;

const operationsOf = async (token: string, id: string) =>
  (await call('GET', `/v1/accounts/${id}/operations`, { token })).body.data.map(
    (o: { type: string; amount: number; balanceAfter: number }) => [o.type, o.amount, o.balanceAfter],
  );

describe('refunds through the local stack', () => {
  it('refunds part of a transfer by its payee, once per key, never past the payment, and counts it in the summary', async () => {
    const admin = await adminToken();
    const start = new Date().toISOString();
    const ada = await signUp('ada-refunded@example.com');
    const bob = await signUp('bob-refunds@example.com');
    const eve = await signUp('eve-refunds@example.com');
    const adaWallet = await fundedWallet(admin, ada, 10_000, 'REFUND-FUNDS');
    const bobWallet = await openWallet(bob, 'USD');
    const paid = await call('POST', '/v1/payments', {
      token: ada,
      body: {
        type: 'transfer',
        sourceAccountId: adaWallet,
        destinationAccountId: bobWallet,
        amount: 4_000,
        currency: 'USD',
      },
    });
    const payment = paid.body.id as string;
    expect(await finalState(ada, payment)).toMatchObject({ status: 'COMPLETED', refundedAmount: 0 });

    const refund = await call('POST', `/v1/payments/${payment}/refunds`, {
      token: bob,
      body: { amount: 1_500, reason: 'one item out of stock' },
      headers: { 'idempotency-key': 'refund-out-of-stock' },
    });
    const replay = await call('POST', `/v1/payments/${payment}/refunds`, {
      token: bob,
      body: { amount: 1_500, reason: 'one item out of stock' },
      headers: { 'idempotency-key': 'refund-out-of-stock' },
    });

    expect(refund).toMatchObject({
      status: 202,
      body: {
        type: 'refund',
        status: 'INITIATED',
        refundOf: payment,
        sourceAccountId: bobWallet,
        destinationAccountId: adaWallet,
        amount: 1_500,
        fee: 0,
        description: 'one item out of stock',
      },
    });
    expect(replay.body.id).toBe(refund.body.id);
    expect(await finalState(bob, refund.body.id as string)).toMatchObject({ status: 'COMPLETED' });
    expect(await finalState(ada, payment)).toMatchObject({ status: 'COMPLETED', refundedAmount: 1_500 });
    expect(await operationsOf(ada, adaWallet)).toEqual([
      ['deposit', 10_000, 10_000],
      ['transfer', -4_000, 6_000],
      ['commission', -40, 5_960],
      ['refund', 1_500, 7_460],
    ]);
    expect((await accountOf(bob, bobWallet)).balance).toBe(2_500);

    // The payer sees the payment but may not refund it; a stranger learns nothing; the rest is all that is left.
    const byPayer = await call('POST', `/v1/payments/${payment}/refunds`, { token: ada, body: {} });
    const byStranger = await call('POST', `/v1/payments/${payment}/refunds`, { token: eve, body: {} });
    const tooMuch = await call('POST', `/v1/payments/${payment}/refunds`, { token: bob, body: { amount: 2_501 } });
    const ofRefund = await call('POST', `/v1/payments/${refund.body.id as string}/refunds`, { token: ada, body: {} });
    expect([byPayer.status, byPayer.body.code]).toEqual([403, 'forbidden']);
    expect([byStranger.status, byStranger.body.code]).toEqual([404, 'not_found']);
    expect([tooMuch.status, tooMuch.body.code]).toEqual([422, 'refund_exceeds_payment']);
    expect([ofRefund.status, ofRefund.body.code]).toEqual([422, 'not_refundable']);
    const rest = await call('POST', `/v1/payments/${payment}/refunds`, { token: admin, body: {} });
    expect(rest).toMatchObject({ status: 202, body: { amount: 2_500 } });
    expect(await finalState(admin, rest.body.id as string)).toMatchObject({ status: 'COMPLETED' });

    const listed = await call('GET', '/v1/payments?type=refund', { token: ada });
    expect(listed.body.data.map((p: { id: string }) => p.id).sort()).toEqual(
      [refund.body.id as string, rest.body.id as string].sort(),
    );
    const summary = await call('GET', `/v1/admin/reports/summary?from=${start}`, { token: admin });
    expect(summary.body.data.find((row: { currency: string }) => row.currency === 'USD')).toMatchObject({
      refunds: { count: 2, sum: 4_000 },
    });
  }, 60_000);
});

describe('authorizations through the local stack', () => {
  it('authorizes, captures part, voids another, pushing payment.authorized and payment.voided, with held exact throughout', async () => {
    const admin = await adminToken();
    const ada = await signUp('ada-holds@example.com');
    const bob = await signUp('bob-captured@example.com');
    const adaWallet = await fundedWallet(admin, ada, 10_000, 'HOLD-FUNDS');
    const bobWallet = await openWallet(bob, 'USD');
    const socket = await listen(ada);
    const manual = (amount: number) => ({
      type: 'transfer',
      sourceAccountId: adaWallet,
      destinationAccountId: bobWallet,
      amount,
      currency: 'USD',
      capture: 'manual',
      holdSeconds: 600,
    });

    // Authorized: 3 000 and its fee of 30 leave the balance for held.
    const accepted = await call('POST', '/v1/payments', { token: ada, body: manual(3_000) });
    expect(accepted).toMatchObject({ status: 202, body: { status: 'INITIATED', capture: 'manual' } });
    const id = accepted.body.id as string;
    const authorized = await finalState(ada, id);
    expect(authorized).toMatchObject({ status: 'AUTHORIZED', authorizedAt: expect.any(String) });
    expect(
      Date.parse(authorized.authorizationExpiresAt as string) - Date.parse(authorized.authorizedAt as string),
    ).toBe(600_000);
    expect(await accountOf(ada, adaWallet)).toMatchObject({ balance: 6_970, held: 3_030 });
    await eventually(
      () => Promise.resolve(socket.messages.find((m) => m.type === 'payment.authorized')),
      10_000,
      'payment.authorized on the payer’s socket',
    );

    // The payee may see it but not capture it; the payer captures 2 000, with the fee on 2 000, and gets 1 010 back.
    const byPayee = await call('POST', `/v1/payments/${id}/capture`, { token: bob, body: {} });
    const over = await call('POST', `/v1/payments/${id}/capture`, { token: ada, body: { amount: 3_001 } });
    const captured = await call('POST', `/v1/payments/${id}/capture`, {
      token: ada,
      body: { amount: 2_000 },
      headers: { 'idempotency-key': 'capture-order-1' },
    });
    const repeated = await call('POST', `/v1/payments/${id}/capture`, {
      token: ada,
      body: { amount: 2_000 },
      headers: { 'idempotency-key': 'capture-order-1' },
    });
    const again = await call('POST', `/v1/payments/${id}/capture`, { token: ada, body: {} });
    const voidLate = await call('POST', `/v1/payments/${id}/void`, { token: ada });
    expect([byPayee.status, byPayee.body.code]).toEqual([403, 'forbidden']);
    expect([over.status, over.body.code]).toEqual([422, 'capture_exceeds_authorization']);
    expect(captured).toMatchObject({
      status: 200,
      body: { status: 'COMPLETED', amount: 3_000, capturedAmount: 2_000, fee: 20, completedAt: expect.any(String) },
    });
    expect(repeated).toEqual(captured);
    expect([again.status, again.body.code]).toEqual([422, 'not_authorized']);
    expect([voidLate.status, voidLate.body.code]).toEqual([422, 'not_authorized']);
    expect(await accountOf(ada, adaWallet)).toMatchObject({ balance: 7_980, held: 0 });
    expect((await accountOf(bob, bobWallet)).balance).toBe(2_000);
    expect(await operationsOf(ada, adaWallet)).toEqual([
      ['deposit', 10_000, 10_000],
      ['hold', -3_030, 6_970],
      ['release', 1_010, 7_980],
    ]);

    // Voided: everything held comes back, and a repeat answers the same.
    const second = await call('POST', '/v1/payments', { token: ada, body: manual(1_000) });
    expect(await finalState(ada, second.body.id as string)).toMatchObject({ status: 'AUTHORIZED' });
    expect(await accountOf(ada, adaWallet)).toMatchObject({ balance: 6_970, held: 1_010 });
    const voided = await call('POST', `/v1/payments/${second.body.id as string}/void`, { token: ada });
    const voidedAgain = await call('POST', `/v1/payments/${second.body.id as string}/void`, {
      token: ada,
      headers: { 'idempotency-key': 'void-1' },
    });
    expect(voided).toMatchObject({ status: 200, body: { status: 'VOIDED', voidReason: 'requested' } });
    expect(voidedAgain).toEqual(voided);
    expect(await accountOf(ada, adaWallet)).toMatchObject({ balance: 7_980, held: 0 });
    const pushed = await eventually(
      () => Promise.resolve(socket.messages.find((m) => m.type === 'payment.voided')),
      10_000,
      'payment.voided on the payer’s socket',
    );
    expect(pushed).toMatchObject({ event: expect.stringMatching(/^evt_/), payment: { id: second.body.id } });

    const events = await eventually(
      async () => {
        const listed = await call('GET', `/v1/events?paymentId=${id}`, { token: bob });
        const types = listed.body.data.map((e: { type: string }) => e.type) as string[];
        return types.length === 2 ? types : undefined;
      },
      10_000,
      'both events of the captured payment',
    );
    expect(events).toEqual(['payment.authorized', 'payment.completed']);
  }, 60_000);
});
