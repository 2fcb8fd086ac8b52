import type { SQSEvent } from 'aws-lambda';
import { tables } from '../../shared/adapters/tables';
import { chainsOf } from '../../shared/ledger/chains';
import { createDeposit, createPayment } from '../../shared/payments/create';
import { readablePayment } from '../../shared/payments/list';
import { processPayment } from '../../shared/payments/process';
import { ledgerHelpers, usePaymentWorld } from '../support/payments';

const world = usePaymentWorld();

const { newUser, fundedWallet, payerAndPayee, chainOf, expectUnbrokenChain, processAll } = ledgerHelpers(world);

describe('processing payments on DynamoDB Local', () => {
  it('moves amount + fee once, however many times and however concurrently one payment is processed', async () => {
    const { ada, source, destination, transfer } = await payerAndPayee(10_000);
    const payment = await createPayment(world().payments, ada, transfer(1_000));

    const outcomes = await Promise.all(Array.from({ length: 6 }, () => processPayment(world().payments, payment.id)));

    expect(outcomes.filter((o) => o === 'completed')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'skipped')).toHaveLength(5);
    const balances = await world().ledger.balancesOf([source, destination]);
    expect([balances.get(source.id), balances.get(destination.id)]).toEqual([10_000n - 1_000n - 10n, 1_000n]);
    expect(await readablePayment(world().payments, ada, payment.id)).toMatchObject({
      status: 'COMPLETED',
      fee: 10n,
      completedAt: expect.any(String),
    });
  });

  it('moves money once when the processor receives the same message twice at the same time', async () => {
    const { ada, destination, transfer } = await payerAndPayee(5_000);
    const payment = await createPayment(world().payments, ada, transfer(500));
    for (const table of ['payments', 'operations', 'accounts'] as const) {
      process.env[tables[table].envVar] = world().db.names[table];
    }
    process.env.AWS_ENDPOINT_URL_DYNAMODB = process.env.TEST_DYNAMODB_ENDPOINT;
    const { handler } = await import('../../functions/processor/handler');
    const record = (messageId: string) => ({
      messageId,
      receiptHandle: messageId,
      body: JSON.stringify({ paymentId: payment.id }),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: world().queues.payments.arn,
      awsRegion: 'us-east-1',
    });
    const event = (id: string): SQSEvent => ({ Records: [record(id)] });
    const context = {
      awsRequestId: 'test',
      functionName: 'processor',
      getRemainingTimeInMillis: () => 10_000,
    } as never;

    const responses = await Promise.all([handler(event('m1'), context), handler(event('m2'), context)]);

    expect(responses).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    const operations = await chainOf(destination.id);
    expect(operations.map((o) => [o.paymentId, o.amount])).toEqual([[payment.id, 500n]]);
  });

  it('fails a payment whose source lacks amount + fee and moves nothing', async () => {
    const { ada, source, destination, transfer } = await payerAndPayee(1_000);
    // 1 000 + a 10 fee is one more than the wallet holds.
    const payment = await createPayment(world().payments, ada, transfer(991));

    await expect(processPayment(world().payments, payment.id)).resolves.toBe('failed');

    expect(await readablePayment(world().payments, ada, payment.id)).toMatchObject({
      status: 'FAILED',
      failureReason: 'insufficient_funds',
    });
    const balances = await world().ledger.balancesOf([source, destination]);
    expect([balances.get(source.id), balances.get(destination.id)]).toEqual([1_000n, 0n]);
  });

  it('keeps every invariant through 200 concurrent transfers among 10 wallets', async () => {
    const owners = Array.from({ length: 10 }, () => newUser());
    const wallets = await Promise.all(owners.map((owner) => fundedWallet(owner, 20_000, 'JPY')));
    const random = (n: number) => Math.floor(Math.random() * n);
    const created = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const from = random(10);
        const to = (from + 1 + random(9)) % 10;
        return createPayment(world().payments, owners[from]!, {
          type: 'transfer',
          sourceAccountId: wallets[from]!.id,
          destinationAccountId: wallets[to]!.id,
          amount: 100 + random(3_000),
          currency: 'JPY',
        });
      }),
    );

    const outcomes = await processAll(created);

    // Invariant 5 and 6: every payment changed state exactly once, to a final state.
    expect(outcomes.every((o) => o === 'completed' || o === 'failed')).toBe(true);
    const finals = await Promise.all(created.map((p) => world().payments.payments.findById(p.id)));
    expect(finals.filter((p) => p?.status === 'INITIATED')).toEqual([]);
    // Invariant 3: every chain unbroken; invariant 4: no wallet below zero.
    const feeAccount = { id: 'tech-fees-JPY' };
    const bank = { id: 'tech-bank-JPY' };
    const walletChains = wallets.flatMap(chainsOf);
    const feeChains = chainsOf(feeAccount);
    const chains = [...walletChains, ...feeChains, ...chainsOf(bank)];
    const chainOperations = new Map(
      await Promise.all(chains.map(async (chain) => [chain, await chainOf(chain)] as const)),
    );
    let total = 0n;
    const walletBalances: bigint[] = [];
    for (const [chain, operations] of chainOperations) {
      total += expectUnbrokenChain(operations);
      if (!chain.startsWith('tech-')) walletBalances.push(...operations.map((o) => o.balanceAfter));
    }
    expect(walletBalances.filter((balance) => balance < 0n)).toEqual([]);
    // Invariant 2: the currency sums to zero over all its accounts, technical ones included.
    expect(total).toBe(0n);
    // Invariant 1 and 5: each completed payment has exactly its legs, summing to zero.
    const completed = finals.filter((p) => p?.status === 'COMPLETED');
    expect(completed.length).toBeGreaterThan(100);
    const legs = [...walletChains, ...feeChains].flatMap((chain) => chainOperations.get(chain) ?? []);
    for (const payment of completed) {
      const own = legs.filter((o) => o.paymentId === payment!.id);
      expect({ legs: own.length, sum: own.reduce((s, o) => s + o.amount, 0n) }).toEqual({
        legs: payment!.fee > 0n ? 4 : 2,
        sum: 0n,
      });
    }
    // A hang guard, not a time budget: alone, about 35 s here; beside another file and the checks, about 50 s.
  }, 300_000);

  it('answers a balance at any past time from the operations history', async () => {
    const owner = newUser();
    const wallet = await fundedWallet(owner, 100, 'EUR');
    const marks: string[] = [];
    for (const amount of [200, 300, 400]) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      marks.push(new Date().toISOString());
      await new Promise((resolve) => setTimeout(resolve, 5));
      const deposit = await createDeposit(world().payments, {
        accountId: wallet.id,
        amount,
        currency: 'EUR',
        reference: `eur-${wallet.id}-${amount}`,
      });
      await processPayment(world().payments, deposit.id);
    }

    const balances = await Promise.all(
      [...marks, new Date().toISOString()].map((at) => world().ledger.balanceAt([wallet.id], at)),
    );

    expect(balances).toEqual([100n, 300n, 600n, 1_000n]);
    await expect(world().ledger.balanceAt([wallet.id], '2000-01-01T00:00:00.000Z')).resolves.toBe(0n);
  });
});
