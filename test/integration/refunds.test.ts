import type { AccountRecord } from '../../shared/accounts/model';
import {
  ForbiddenError,
  IdempotencyKeyReusedError,
  NotFoundError,
  NotRefundableError,
  RefundExceedsPaymentError,
} from '../../shared/errors';
import { createDeposit, createPayment } from '../../shared/payments/create';
import type { Payment } from '../../shared/payments/model';
import { processPayment } from '../../shared/payments/process';
import { createRefund } from '../../shared/payments/refunds';
import { summarize } from '../../shared/reports/service';
import type { Principal } from '../../shared/users/model';
import { ledgerHelpers, usePaymentWorld } from '../support/payments';

const world = usePaymentWorld();

const { newUser, fundedWallet, payerAndPayee, chainOf, expectUnbrokenChain, processAll } = ledgerHelpers(world);

const operator: Principal = { userId: 'usr_refunds_ops', role: 'admin', tokenId: 'tok_ops', emailVerified: true };

/** A completed transfer of `amount` between two new users, the payer funded with `funded`. */
const completedTransfer = async (funded: number, amount: number, currency: string) => {
  const parties = await payerAndPayee(funded, currency);
  const payment = await createPayment(world().payments, parties.ada, parties.transfer(amount));
  await expect(processPayment(world().payments, payment.id)).resolves.toBe('completed');
  return { ...parties, payment };
};

const found = async (id: string): Promise<Payment> => (await world().payments.payments.findById(id))!;

const balanceOf = async (account: AccountRecord) => (await world().ledger.balancesOf([account])).get(account.id) ?? 0n;

describe('refunds on DynamoDB Local', () => {
  it('gives the whole payment back from the payee to the payer as refund operations, fee kept', async () => {
    const { ada, bob, source, destination, payment } = await completedTransfer(10_000, 2_000, 'USD');

    const refund = await createRefund(world().payments, bob, payment.id, { reason: 'damaged' }, 'refund-1');
    const outcome = await processPayment(world().payments, refund.id);

    expect(refund).toMatchObject({
      type: 'refund',
      status: 'INITIATED',
      refundOf: payment.id,
      sourceAccountId: destination.id,
      destinationAccountId: source.id,
      amount: 2_000n,
      fee: 0n,
      description: 'damaged',
      sourceOwnerId: bob.userId,
      destinationOwnerId: ada.userId,
    });
    expect(outcome).toBe('completed');
    expect(await found(refund.id)).toMatchObject({ status: 'COMPLETED', completedAt: expect.any(String) });
    expect(await found(payment.id)).toMatchObject({ status: 'COMPLETED', refundedAmount: 2_000n });
    // The payer got its 2 000 back, not the fee of 20.
    expect(await balanceOf(source)).toBe(10_000n - 20n);
    expect(await balanceOf(destination)).toBe(0n);
    const lines = (await chainOf(source.id)).filter((o) => o.paymentId === refund.id);
    expect(lines.map((o) => [o.type, o.amount])).toEqual([['refund', 2_000n]]);
    expectUnbrokenChain(await chainOf(source.id));
    expectUnbrokenChain(await chainOf(destination.id));
  });

  it('answers the same refund to the same request under its key, and refuses the key with another body', async () => {
    const { bob, payment } = await completedTransfer(10_000, 1_000, 'EUR');

    const first = await createRefund(world().payments, bob, payment.id, { amount: 100 }, 'partial');
    const again = await createRefund(world().payments, bob, payment.id, { amount: 100 }, 'partial');

    expect(again.id).toBe(first.id);
    await expect(createRefund(world().payments, bob, payment.id, { amount: 200 }, 'partial')).rejects.toThrow(
      IdempotencyKeyReusedError,
    );
    expect((await found(payment.id)).refundsReserved).toBe(100n);
  });

  it('never lets twenty concurrent partial refunds add up to more than the payment', async () => {
    const { bob, source, destination, payment } = await completedTransfer(10_000, 1_000, 'GBP');

    const attempts = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => createRefund(world().payments, bob, payment.id, { amount: 150 }, `r-${i}`)),
    );
    const accepted = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    const refused = attempts.flatMap((a) => (a.status === 'rejected' ? [a.reason as Error] : []));
    const outcomes = await processAll(accepted);

    expect(accepted).toHaveLength(6);
    expect(refused.map((error) => error.constructor)).toEqual(Array(14).fill(RefundExceedsPaymentError));
    expect(outcomes).toEqual(Array(6).fill('completed'));
    expect(await found(payment.id)).toMatchObject({ refundedAmount: 900n, refundsReserved: 900n });
    expect([await balanceOf(source), await balanceOf(destination)]).toEqual([10_000n - 10n - 100n, 100n]);
    await expect(createRefund(world().payments, bob, payment.id, { amount: 101 })).rejects.toThrow(
      RefundExceedsPaymentError,
    );
  }, 60_000);

  it('caps the refunded total in the transaction that posts each refund, whatever was accepted', async () => {
    const { bob, destination, payment } = await completedTransfer(10_000, 1_000, 'CHF');
    // Money of the payee's own besides the payment, so that only the cap can stop a refund.
    const topUp = await createDeposit(world().payments, {
      accountId: destination.id,
      amount: 50_000,
      currency: 'CHF',
      reference: 'payee-chf-top-up',
    });
    await processPayment(world().payments, topUp.id);
    // Twenty refunds of 300 stored as they are, past the check made when refunds are accepted.
    const refunds = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const at = new Date(Date.now() + i).toISOString();
        const refund: Payment = {
          id: `${payment.id}_refund_${i}`,
          type: 'refund',
          status: 'INITIATED',
          sourceAccountId: payment.destinationAccountId,
          destinationAccountId: payment.sourceAccountId,
          amount: 300n,
          currency: 'CHF',
          fee: 0n,
          capture: 'automatic',
          refundOf: payment.id,
          refundedAmount: 0n,
          refundsReserved: 0n,
          sourceOwnerId: bob.userId,
          createdAt: at,
          updatedAt: at,
        };
        await world().payments.payments.create(refund);
        return refund;
      }),
    );

    const outcomes = await processAll(refunds);

    expect(outcomes.filter((o) => o === 'completed')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'failed')).toHaveLength(17);
    const failed = await Promise.all(refunds.map((r) => found(r.id)));
    expect(new Set(failed.filter((r) => r.status === 'FAILED').map((r) => r.failureReason))).toEqual(
      new Set(['refund_exceeds_payment']),
    );
    expect((await found(payment.id)).refundedAmount).toBe(900n);
    expect(await balanceOf(destination)).toBe(1_000n + 50_000n - 900n);
  }, 60_000);

  it('fails a refund of money the payee already spent with insufficient_funds, moving nothing and freeing its amount', async () => {
    const { bob, source, destination, payment } = await completedTransfer(10_000, 1_000, 'NOK');
    const elsewhere = await fundedWallet(newUser(), 0, 'NOK');
    const spending = await createPayment(world().payments, bob, {
      type: 'transfer',
      sourceAccountId: destination.id,
      destinationAccountId: elsewhere.id,
      amount: 900,
      currency: 'NOK',
    });
    await processPayment(world().payments, spending.id);
    const before = [await balanceOf(source), await balanceOf(destination)];

    const refund = await createRefund(world().payments, bob, payment.id, {});
    const outcome = await processPayment(world().payments, refund.id);

    expect(outcome).toBe('failed');
    expect(await found(refund.id)).toMatchObject({ status: 'FAILED', failureReason: 'insufficient_funds' });
    expect([await balanceOf(source), await balanceOf(destination)]).toEqual(before);
    expect((await chainOf(source.id)).filter((o) => o.paymentId === refund.id)).toEqual([]);
    expect(await found(payment.id)).toMatchObject({ refundedAmount: 0n, refundsReserved: 0n });
    // What failed no longer counts: the whole amount may be refunded again.
    await expect(createRefund(world().payments, bob, payment.id, {})).resolves.toMatchObject({ amount: 1_000n });
  });

  it('lets the payee or an operator refund a transfer, refuses the payer, and hides it from anyone else', async () => {
    const { ada, payment } = await completedTransfer(10_000, 1_000, 'SEK');

    await expect(createRefund(world().payments, ada, payment.id, {})).rejects.toThrow(ForbiddenError);
    await expect(createRefund(world().payments, newUser(), payment.id, {})).rejects.toThrow(NotFoundError);
    await expect(createRefund(world().payments, operator, payment.id, { amount: 10 })).resolves.toMatchObject({
      amount: 10n,
      refundOf: payment.id,
    });
  });

  it('refuses to refund a payment that is not a completed transfer or withdrawal', async () => {
    const { ada, bob, transfer, destination } = await payerAndPayee(10_000, 'DKK');
    const pending = await createPayment(world().payments, ada, transfer(100));
    const deposit = await createDeposit(world().payments, {
      accountId: destination.id,
      amount: 100,
      currency: 'DKK',
      reference: 'dkk-deposit',
    });
    await processPayment(world().payments, deposit.id);

    await expect(createRefund(world().payments, bob, pending.id, {})).rejects.toThrow(NotRefundableError);
    await expect(createRefund(world().payments, bob, deposit.id, {})).rejects.toThrow(NotRefundableError);
    expect((await found(pending.id)).refundsReserved).toBe(0n);
  });

  it('refunds a withdrawal from tech-withdrawals, by an operator only, and the summary counts it as a refund', async () => {
    const start = new Date().toISOString();
    const ada = newUser();
    const wallet = await fundedWallet(ada, 10_000, 'PLN');
    const withdrawal = await createPayment(world().payments, ada, {
      type: 'withdrawal',
      sourceAccountId: wallet.id,
      amount: 3_000,
      currency: 'PLN',
      destination: { method: 'ewallet', reference: 'wallet:ada' },
    });
    await processPayment(world().payments, withdrawal.id);

    await expect(createRefund(world().payments, ada, withdrawal.id, {})).rejects.toThrow(ForbiddenError);
    const refund = await createRefund(world().payments, operator, withdrawal.id, { amount: 1_000 });
    await processPayment(world().payments, refund.id);

    expect(refund).toMatchObject({ sourceAccountId: 'tech-withdrawals-PLN', destinationAccountId: wallet.id });
    expect(await balanceOf(wallet)).toBe(10_000n - 3_045n + 1_000n);
    const summary = await summarize(
      { accounts: world().payments.accounts, ledger: world().ledger, clock: () => new Date() },
      { from: start },
    );
    expect(summary.data.find((row) => row.currency === 'PLN')).toMatchObject({
      withdrawals: { count: 1n, sum: 3_000n },
      refunds: { count: 1n, sum: 1_000n },
    });
  });
});
