import type { SQSEvent } from 'aws-lambda';
import { openWallet } from '../../shared/accounts/service';
import { idTime } from '../../shared/ids';
import { chainsOf } from '../../shared/ledger/chains';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createDeposit, createPayment, requestHash } from '../../shared/payments/create';
import { readablePayment } from '../../shared/payments/list';
import { processPayment } from '../../shared/payments/process';
import { sweep } from '../../shared/payments/sweep';
import { ledgerHelpers, startPaymentWorld, type PaymentWorld } from '../support/payments';

let world: PaymentWorld;

beforeAll(async () => {
  world = await startPaymentWorld();
}, 30_000);

afterAll(async () => {
  await world.stop();
});

const { newUser, fundedWallet, payerAndPayee, chainOf, expectUnbrokenChain, processAll } = ledgerHelpers(() => world);

/** Drains the payment queue and answers the payment ids it held. */
const receivePaymentIds = async (): Promise<string[]> => {
  const ids: string[] = [];
  for (;;) {
    const out = await world.sqsClient.send(
      new ReceiveMessageCommand({ QueueUrl: world.queues.payments.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (!out.Messages?.length) return ids;
    ids.push(...out.Messages.map((m) => (JSON.parse(m.Body ?? '{}') as { paymentId: string }).paymentId));
  }
};

describe('payments on DynamoDB Local', () => {
  it('moves amount + fee once, however many times and however concurrently one payment is processed', async () => {
    const { ada, source, destination } = await payerAndPayee(10_000);
    const payment = await createPayment(world.payments, ada, {
      type: 'transfer',
      sourceAccountId: source.id,
      destinationAccountId: destination.id,
      amount: 1_000,
      currency: 'USD',
    });

    const outcomes = await Promise.all(Array.from({ length: 6 }, () => processPayment(world.payments, payment.id)));

    expect(outcomes.filter((o) => o === 'completed')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'skipped')).toHaveLength(5);
    const balances = await world.ledger.balancesOf([source, destination]);
    expect([balances.get(source.id), balances.get(destination.id)]).toEqual([10_000n - 1_000n - 10n, 1_000n]);
    expect(await readablePayment(world.payments, ada, payment.id)).toMatchObject({
      status: 'COMPLETED',
      fee: 10n,
      completedAt: expect.any(String),
    });
  });

  it('moves money once when the processor receives the same message twice at the same time', async () => {
    const { ada, source, destination } = await payerAndPayee(5_000);
    const payment = await createPayment(world.payments, ada, {
      type: 'transfer',
      sourceAccountId: source.id,
      destinationAccountId: destination.id,
      amount: 500,
      currency: 'USD',
    });
    process.env.PAYMENTS_TABLE = world.db.names.payments;
    process.env.OPERATIONS_TABLE = world.db.names.operations;
    process.env.ACCOUNTS_TABLE = world.db.names.accounts;
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
      eventSourceARN: world.queues.payments.arn,
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
    const { ada, source, destination } = await payerAndPayee(1_000);
    // 1 000 + a 10 fee is one more than the wallet holds.
    const payment = await createPayment(world.payments, ada, {
      type: 'transfer',
      sourceAccountId: source.id,
      destinationAccountId: destination.id,
      amount: 991,
      currency: 'USD',
    });

    await expect(processPayment(world.payments, payment.id)).resolves.toBe('failed');

    expect(await readablePayment(world.payments, ada, payment.id)).toMatchObject({
      status: 'FAILED',
      failureReason: 'insufficient_funds',
    });
    const balances = await world.ledger.balancesOf([source, destination]);
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
        return createPayment(world.payments, owners[from]!, {
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
    const finals = await Promise.all(created.map((p) => world.payments.payments.findById(p.id)));
    expect(finals.filter((p) => p?.status === 'INITIATED')).toEqual([]);
    // Invariant 3: every chain unbroken; invariant 4: no wallet below zero.
    const feeAccount = { id: 'tech-fees-JPY' };
    const bank = { id: 'tech-bank-JPY' };
    let total = 0n;
    const walletBalances: bigint[] = [];
    for (const chain of [...wallets.flatMap(chainsOf), ...chainsOf(feeAccount), ...chainsOf(bank)]) {
      const operations = await chainOf(chain);
      total += expectUnbrokenChain(operations);
      if (!chain.startsWith('tech-')) walletBalances.push(...operations.map((o) => o.balanceAfter));
    }
    expect(walletBalances.filter((balance) => balance < 0n)).toEqual([]);
    // Invariant 2: the currency sums to zero over all its accounts, technical ones included.
    expect(total).toBe(0n);
    // Invariant 1 and 5: each completed payment has exactly its legs, summing to zero.
    const completed = finals.filter((p) => p?.status === 'COMPLETED');
    expect(completed.length).toBeGreaterThan(100);
    const legs = (
      await Promise.all([...wallets.flatMap(chainsOf), ...chainsOf(feeAccount)].map((c) => chainOf(c)))
    ).flat();
    for (const payment of completed) {
      const own = legs.filter((o) => o.paymentId === payment!.id);
      expect({ legs: own.length, sum: own.reduce((s, o) => s + o.amount, 0n) }).toEqual({
        legs: payment!.fee > 0n ? 3 : 2,
        sum: 0n,
      });
    }
  }, 120_000);

  it('answers the original payment for a replayed Idempotency-Key, and 422 for a reused one', async () => {
    const { ada, source, destination } = await payerAndPayee(1_000);
    const body = {
      type: 'transfer' as const,
      sourceAccountId: source.id,
      destinationAccountId: destination.id,
      amount: 100,
      currency: 'USD',
    };

    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () => createPayment(world.payments, ada, body, 'key-1')),
    );

    expect(new Set(concurrent.map((p) => p.id)).size).toBe(1);
    await expect(createPayment(world.payments, ada, { ...body, amount: 101 }, 'key-1')).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });
    // Keys are scoped per user: the same key is free for someone else.
    const carol = newUser();
    const carols = await fundedWallet(carol, 500);
    const other = await createPayment(world.payments, carol, { ...body, sourceAccountId: carols.id }, 'key-1');
    expect(other.id).not.toBe(concurrent[0]!.id);
  });

  it('credits a bank deposit once per reference, from tech-bank, which goes negative', async () => {
    const wallet = await openWallet(world.accounts, newUser(), { currency: 'BHD' });
    const body = { accountId: wallet.id, amount: 1_234, currency: 'BHD', reference: 'BANK-REF-77' };

    const [first, again] = [await createDeposit(world.payments, body), await createDeposit(world.payments, body)];
    await processAll([first]);

    expect(again.id).toBe(first.id);
    await expect(createDeposit(world.payments, { ...body, amount: 1 })).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });
    const balances = await world.ledger.balancesOf([
      { ...wallet },
      { ...wallet, id: 'tech-bank-BHD', purpose: 'bank' },
    ]);
    expect([balances.get(wallet.id), balances.get('tech-bank-BHD')]).toEqual([1_234n, -1_234n]);
  });

  it('answers a balance at any past time from the operations history', async () => {
    const owner = newUser();
    const wallet = await fundedWallet(owner, 100, 'EUR');
    const marks: string[] = [];
    for (const amount of [200, 300, 400]) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      marks.push(new Date().toISOString());
      await new Promise((resolve) => setTimeout(resolve, 5));
      const deposit = await createDeposit(world.payments, {
        accountId: wallet.id,
        amount,
        currency: 'EUR',
        reference: `eur-${wallet.id}-${amount}`,
      });
      await processPayment(world.payments, deposit.id);
    }

    const balances = await Promise.all(
      [...marks, new Date().toISOString()].map((at) => world.ledger.balanceAt([wallet.id], at)),
    );

    expect(balances).toEqual([100n, 300n, 600n, 1_000n]);
    await expect(world.ledger.balanceAt([wallet.id], '2000-01-01T00:00:00.000Z')).resolves.toBe(0n);
  });

  it('re-drives payments left INITIATED and expires those past the horizon', async () => {
    const { ada, source, destination } = await payerAndPayee(1_000, 'GBP');
    const payment = await createPayment(world.payments, ada, {
      type: 'transfer',
      sourceAccountId: source.id,
      destinationAccountId: destination.id,
      amount: 10,
      currency: 'GBP',
    });
    const later = (ms: number) => ({ ...world.payments, clock: () => new Date(Date.now() + ms) });

    const early = await sweep(later(2_000), { redriveAfterMs: 1_000, expireAfterMs: 60_000, batchSize: 100 });
    const late = await sweep(later(120_000), { redriveAfterMs: 1_000, expireAfterMs: 60_000, batchSize: 100 });

    expect(early.redriven).toBeGreaterThanOrEqual(1);
    expect(late.expired).toBeGreaterThanOrEqual(1);
    expect(await readablePayment(world.payments, ada, payment.id)).toMatchObject({
      status: 'FAILED',
      failureReason: 'expired',
    });
    await expect(processPayment(world.payments, payment.id)).resolves.toBe('skipped');
  });

  it('completes, on a retry with the same key, a payment whose request died between claiming the key and storing it', async () => {
    const { ada, source, destination } = await payerAndPayee(1_000);
    const body = {
      type: 'transfer' as const,
      sourceAccountId: source.id,
      destinationAccountId: destination.id,
      amount: 10,
      currency: 'USD',
    };
    // What a process that died right after its claim leaves behind: a claim pointing at a payment never stored.
    await world.payments.payments.claim({
      key: `user#${ada.userId}#crashed`,
      requestHash: requestHash(body),
      paymentId: 'pay_01jd0000000000000000000099',
      expiresAt: 0,
    });

    const retried = await createPayment(world.payments, ada, body, 'crashed');

    expect(retried).toMatchObject({
      id: 'pay_01jd0000000000000000000099',
      status: 'INITIATED',
      amount: 10n,
      // Created when the key was claimed, at the instant its id says.
      createdAt: idTime('pay_01jd0000000000000000000099'),
    });
    await expect(processPayment(world.payments, retried.id)).resolves.toBe('completed');
  });

  it('answers the item that refused a conditional write from the refusal itself, reading nothing back', async () => {
    const { ada, source, destination } = await payerAndPayee(1_000);
    const payment = await createPayment(
      world.payments,
      ada,
      {
        type: 'transfer',
        sourceAccountId: source.id,
        destinationAccountId: destination.id,
        amount: 10,
        currency: 'USD',
      },
      'refused',
    );
    const [claim, account] = await Promise.all([
      world.payments.payments.findClaim(`user#${ada.userId}#refused`),
      world.payments.accounts.findById(source.id),
    ]);
    const reads: string[] = [];
    world.db.client.middlewareStack.add(
      (next, context) => (args) => {
        if (/^(Get|BatchGet|Query|Scan)/.test(context.commandName ?? '')) reads.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'recordReads' },
    );

    try {
      const again = await world.payments.payments.create({ ...payment, amount: 11n });
      const holder = await world.payments.payments.claim({ ...claim!, requestHash: 'another', paymentId: 'pay_x' });
      const existing = await world.payments.accounts.ensure({ ...account!, name: 'another' });

      expect(again).toEqual({ created: false, payment });
      expect(holder).toEqual(claim);
      expect(existing).toEqual(account);
      expect(reads).toEqual([]);
    } finally {
      world.db.client.middlewareStack.remove('recordReads');
    }
  });

  it('leaves a payment whose message could not be sent to the sweeper, which gets it processed', async () => {
    const { ada, source, destination } = await payerAndPayee(1_000, 'CHF');
    const failures: string[] = [];
    const brokenQueue = {
      ...world.payments,
      queue: { enqueue: () => Promise.reject(new Error('SQS is down')) },
      onEnqueueFailure: (id: string) => failures.push(id),
    };

    const payment = await createPayment(brokenQueue, ada, {
      type: 'transfer',
      sourceAccountId: source.id,
      destinationAccountId: destination.id,
      amount: 100,
      currency: 'CHF',
    });
    const swept = await sweep(
      { ...world.payments, clock: () => new Date(Date.now() + 5_000) },
      { redriveAfterMs: 1_000, expireAfterMs: 600_000, batchSize: 100 },
    );
    const delivered = await receivePaymentIds();

    expect(failures).toEqual([payment.id]);
    expect(swept.redriven).toBeGreaterThanOrEqual(1);
    expect(delivered).toContain(payment.id);
    await expect(processPayment(world.payments, payment.id)).resolves.toBe('completed');
  });
});
