import fc from 'fast-check';
import type { AccountRecord } from '../../shared/accounts/model';
import { chainsOf } from '../../shared/ledger/chains';
import { createPayment } from '../../shared/payments/create';
import type { Payment } from '../../shared/payments/model';
import { processPayments } from '../../shared/payments/process';
import { ledgerHelpers, type OperationItem, usePaymentWorld } from '../support/payments';

const world = usePaymentWorld();
const { newUser, fundedWallet, chainOf, expectUnbrokenChain } = ledgerHelpers(world);

// The DynamoDB commands every request of the world makes, by their low-level names.
const commands: string[] = [];
beforeAll(() => {
  world().db.client.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(context.commandName ?? '');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
});

/** A merchant's empty wallet, and `count` payers each holding `funded`. */
const merchantAndPayers = async (count: number, funded: number, currency: string) => {
  const merchant = await fundedWallet(newUser(), 0, currency);
  const payers = await Promise.all(
    Array.from({ length: count }, async () => {
      const owner = newUser();
      return { owner, wallet: await fundedWallet(owner, funded, currency) };
    }),
  );
  return { merchant, payers };
};

/** Every operation of these accounts, all their chains (every shard of a technical one). */
const operationsOf = async (accounts: readonly { id: string }[]): Promise<OperationItem[]> =>
  (await Promise.all(accounts.flatMap(chainsOf).map((chain) => chainOf(chain)))).flat();

describe('payments of one batch committed together on DynamoDB Local', () => {
  it('commits ten payments to one merchant in one transaction, appending consecutive sequence numbers to its chain', async () => {
    const { merchant, payers } = await merchantAndPayers(10, 10_000, 'SEK');
    const payments = await Promise.all(
      payers.map(({ owner, wallet }, index) =>
        createPayment(world().payments, owner, {
          type: 'transfer',
          sourceAccountId: wallet.id,
          destinationAccountId: merchant.id,
          amount: 1_000 + index,
          currency: 'SEK',
        }),
      ),
    );
    commands.length = 0;

    const settled = await processPayments(
      world().payments,
      payments.map((payment) => payment.id),
    );

    expect([...settled.values()].map((settlement) => settlement.ok && settlement.outcome)).toEqual(
      Array(10).fill('completed'),
    );
    expect(commands.filter((command) => command === 'TransactWriteItemsCommand')).toHaveLength(1);
    const credits = await chainOf(merchant.id);
    expect(credits.map((operation) => operation.seq)).toEqual(
      Array.from({ length: 10 }, (_, index) => BigInt(index + 1)),
    );
    expect(new Set(credits.map((operation) => operation.paymentId))).toEqual(new Set(payments.map((p) => p.id)));
    expect(expectUnbrokenChain(credits)).toBe(BigInt(10 * 1_000 + 45));
    // Their fees went to one shard of the fee account, one after the other.
    const fees = (await operationsOf([{ id: 'tech-fees-SEK' }])).filter((operation) =>
      payments.some((payment) => payment.id === operation.paymentId),
    );
    expect(new Set(fees.map((operation) => operation.chain)).size).toBe(1);
  });

  it('keeps every invariant, and moves each payment once, when overlapping batches with duplicates pay one merchant at once', async () => {
    const currency = 'NOK';
    const bank = { id: `tech-bank-${currency}` };
    const fees = { id: `tech-fees-${currency}` };
    let merchants: AccountRecord[] = [];
    let payerWallets: AccountRecord[] = [];
    await fc.assert(
      fc.asyncProperty(
        // Each of 24 payments (3 per payer, of 8): its amount, and the batches (of 4, delivered at once) it is in.
        fc.array(
          fc.record({
            amount: fc.integer({ min: 100, max: 4_000 }),
            batches: fc.subarray([0, 1, 2, 3], { minLength: 1, maxLength: 2 }),
          }),
          {
            minLength: 24,
            maxLength: 24,
          },
        ),
        async (plan) => {
          const { merchant, payers } = await merchantAndPayers(8, 6_000, currency);
          merchants = [...merchants, merchant];
          payerWallets = [...payerWallets, ...payers.map(({ wallet }) => wallet)];
          const payments: Payment[] = await Promise.all(
            plan.map(({ amount }, index) => {
              const { owner, wallet } = payers[index % payers.length]!;
              return createPayment(world().payments, owner, {
                type: 'transfer',
                sourceAccountId: wallet.id,
                destinationAccountId: merchant.id,
                amount,
                currency,
              });
            }),
          );
          const batches = [0, 1, 2, 3].map((batch) =>
            payments.filter((_, index) => plan[index]!.batches.includes(batch)).map((payment) => payment.id),
          );

          // Every batch at once; what a batch left unsettled (a chain that kept moving) comes back, as SQS redelivers.
          const outcomes = new Map<string, string>();
          let deliveries = batches;
          for (let round = 0; round < 10 && deliveries.some((batch) => batch.length > 0); round++) {
            const results = await Promise.all(deliveries.map((batch) => processPayments(world().payments, batch)));
            for (const settled of results)
              for (const [id, settlement] of settled) if (settlement.ok) outcomes.set(id, settlement.outcome);
            deliveries = deliveries.map((batch) => batch.filter((id) => !outcomes.has(id)));
          }

          const finals = await Promise.all(payments.map((payment) => world().payments.payments.findById(payment.id)));
          expect(finals.map((payment) => payment?.status).filter((status) => status === 'INITIATED')).toEqual([]);
          const completed = finals.filter((payment): payment is Payment => payment?.status === 'COMPLETED');
          const failed = finals.filter((payment) => payment?.status === 'FAILED');
          expect(failed.every((payment) => payment?.failureReason === 'insufficient_funds')).toBe(true);
          // Exactly once: a completed payment's four legs, no more, summing to zero; a failed one's none.
          const legs = await operationsOf([merchant, fees, ...payers.map(({ wallet }) => wallet)]);
          for (const payment of finals) {
            const own = legs.filter((operation) => operation.paymentId === payment?.id);
            const expected = payment?.status === 'COMPLETED' ? 4 : 0;
            expect({ legs: own.length, sum: own.reduce((sum, operation) => sum + operation.amount, 0n) }).toEqual({
              legs: expected,
              sum: 0n,
            });
          }
          expect((await world().ledger.balancesOf([merchant])).get(merchant.id)).toBe(
            completed.reduce((sum, payment) => sum + payment.amount, 0n),
          );
        },
      ),
      { numRuns: 3 },
    );
    // Over every run: each chain unbroken, no wallet ever below zero, and the currency summing to zero.
    let total = 0n;
    const wallets: OperationItem[] = [];
    for (const chain of [...merchants, ...payerWallets, fees, bank].flatMap(chainsOf)) {
      const operations = await chainOf(chain);
      total += expectUnbrokenChain(operations);
      if (!chain.startsWith('tech-')) wallets.push(...operations);
    }
    expect(wallets.filter((operation) => operation.balanceAfter < 0n)).toEqual([]);
    expect(total).toBe(0n);
  }, 180_000);
});
