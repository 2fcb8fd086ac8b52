import { NotAuthorizedError, CaptureExceedsAuthorizationError, IdempotencyKeyReusedError } from '../../shared/errors';
import type { AccountRecord } from '../../shared/accounts/model';
import { chainsOf } from '../../shared/ledger/chains';
import { capturePayment, expireAuthorization, voidPayment } from '../../shared/payments/authorizations';
import { createPayment } from '../../shared/payments/create';
import type { Payment } from '../../shared/payments/model';
import { processPayment } from '../../shared/payments/process';
import { sweep } from '../../shared/payments/sweep';
import { ledgerHelpers, type OperationItem, usePaymentWorld } from '../support/payments';

const world = usePaymentWorld();

const { payerAndPayee, chainOf, expectUnbrokenChain, processAll } = ledgerHelpers(world);

const SWEEP = { redriveAfterMs: 60_000, expireAfterMs: 300_000, batchSize: 100 };

/** The deps of the use cases with a clock `ms` ahead: what the sweeper sees once an authorization has expired. */
const later = (ms: number) => {
  const { payments } = world();
  return {
    accounts: payments.accounts,
    payments: payments.payments,
    claims: payments.claims,
    ledger: payments.ledger,
    queue: payments.queue,
    rates: payments.rates,
    fees: payments.fees,
    clock: () => new Date(Date.now() + ms),
  };
};

/** A manual transfer of `amount` from a wallet funded with `funded`, processed: AUTHORIZED unless funds fell short. */
const authorized = async (funded: number, amount: number, currency: string, holdSeconds?: number) => {
  const parties = await payerAndPayee(funded, currency);
  const payment = await createPayment(world().payments, parties.ada, {
    ...parties.transfer(amount),
    capture: 'manual',
    ...(holdSeconds === undefined ? {} : { holdSeconds }),
  });
  const outcome = await processPayment(world().payments, payment.id);
  return { ...parties, payment, outcome };
};

const holdingsOf = async (account: AccountRecord) => (await world().ledger.holdingsOf([account])).get(account.id);

/** Every operation of an account (all its shards, for a technical one), by payment. */
const operationsOf = async (accountId: string): Promise<OperationItem[]> =>
  (await Promise.all(chainsOf({ id: accountId }).map((chain) => chainOf(chain)))).flat();

const signed = (operations: OperationItem[]) => operations.map((o) => [o.type, o.amount]);

describe('authorizations on DynamoDB Local', () => {
  it('moves amount + fee from the balance to held, paid to tech-holds, and answers AUTHORIZED with its expiry', async () => {
    const { source, payment, outcome } = await authorized(10_000, 2_000, 'USD', 3_600);

    const stored = (await world().payments.payments.findById(payment.id))!;

    expect(outcome).toBe('authorized');
    expect(stored).toMatchObject({ status: 'AUTHORIZED', capture: 'manual', fee: 20n });
    expect(Date.parse(stored.authorizationExpiresAt!) - Date.parse(stored.authorizedAt!)).toBe(3_600_000);
    expect(await holdingsOf(source)).toEqual({ balance: 10_000n - 2_020n, held: 2_020n });
    const own = (await chainOf(source.id)).filter((o) => o.paymentId === payment.id);
    expect(
      own.map((o) => [o.type, o.amount, (o as unknown as { counterpartyAccountId: string }).counterpartyAccountId]),
    ).toEqual([['hold', -2_020n, 'tech-holds-USD']]);
    expect(signed((await operationsOf('tech-holds-USD')).filter((o) => o.paymentId === payment.id))).toEqual([
      ['hold', 2_020n],
    ]);
  });

  it('fails an authorization the source cannot cover, holding nothing', async () => {
    const { source, payment, outcome } = await authorized(1_000, 991, 'EUR');

    expect(outcome).toBe('failed');
    expect(await world().payments.payments.findById(payment.id)).toMatchObject({
      status: 'FAILED',
      failureReason: 'insufficient_funds',
    });
    expect(await holdingsOf(source)).toEqual({ balance: 1_000n, held: 0n });
  });

  it('captures part of an authorization: the destination paid, the fee on what was captured, the rest released once', async () => {
    const { ada, source, destination, payment } = await authorized(10_000, 5_000, 'GBP');

    const captured = await capturePayment(world().payments, ada, payment.id, { amount: 3_000 }, 'capture-1');

    expect(captured).toMatchObject({ status: 'COMPLETED', capturedAmount: 3_000n, fee: 30n });
    expect(await world().payments.payments.findById(payment.id)).toMatchObject({
      status: 'COMPLETED',
      capturedAmount: 3_000n,
      fee: 30n,
      completedAt: expect.any(String),
      authorizedAt: expect.any(String),
    });
    // The source paid 3 030 in all: its hold of 5 050 and one release of 2 020, and holds nothing any more.
    expect(signed((await chainOf(source.id)).slice(1))).toEqual([
      ['hold', -5_050n],
      ['release', 2_020n],
    ]);
    expect(await holdingsOf(source)).toEqual({ balance: 10_000n - 3_030n, held: 0n });
    expect(signed(await chainOf(destination.id))).toEqual([['transfer', 3_000n]]);
    expect(signed((await operationsOf('tech-fees-GBP')).filter((o) => o.paymentId === payment.id))).toEqual([
      ['commission', 30n],
    ]);
    const holds = await operationsOf('tech-holds-GBP');
    expect(signed(holds.filter((o) => o.paymentId === payment.id))).toEqual([
      ['hold', 5_050n],
      ['transfer', -3_000n],
      ['commission', -30n],
      ['release', -2_020n],
    ]);
    for (const chain of [source.id, destination.id, ...chainsOf({ id: 'tech-holds-GBP' })]) {
      expectUnbrokenChain(await chainOf(chain));
    }
  });

  it('answers a capture repeated with its key as it did, and refuses any other capture of the payment', async () => {
    const { ada, payment } = await authorized(10_000, 1_000, 'CHF');
    const first = await capturePayment(world().payments, ada, payment.id, {}, 'capture-chf');

    const again = await capturePayment(world().payments, ada, payment.id, {}, 'capture-chf');

    expect(again).toEqual(first);
    await expect(capturePayment(world().payments, ada, payment.id, { amount: 10 }, 'capture-chf')).rejects.toThrow(
      IdempotencyKeyReusedError,
    );
    await expect(capturePayment(world().payments, ada, payment.id, {})).rejects.toThrow(NotAuthorizedError);
    await expect(voidPayment(world().payments, ada, payment.id)).rejects.toThrow(NotAuthorizedError);
    expect((await operationsOf('tech-holds-CHF')).filter((o) => o.paymentId === payment.id)).toHaveLength(3);
  });

  it('refuses a capture above the authorized amount and moves nothing', async () => {
    const { ada, source, payment } = await authorized(10_000, 1_000, 'SEK');

    await expect(capturePayment(world().payments, ada, payment.id, { amount: 1_001 })).rejects.toThrow(
      CaptureExceedsAuthorizationError,
    );

    expect((await world().payments.payments.findById(payment.id))?.status).toBe('AUTHORIZED');
    expect(await holdingsOf(source)).toEqual({ balance: 10_000n - 1_010n, held: 1_010n });
  });

  it('voids an authorization: everything held goes back as one release, and a repeat answers the same', async () => {
    const { ada, source, payment } = await authorized(10_000, 4_000, 'NOK');

    const voided = await voidPayment(world().payments, ada, payment.id);
    const again = await voidPayment(world().payments, ada, payment.id);

    expect(voided).toMatchObject({ status: 'VOIDED', voidReason: 'requested' });
    expect(again).toMatchObject({ id: payment.id, status: 'VOIDED', voidReason: 'requested' });
    expect(signed((await chainOf(source.id)).slice(1))).toEqual([
      ['hold', -4_040n],
      ['release', 4_040n],
    ]);
    expect(await holdingsOf(source)).toEqual({ balance: 10_000n, held: 0n });
    await expect(capturePayment(world().payments, ada, payment.id, {}, 'too-late')).rejects.toThrow(NotAuthorizedError);
  });

  it('voids an expired authorization in the sweep, as expired, and refuses to capture it after its expiry', async () => {
    const first = await authorized(10_000, 1_000, 'DKK', 60);
    const second = await authorized(10_000, 1_000, 'DKK', 60);

    const swept = await sweep(later(61_000), SWEEP);
    const capture = capturePayment(later(61_000), second.ada, second.payment.id, {}, 'late');

    expect(swept.voided).toBeGreaterThanOrEqual(1);
    await expect(capture).rejects.toThrow(NotAuthorizedError);
    for (const { payment, source } of [first, second]) {
      expect(await world().payments.payments.findById(payment.id)).toMatchObject({
        status: 'VOIDED',
        voidReason: 'expired',
        authorizedAt: expect.any(String),
        authorizationExpiresAt: expect.any(String),
      });
      expect(await holdingsOf(source)).toEqual({ balance: 10_000n, held: 0n });
    }
  });

  it('ends a capture racing a void racing the expiry in exactly one of them, with exactly its operations', async () => {
    const rounds = await Promise.all(Array.from({ length: 8 }, () => authorized(10_000, 1_000, 'PLN', 60)));

    const results = await Promise.all(
      rounds.map(async ({ ada, payment }) => {
        const [capture, voiding] = await Promise.allSettled([
          capturePayment(world().payments, ada, payment.id, { amount: 600 }, `race-${payment.id}`),
          voidPayment(world().payments, ada, payment.id),
          expireAuthorization(later(61_000), payment.id),
        ]);
        return { capture, voiding };
      }),
    );

    // What each winner leaves: the capture pays 600 and a fee of 6, so 404 of the 1 010 held comes back; a void or the
    // expiry gives back all of it. The loser of a capture is refused as not authorized; a void answers VOIDED either way.
    const refused = { status: 'rejected', reason: 'NotAuthorizedError' };
    const expected = {
      captured: {
        capture: { status: 'fulfilled', reason: undefined },
        voiding: refused,
        source: [
          ['hold', -1_010n],
          ['release', 404n],
        ],
        destination: [['transfer', 600n]],
      },
      voided: {
        capture: refused,
        voiding: { status: 'fulfilled', reason: undefined },
        source: [
          ['hold', -1_010n],
          ['release', 1_010n],
        ],
        destination: [],
      },
    };
    const settled = (result: PromiseSettledResult<unknown>) => ({
      status: result.status,
      reason: result.status === 'rejected' ? (result.reason as Error).name : undefined,
    });
    const winners: string[] = [];
    for (const [index, { payment, source, destination }] of rounds.entries()) {
      const final = (await world().payments.payments.findById(payment.id))!;
      const { capture, voiding } = results[index]!;
      const observed = {
        capture: settled(capture),
        voiding: settled(voiding),
        source: signed((await chainOf(source.id)).filter((o) => o.paymentId === payment.id)),
        destination: signed(await chainOf(destination.id)),
      };
      expect(observed).toEqual(expected[final.status === 'COMPLETED' ? 'captured' : 'voided']);
      winners.push(final.voidReason ?? final.status);
      expect((await holdingsOf(source))?.held).toBe(0n);
      expectUnbrokenChain(await chainOf(source.id));
    }
    expect(winners.filter((winner) => !['COMPLETED', 'requested', 'expired'].includes(winner))).toEqual([]);
    // Each payment's operations on the holds account net to zero, and every shard chains without a gap.
    const holds = await operationsOf('tech-holds-PLN');
    for (const { payment } of rounds) {
      expect(holds.filter((o) => o.paymentId === payment.id).reduce((sum, o) => sum + o.amount, 0n)).toBe(0n);
    }
    for (const chain of chainsOf({ id: 'tech-holds-PLN' })) expectUnbrokenChain(await chainOf(chain));
    // A hang guard, not a time budget: idle, about 40 s here; beside other suites on 2 cores, past 120 s.
  }, 300_000);

  it('keeps held equal to the open authorizations of a wallet at every step of concurrent holds, captures and voids', async () => {
    const { ada, source, destination, transfer } = await payerAndPayee(100_000, 'CZK');
    const payments = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        createPayment(world().payments, ada, { ...transfer(1_000 + i * 100), capture: 'manual' }),
      ),
    );
    const open = async () =>
      (await Promise.all(payments.map((p) => world().payments.payments.findById(p.id))))
        .filter((p): p is Payment => p?.status === 'AUTHORIZED')
        .reduce((sum, p) => sum + p.amount + p.fee, 0n);
    const expectExactHeld = async () => {
      const holdings = await holdingsOf(source);
      expect(holdings?.held).toBe(await open());
      return holdings!;
    };

    expect(await processAll(payments)).toEqual(payments.map(() => 'authorized'));
    const afterHolds = await expectExactHeld();
    await Promise.all(
      payments
        .slice(0, 6)
        .map((p, i) =>
          i % 2 === 0
            ? capturePayment(world().payments, ada, p.id, { amount: 500 })
            : voidPayment(world().payments, ada, p.id),
        ),
    );
    const afterSome = await expectExactHeld();
    await Promise.all(payments.slice(6).map((p) => voidPayment(world().payments, ada, p.id)));
    const afterAll = await expectExactHeld();

    // balance + held only ever falls by what the captures paid: 3 x (500 + a fee of 5).
    expect(afterHolds.balance + afterHolds.held).toBe(100_000n);
    expect(afterSome.balance + afterSome.held).toBe(100_000n - 3n * 505n);
    expect(afterAll).toEqual({ balance: 100_000n - 3n * 505n, held: 0n });
    expect((await world().ledger.balancesOf([destination])).get(destination.id)).toBe(1_500n);
    // A hang guard, not a time budget: idle, about 40 s here; beside other suites on 2 cores, past 120 s.
  }, 300_000);
});
