import { openWallet } from '../../shared/accounts/service';
import { idTime } from '../../shared/ids';
import { createDeposit, createPayment, requestHash } from '../../shared/payments/create';
import { processPayment } from '../../shared/payments/process';
import { ledgerHelpers, usePaymentWorld } from '../support/payments';

const world = usePaymentWorld();

const { newUser, fundedWallet, payerAndPayee, processAll } = ledgerHelpers(world);

describe('creating payments on DynamoDB Local', () => {
  it('answers the original payment for a replayed Idempotency-Key, and 422 for a reused one', async () => {
    const { ada, transfer } = await payerAndPayee(1_000);
    const body = transfer(100);

    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () => createPayment(world().payments, ada, body, 'key-1')),
    );

    expect(new Set(concurrent.map((p) => p.id)).size).toBe(1);
    await expect(createPayment(world().payments, ada, { ...body, amount: 101 }, 'key-1')).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });
    // Keys are scoped per user: the same key is free for someone else.
    const carol = newUser();
    const carols = await fundedWallet(carol, 500);
    const other = await createPayment(world().payments, carol, { ...body, sourceAccountId: carols.id }, 'key-1');
    expect(other.id).not.toBe(concurrent[0]!.id);
  });

  it('credits a bank deposit once per reference, from tech-bank, which goes negative', async () => {
    const wallet = await openWallet(world().accounts, newUser(), { currency: 'BHD' });
    const body = { accountId: wallet.id, amount: 1_234, currency: 'BHD', reference: 'BANK-REF-77' };

    const [first, again] = [await createDeposit(world().payments, body), await createDeposit(world().payments, body)];
    await processAll([first]);

    expect(again.id).toBe(first.id);
    await expect(createDeposit(world().payments, { ...body, amount: 1 })).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });
    const balances = await world().ledger.balancesOf([
      { ...wallet },
      { ...wallet, id: 'tech-bank-BHD', purpose: 'bank' },
    ]);
    expect([balances.get(wallet.id), balances.get('tech-bank-BHD')]).toEqual([1_234n, -1_234n]);
  });

  it('completes, on a retry with the same key, a payment whose request died between claiming the key and storing it', async () => {
    const { ada, transfer } = await payerAndPayee(1_000);
    const body = transfer(10);
    // What a process that died right after its claim leaves behind: a claim pointing at a payment never stored.
    await world().payments.claims.claim({
      key: `user#${ada.userId}#crashed`,
      requestHash: requestHash(body),
      paymentId: 'pay_01jd0000000000000000000099',
      expiresAt: 0,
    });

    const retried = await createPayment(world().payments, ada, body, 'crashed');

    expect(retried).toMatchObject({
      id: 'pay_01jd0000000000000000000099',
      status: 'INITIATED',
      amount: 10n,
      // Created when the key was claimed, at the instant its id says.
      createdAt: idTime('pay_01jd0000000000000000000099'),
    });
    await expect(processPayment(world().payments, retried.id)).resolves.toBe('completed');
  });

  it('answers the item that refused a conditional write from the refusal itself, reading nothing back', async () => {
    const { ada, source, transfer } = await payerAndPayee(1_000);
    const payment = await createPayment(world().payments, ada, transfer(10), 'refused');
    const [claim, account] = await Promise.all([
      world().payments.claims.find(`user#${ada.userId}#refused`),
      world().payments.accounts.findById(source.id),
    ]);
    const reads: string[] = [];
    world().db.client.middlewareStack.add(
      (next, context) => (args) => {
        if (/^(Get|BatchGet|Query|Scan)/.test(context.commandName ?? '')) reads.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'recordReads' },
    );

    try {
      const again = await world().payments.payments.create({ ...payment, amount: 11n });
      const holder = await world().payments.claims.claim({ ...claim!, requestHash: 'another', paymentId: 'pay_x' });
      const existing = await world().payments.accounts.ensure({ ...account!, name: 'another' });

      expect(again).toEqual({ created: false, payment });
      expect(holder).toEqual(claim);
      expect(existing).toEqual(account);
      expect(reads).toEqual([]);
    } finally {
      world().db.client.middlewareStack.remove('recordReads');
    }
  });
});
