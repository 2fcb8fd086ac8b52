import { createPayment } from '../../shared/payments/create';
import { listPayments } from '../../shared/payments/list';
import type { Payment } from '../../shared/payments/model';
import type { Principal } from '../../shared/users/model';
import { everyPage, ledgerHelpers, operator, usePaymentWorld } from '../support/payments';

const current = usePaymentWorld();
const { newUser, fundedWallet, processAll } = ledgerHelpers(current);

const admin = operator;

const byCreation = (a: Payment, b: Payment) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

describe('listing payments on DynamoDB Local', () => {
  let ada: Principal;
  let adas: Payment[];

  beforeAll(async () => {
    const [bob, carol] = [newUser(), newUser()];
    ada = newUser();
    const [adaUsd, bobUsd, carolUsd] = await Promise.all([
      fundedWallet(ada, 50_000),
      fundedWallet(bob, 50_000),
      fundedWallet(carol, 50_000),
    ]);
    const transfer = (from: Principal, source: string, destination: string, amount: number) =>
      createPayment(current().payments, from, {
        type: 'transfer',
        sourceAccountId: source,
        destinationAccountId: destination,
        amount,
        currency: 'USD',
      });
    // Ada pays, is paid, and is a bystander, interleaved; some are processed, so statuses differ.
    const made: Payment[] = [];
    for (let i = 0; i < 12; i++) {
      made.push(await transfer(ada, adaUsd.id, bobUsd.id, 100 + i));
      made.push(await transfer(bob, bobUsd.id, adaUsd.id, 200 + i));
      made.push(await transfer(carol, carolUsd.id, bobUsd.id, 300 + i));
    }
    await processAll(made.filter((_, i) => i % 2 === 0));
    const all = (await everyPage(current(), operator, { limit: 100, order: { field: 'createdAt', descending: false } }))
      .flat()
      .filter((p) => p.sourceOwnerId === ada.userId || p.destinationOwnerId === ada.userId);
    adas = all.sort(byCreation);
  }, 60_000);

  it('pages through a user’s payments in creation order, both ways, each exactly once', async () => {
    const forward = await everyPage(current(), ada, { limit: 5, order: { field: 'createdAt', descending: false } });
    const backward = await everyPage(current(), ada, { limit: 7, order: { field: 'createdAt', descending: true } });

    expect(forward.flat().map((p) => p.id)).toEqual(adas.map((p) => p.id));
    expect(backward.flat().map((p) => p.id)).toEqual(adas.map((p) => p.id).reverse());
    expect(forward.map((page) => page.length)).toEqual([5, 5, 5, 5, 5]);
    expect(adas).toHaveLength(25); // her 12 sent, 12 received, and the deposit to her wallet
  });

  it('filters while it pages, and a page is full whenever more matches follow', async () => {
    const pages = await everyPage(current(), ada, {
      limit: 4,
      status: 'COMPLETED',
      minAmount: 150n,
      order: { field: 'createdAt', descending: false },
    });
    const expected = adas.filter((p) => p.status === 'COMPLETED' && p.amount >= 150n);

    expect(pages.flat().map((p) => p.id)).toEqual(expected.map((p) => p.id));
    expect(pages.slice(0, -1).every((page) => page.length === 4)).toBe(true);
  });

  it('keeps to a time range, and a cursor from a wider range stays inside the narrower one', async () => {
    const from = adas[5]!.createdAt;
    const to = adas[15]!.createdAt;
    const inRange = adas.filter((p) => p.createdAt >= from && p.createdAt <= to);

    const pages = await everyPage(current(), ada, {
      limit: 3,
      from,
      to,
      order: { field: 'createdAt', descending: true },
    });
    expect(pages.flat().map((p) => p.id)).toEqual(inRange.map((p) => p.id).reverse());

    const wide = await listPayments(current().payments, ada, {
      limit: 2,
      order: { field: 'createdAt', descending: false },
    });
    const narrowed = await listPayments(current().payments, ada, {
      limit: 100,
      from,
      to,
      cursor: wide.nextCursor!,
      order: { field: 'createdAt', descending: false },
    });
    expect(narrowed.data.map((p) => p.id)).toEqual(inRange.map((p) => p.id));
  });

  it('answers an empty page, in every order and to every caller, for a range that ends before it starts', async () => {
    const from = '2030-01-01T00:00:00.000Z';
    const to = '2020-01-01T00:00:00.000Z';

    for (const caller of [ada, admin]) {
      for (const field of ['createdAt', 'amount'] as const) {
        const page = await listPayments(current().payments, caller, {
          limit: 10,
          from,
          to,
          order: { field, descending: true },
        });

        expect(page).toEqual({ data: [], nextCursor: null });
      }
    }
  });

  it('lists every payment for an operator in creation order', async () => {
    const pages = await everyPage(current(), admin, { limit: 50, order: { field: 'createdAt', descending: false } });
    const listed = pages.flat();

    expect(listed.map((p) => p.id)).toEqual([...listed].sort(byCreation).map((p) => p.id));
    expect(new Set(listed.map((p) => p.id)).size).toBe(listed.length);
    expect(listed.length).toBeGreaterThanOrEqual(36 + 3);
  });

  it('sorts by amount across pages as well', async () => {
    const pages = await everyPage(current(), ada, { limit: 6, order: { field: 'amount', descending: true } });
    const amounts = pages.flat().map((p) => p.amount);

    expect(amounts).toEqual([...amounts].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)));
    expect(amounts).toHaveLength(adas.length);
  });

  it('stamps each payment with the instant of its id, so that id order is creation order', () => {
    expect(adas.map((p) => p.id)).toEqual(adas.map((p) => p.id).sort());
  });

  it('reads about one page of payments for a page, however many there are', async () => {
    const { client } = current().db;
    let keysRead = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        // The document client's commands run as the low-level ones: BatchGet as BatchGetItem.
        if (context.commandName === 'BatchGetItemCommand') {
          const input = args.input as { RequestItems: Record<string, { Keys: unknown[] }> };
          keysRead += Object.values(input.RequestItems).reduce((sum, request) => sum + request.Keys.length, 0);
        }
        return next(args);
      },
      { step: 'initialize', name: 'countKeysRead' },
    );
    try {
      const page = await listPayments(current().payments, admin, {
        limit: 5,
        order: { field: 'createdAt', descending: true },
      });

      expect(page.data).toHaveLength(5);
      expect(keysRead).toBeLessThanOrEqual(6);
    } finally {
      client.middlewareStack.remove('countKeysRead');
    }
  });
});
