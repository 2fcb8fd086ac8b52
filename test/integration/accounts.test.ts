import fc from 'fast-check';
import { MAX_OPEN_ACCOUNTS, type Account } from '../../shared/accounts/model';
import {
  type AccountQuery,
  closeAccount,
  listAllAccounts,
  listOwnAccounts,
  openWallet,
  setFrozen,
  updateAccount,
} from '../../shared/accounts/service';
import {
  AccountClosedError,
  AccountFrozenError,
  AccountNotEmptyError,
  ForbiddenError,
  LimitReachedError,
} from '../../shared/errors';
import { chainsOf } from '../../shared/ledger/chains';
import type { Operation, OperationQuery } from '../../shared/ledger/ports';
import { createPayment } from '../../shared/payments/create';
import { processPayment } from '../../shared/payments/process';
import type { Principal } from '../../shared/users/model';
import { ledgerHelpers, usePaymentWorld } from '../support/payments';

const current = usePaymentWorld();
const { newUser, fundedWallet, payerAndPayee, processAll } = ledgerHelpers(current);
const admin: Principal = { userId: 'usr_ops', role: 'admin', tokenId: 'tok_ops', emailVerified: true };

/** Every page of a list, following `nextCursor` until it is null. */
const everyPage = async (
  list: (cursor: string | undefined) => Promise<{ data: Account[]; nextCursor: string | null }>,
) => {
  const seen: Account[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list(cursor);
    seen.push(...page.data);
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor && pages < 200);
  return seen;
};

describe('account controls on DynamoDB Local', () => {
  it('opens at most 100 accounts per user however many are asked for at once, and a closed one frees a slot', async () => {
    const owner = newUser();
    const attempts = await Promise.allSettled(
      Array.from({ length: MAX_OPEN_ACCOUNTS + 8 }, () => openWallet(current().accounts, owner, { currency: 'USD' })),
    );
    const opened = attempts.filter((attempt) => attempt.status === 'fulfilled');
    const refused = attempts.filter((attempt) => attempt.status === 'rejected');

    expect(opened).toHaveLength(MAX_OPEN_ACCOUNTS);
    expect(refused.map((attempt) => attempt.reason)).toEqual(
      Array.from({ length: 8 }, () => expect.any(LimitReachedError)),
    );
    const first = (opened[0] as PromiseFulfilledResult<Account>).value;
    await closeAccount(current().accounts, owner, first.id);
    await expect(openWallet(current().accounts, owner, { currency: 'USD' })).resolves.toMatchObject({
      status: 'active',
    });
    await expect(openWallet(current().accounts, owner, { currency: 'USD' })).rejects.toThrow(LimitReachedError);
  }, 60_000);

  it('closes only an empty account, answers it again when closed twice, and then refuses payments to it', async () => {
    const { ada, bob, source, destination, transfer } = await payerAndPayee(5_000);
    await expect(closeAccount(current().accounts, ada, source.id)).rejects.toThrow(AccountNotEmptyError);

    const closed = await closeAccount(current().accounts, bob, destination.id);
    expect(closed).toMatchObject({ status: 'closed', balance: 0n, held: 0n });
    await expect(closeAccount(current().accounts, bob, destination.id)).resolves.toMatchObject({ status: 'closed' });
    await expect(closeAccount(current().accounts, admin, destination.id)).resolves.toMatchObject({ status: 'closed' });
    await expect(createPayment(current().payments, ada, transfer(100), undefined)).rejects.toThrow(AccountClosedError);
    await expect(updateAccount(current().accounts, bob, destination.id, { name: 'x' })).rejects.toThrow(
      AccountClosedError,
    );
  }, 30_000);

  it('fails a payment accepted before its payee was closed, moving nothing', async () => {
    const { ada, bob, source, destination, transfer } = await payerAndPayee(5_000);
    const payment = await createPayment(current().payments, ada, transfer(1_000), undefined);
    await closeAccount(current().accounts, bob, destination.id);

    await expect(processPayment(current().payments, payment.id)).resolves.toBe('failed');
    expect(await current().payments.payments.findById(payment.id)).toMatchObject({
      status: 'FAILED',
      failureReason: 'account_closed',
    });
    const [payer] = await listOwnAccounts(
      current().accounts,
      ada,
      { order: { field: 'createdAt', descending: false } },
      { limit: 10 },
    ).then((page) => page.data);
    expect(payer).toMatchObject({ id: source.id, balance: 5_000n });
  }, 30_000);

  it('freezes a wallet so that it neither sends nor receives, and unfreezes it; technical accounts never freeze nor close', async () => {
    const { ada, source, destination, transfer } = await payerAndPayee(5_000);
    const accepted = await createPayment(current().payments, ada, transfer(1_000), undefined);

    await expect(setFrozen(current().accounts, admin, destination.id, true)).resolves.toMatchObject({
      status: 'frozen',
    });
    await expect(setFrozen(current().accounts, admin, destination.id, true)).resolves.toMatchObject({
      status: 'frozen',
    });
    await expect(processPayment(current().payments, accepted.id)).resolves.toBe('failed');
    expect(await current().payments.payments.findById(accepted.id)).toMatchObject({ failureReason: 'account_frozen' });
    await expect(createPayment(current().payments, ada, transfer(1_000), undefined)).rejects.toThrow(
      AccountFrozenError,
    );

    await setFrozen(current().accounts, admin, source.id, true);
    await setFrozen(current().accounts, admin, destination.id, false);
    await expect(createPayment(current().payments, ada, transfer(1_000), undefined)).rejects.toThrow(
      AccountFrozenError,
    );
    await setFrozen(current().accounts, admin, source.id, false);
    const payment = await createPayment(current().payments, ada, transfer(1_000), undefined);
    await expect(processPayment(current().payments, payment.id)).resolves.toBe('completed');
    await expect(setFrozen(current().accounts, admin, 'tech-fees-USD', true)).rejects.toThrow(ForbiddenError);
    await expect(closeAccount(current().accounts, admin, 'tech-fees-USD')).rejects.toThrow(ForbiddenError);
  }, 30_000);

  it('merges metadata key by key, removes null keys, and finds accounts by one pair through the index', async () => {
    const owner = newUser();
    const other = newUser();
    const tagged = await openWallet(current().accounts, owner, {
      currency: 'EUR',
      metadata: { team: 'ops', region: 'eu' },
    });
    await openWallet(current().accounts, owner, { currency: 'EUR', metadata: { team: 'sales' } });
    const stranger = await openWallet(current().accounts, other, { currency: 'EUR', metadata: { team: 'ops' } });

    const changed = await updateAccount(current().accounts, owner, tagged.id, {
      name: 'Ops float',
      metadata: { region: null, cost: 'c-1' },
    });
    expect(changed).toMatchObject({ name: 'Ops float', metadata: { team: 'ops', cost: 'c-1' } });
    await expect(updateAccount(current().accounts, admin, tagged.id, { name: 'mine' })).rejects.toThrow(ForbiddenError);

    const order = { field: 'createdAt' as const, descending: false };
    const own = await listOwnAccounts(
      current().accounts,
      owner,
      { metadata: { key: 'team', value: 'ops' }, order },
      { limit: 10 },
    );
    expect(own.data.map((account) => account.id)).toEqual([tagged.id]);
    const removed = await listOwnAccounts(
      current().accounts,
      owner,
      { metadata: { key: 'region', value: 'eu' }, order },
      { limit: 10 },
    );
    expect(removed.data).toEqual([]);
    const everyones = await everyPage((cursor) =>
      listAllAccounts(
        current().accounts,
        { metadata: { key: 'team', value: 'ops' }, order },
        { limit: 1, ...(cursor ? { cursor } : {}) },
      ),
    );
    expect(everyones.map((account) => account.id)).toEqual(expect.arrayContaining([tagged.id, stranger.id]));
    expect(everyones.every((account) => account.metadata.team === 'ops')).toBe(true);
  }, 30_000);
});

describe('account lists on DynamoDB Local', () => {
  const currencies = ['USD', 'EUR', 'JPY'] as const;

  /** A user's generated accounts, some funded, some renamed, frozen or closed. */
  const history = async (
    owner: Principal,
    seeds: { currency: number; amount: number; name: number; fate: number }[],
  ) => {
    for (const seed of seeds) {
      const currency = currencies[seed.currency % currencies.length]!;
      const wallet = await fundedWallet(owner, seed.amount, currency);
      await updateAccount(current().accounts, owner, wallet.id, { name: `w${seed.name % 4}-${wallet.id.slice(-3)}` });
      if (seed.fate === 1) await setFrozen(current().accounts, admin, wallet.id, true);
      if (seed.fate === 2 && seed.amount === 0) await closeAccount(current().accounts, owner, wallet.id);
    }
  };

  const oracle = (accounts: readonly Account[], query: AccountQuery): string[] => {
    const kept = accounts.filter(
      (account) =>
        (query.currency === undefined || account.currency === query.currency) &&
        (query.status === undefined || account.status === query.status) &&
        (query.name === undefined || (account.name ?? '').startsWith(query.name)) &&
        (query.minBalance === undefined || account.balance >= query.minBalance) &&
        (query.maxBalance === undefined || account.balance <= query.maxBalance),
    );
    const value = (account: Account) =>
      query.order.field === 'balance' ? account.balance : (account[query.order.field] ?? '');
    const sign = query.order.descending ? -1 : 1;
    return kept
      .sort((a, b) => {
        const [x, y] = [value(a), value(b)];
        return sign * (x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      })
      .map((account) => account.id);
  };

  it('answers every filter and sort of a user’s list as a brute-force oracle does, page after page', async () => {
    const owner = newUser();
    await history(
      owner,
      fc.sample(
        fc.record({
          currency: fc.nat(2),
          amount: fc.constantFrom(0, 0, 150, 2_000, 9_999),
          name: fc.nat(3),
          fate: fc.nat(3),
        }),
        { numRuns: 14, seed: 7 },
      ),
    );
    const all = await everyPage((cursor) =>
      listOwnAccounts(
        current().accounts,
        owner,
        { order: { field: 'createdAt', descending: false } },
        { limit: 100, ...(cursor ? { cursor } : {}) },
      ),
    );
    expect(all).toHaveLength(14);

    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            currency: fc.constantFrom(...currencies),
            status: fc.constantFrom('active' as const, 'frozen' as const, 'closed' as const),
            name: fc.constantFrom('w0', 'w1', 'w3-'),
            minBalance: fc.constantFrom(0n, 150n, 2_000n),
            maxBalance: fc.constantFrom(0n, 2_000n, 9_999n),
          },
          { requiredKeys: [] },
        ),
        fc.constantFrom('createdAt' as const, 'balance' as const, 'name' as const, 'currency' as const),
        fc.boolean(),
        fc.integer({ min: 1, max: 5 }),
        async (filters, field, descending, limit) => {
          const query: AccountQuery = { ...filters, order: { field, descending } };
          const listed = await everyPage((cursor) =>
            listOwnAccounts(current().accounts, owner, query, { limit, ...(cursor ? { cursor } : {}) }),
          );
          expect(listed.map((account) => account.id)).toEqual(oracle(all, query));
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it('walks every account for operators in creation order both ways, filtered and within a time window, page after page', async () => {
    const owner = newUser();
    const opened: Account[] = [];
    for (let index = 0; index < 12; index++) {
      opened.push(await openWallet(current().accounts, owner, { currency: index % 3 === 0 ? 'CHF' : 'SEK' }));
    }
    const francs = opened.filter((account) => account.currency === 'CHF').map((account) => account.id);

    for (const descending of [false, true]) {
      const listed = await everyPage((cursor) =>
        listAllAccounts(
          current().accounts,
          { currency: 'CHF', kind: 'user', order: { field: 'createdAt', descending } },
          { limit: 2, ...(cursor ? { cursor } : {}) },
        ),
      );
      expect(listed.map((account) => account.id)).toEqual(descending ? [...francs].reverse() : francs);
    }
    const from = opened[3]!.createdAt;
    const to = opened[8]!.createdAt;
    const window = await everyPage((cursor) =>
      listAllAccounts(
        current().accounts,
        { ownerId: undefined, from, to, currency: 'SEK', order: { field: 'createdAt', descending: false } },
        { limit: 3, ...(cursor ? { cursor } : {}) },
      ),
    );
    expect(window.map((account) => account.id)).toEqual(
      opened
        .filter((account) => account.currency === 'SEK' && account.createdAt >= from && account.createdAt <= to)
        .map((account) => account.id),
    );
  }, 60_000);

  it('answers an empty page for operators when `from` is after `to`, in every order', async () => {
    const owner = newUser();
    const account = await openWallet(current().accounts, owner, { currency: 'DKK' });
    const from = new Date(Date.parse(account.createdAt) + 5_000).toISOString();

    for (const order of [
      { field: 'createdAt', descending: false },
      { field: 'createdAt', descending: true },
      { field: 'balance', descending: true },
    ] as const) {
      const page = await listAllAccounts(current().accounts, { from, to: account.createdAt, order }, { limit: 10 });
      expect({ data: page.data, nextCursor: page.nextCursor }).toEqual({ data: [], nextCursor: null });
    }
  });
});

describe('statements on DynamoDB Local', () => {
  type Query = Omit<OperationQuery, 'limit' | 'cursor'>;

  /** Every page of an account's statement. */
  const statement = async (accountId: string, query: Query, limit: number) => {
    const seen: Operation[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 500; pages++) {
      const page = await current().ledger.operations(accountId, chainsOf({ id: accountId }), {
        ...query,
        limit,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.data);
      cursor = page.nextCursor ?? undefined;
      if (!cursor) break;
    }
    return seen;
  };

  /** A payer who made twenty transfers of various amounts to a payee, in a currency of their own. */
  const trading = (() => {
    let made: Promise<{ payer: string; payee: string; currency: string }> | undefined;
    return () =>
      (made ??= (async () => {
        const currency = 'NOK';
        const { ada, source, destination, transfer } = await payerAndPayee(1_000_000, currency);
        const payments = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            createPayment(current().payments, ada, transfer(100 + 37 * index), undefined),
          ),
        );
        await processAll(payments);
        return { payer: source.id, payee: destination.id, currency };
      })());
  })();

  it('chains the whole account’s balanceAfter over a sharded fee account’s pages, both ways', async () => {
    const { currency } = await trading();
    const fees = `tech-fees-${currency}`;
    const heads = await current().ledger.heads(chainsOf({ id: fees }));
    const balance = [...heads.values()].reduce((sum, head) => sum + head.balance, 0n);

    const forwards = await statement(fees, { sort: 'createdAt', descending: false }, 3);
    const backwards = await statement(fees, { sort: 'createdAt', descending: true }, 4);

    expect(new Set(forwards.map((operation) => operation.chain)).size).toBeGreaterThan(1);
    forwards.forEach((operation, index) => {
      expect(operation.balanceAfter).toBe((forwards[index - 1]?.balanceAfter ?? 0n) + operation.amount);
    });
    expect(forwards.at(-1)?.balanceAfter).toBe(balance);
    expect(backwards.map((operation) => [operation.id, operation.balanceAfter])).toEqual(
      [...forwards].reverse().map((operation) => [operation.id, operation.balanceAfter]),
    );
  }, 60_000);

  it('answers every filter and sort of a statement as a brute-force oracle does, page after page', async () => {
    const { payer, currency } = await trading();
    for (const accountId of [payer, `tech-fees-${currency}`]) {
      const all = await statement(accountId, { sort: 'createdAt', descending: false }, 100);
      const times = all.map((operation) => operation.createdAt);
      await fc.assert(
        fc.asyncProperty(
          fc.record(
            {
              type: fc.constantFrom('transfer' as const, 'commission' as const, 'deposit' as const),
              minAmount: fc.constantFrom(-500n, 0n, 5n),
              maxAmount: fc.constantFrom(-200n, 10n, 1_000_000n),
              counterpartyAccountId: fc.constantFrom(payer, `tech-fees-${currency}`),
              from: fc.constantFrom(...times),
              to: fc.constantFrom(...times),
            },
            { requiredKeys: [] },
          ),
          fc.constantFrom('createdAt' as const, 'amount' as const),
          fc.boolean(),
          fc.integer({ min: 1, max: 7 }),
          async (filters, sort, descending, limit) => {
            const kept = all.filter(
              (operation) =>
                (filters.type === undefined || operation.type === filters.type) &&
                (filters.minAmount === undefined || operation.amount >= filters.minAmount) &&
                (filters.maxAmount === undefined || operation.amount <= filters.maxAmount) &&
                (filters.counterpartyAccountId === undefined ||
                  operation.counterpartyAccountId === filters.counterpartyAccountId) &&
                (filters.from === undefined || operation.createdAt >= filters.from) &&
                (filters.to === undefined || operation.createdAt <= filters.to),
            );
            const ordered =
              sort === 'amount'
                ? [...kept].sort((a, b) =>
                    a.amount !== b.amount ? (a.amount < b.amount ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
                  )
                : kept;
            const expected = descending ? [...ordered].reverse() : ordered;
            const listed = await statement(accountId, { ...filters, sort, descending }, limit);
            expect(listed.map((operation) => [operation.id, operation.balanceAfter])).toEqual(
              expected.map((operation) => [operation.id, operation.balanceAfter]),
            );
          },
        ),
        { numRuns: 30 },
      );
    }
  }, 180_000);
});
