import { newIdAt } from '../../shared/ids';
import type { Page } from '../../shared/page';
import { listPayments, type PaymentListQuery } from '../../shared/payments/list';
import type { Payment } from '../../shared/payments/model';
import type { Principal } from '../../shared/users/model';
import { usePaymentWorld } from '../support/payments';

const current = usePaymentWorld();

// A budget far below the history's length, as the lists' own is far below a long-lived account's.
const BUDGET = 100;
const HISTORY = 300;
const payer: Principal = { userId: 'usr_long', role: 'user', tokenId: 'tok_long', emailVerified: true };

/** The i-th payment of the history: one in fifty in EUR, one in four from a second wallet, metadata on some. */
const nth = (i: number, at: Date): Payment => {
  const metadata: Record<string, string> = {
    ...(i % 5 === 0 ? { batch: 'b' } : {}),
    ...([13, 150, 287].includes(i) ? { orderId: 'X' } : {}),
  };
  const amount = BigInt(((i * 7_919) % 1_000) + 1);
  return {
    id: newIdAt('pay', at),
    type: 'transfer',
    status: 'INITIATED',
    sourceAccountId: i % 4 === 0 ? 'acc_long_b' : 'acc_long_a',
    destinationAccountId: 'acc_peer',
    amount,
    currency: i % 50 === 7 ? 'EUR' : 'USD',
    fee: amount / 100n + 1n,
    capture: 'automatic',
    refundedAmount: 0n,
    refundsReserved: 0n,
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
    sourceOwnerId: payer.userId,
    destinationOwnerId: 'usr_peer',
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
};

interface Reads {
  /** Items read, index entries and payments alike, since the last reset. */
  items: number;
  /** The indexes queried since the last reset, by table. */
  queried: string[];
}

/** Counts every item the world's DynamoDB client reads. */
const countReads = (): Reads => {
  const reads: Reads = { items: 0, queried: [] };
  current().db.client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'QueryCommand') {
        const input = args.input as { TableName: string; IndexName?: string };
        reads.items += ((result.output as { Items?: unknown[] }).Items ?? []).length;
        reads.queried.push(`${input.TableName}/${input.IndexName ?? ''}`);
      }
      // The document client's commands run as the low-level ones: BatchGet as BatchGetItem.
      if (context.commandName === 'BatchGetItemCommand') {
        const input = args.input as { RequestItems: Record<string, { Keys: unknown[] }> };
        reads.items += Object.values(input.RequestItems).reduce((sum, request) => sum + request.Keys.length, 0);
      }
      return result;
    },
    { step: 'initialize', name: 'countReads' },
  );
  return reads;
};

/** Every page of a listing at the test's budget, with what each page read. */
const pagesOf = async (reads: Reads, query: Omit<PaymentListQuery, 'cursor'>) => {
  const pages: { page: Page<Payment>; items: number }[] = [];
  let cursor: string | undefined;
  do {
    reads.items = 0;
    const page = await listPayments(current().payments, payer, { ...query, ...(cursor ? { cursor } : {}) }, BUDGET);
    pages.push({ page, items: reads.items });
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 100);
  return pages;
};

const ids = (payments: Payment[]) => payments.map((p) => p.id);

describe('the list of payments on a long history, on DynamoDB Local', () => {
  let history: Payment[];
  let reads: Reads;

  beforeAll(async () => {
    const made = Array.from({ length: HISTORY }, (_, i) => nth(i, new Date(Date.UTC(2026, 0, 1) + i * 1_000)));
    for (let i = 0; i < made.length; i += 25) {
      await Promise.all(made.slice(i, i + 25).map((payment) => current().payments.payments.create(payment)));
    }
    history = made;
    reads = countReads();
  }, 120_000);

  afterAll(() => {
    current().db.client.middlewareStack.remove('countReads');
  });

  it('answers a filter no index serves in short pages that each read at most the budget, and finds every match', async () => {
    const pages = await pagesOf(reads, {
      limit: 20,
      currency: 'EUR',
      order: { field: 'createdAt', descending: false },
    });

    const expected = history.filter((p) => p.currency === 'EUR');
    expect(pages.flatMap(({ page }) => ids(page.data))).toEqual(ids(expected));
    expect(pages.length).toBeGreaterThanOrEqual(HISTORY / BUDGET);
    expect(pages[0]?.page.data.length).toBeLessThan(expected.length);
    expect(pages[0]?.page.nextCursor).not.toBeNull();
    // Two indexes (as payer, as payee) may each read one entry past the budget.
    expect(Math.max(...pages.map(({ items }) => items))).toBeLessThanOrEqual(BUDGET + 2);
  }, 30_000);

  it('finds a metadata pair by reading one index entry and one payment per match, however long the history', async () => {
    reads.queried.length = 0;
    const pages = await pagesOf(reads, {
      limit: 20,
      metadata: { key: 'orderId', value: 'X' },
      order: { field: 'createdAt', descending: true },
    });

    const expected = history.filter((p) => p.metadata?.orderId === 'X').reverse();
    expect(pages.map(({ page }) => ids(page.data))).toEqual([ids(expected)]);
    expect(pages[0]?.items).toBe(2 * expected.length);
    expect(reads.queried.every((queried) => queried.startsWith(current().db.names.metadata))).toBe(true);
  });

  it('sorts an account’s payments by amount through the amount index when they are too many to sort whole', async () => {
    const pages = await pagesOf(reads, {
      limit: 30,
      accountId: 'acc_long_b',
      order: { field: 'amount', descending: true },
    });

    const expected = history
      .filter((p) => p.sourceAccountId === 'acc_long_b')
      .sort((a, b) => (a.amount === b.amount ? (a.id < b.id ? 1 : -1) : a.amount < b.amount ? 1 : -1));
    expect(expected.length).toBeGreaterThan(BUDGET / 2);
    expect(pages.flatMap(({ page }) => ids(page.data))).toEqual(ids(expected));
    expect(Math.max(...pages.map(({ items }) => items))).toBeLessThanOrEqual(BUDGET + 2);
  }, 30_000);

  it('refuses to sort by amount more payments holding a metadata pair than half the budget, and lists them by creation', async () => {
    const query = { limit: 50, metadata: { key: 'batch', value: 'b' } };

    await expect(
      listPayments(current().payments, payer, { ...query, order: { field: 'amount', descending: false } }, BUDGET),
    ).rejects.toMatchObject({ code: 'validation_error', errors: [{ path: 'sort' }] });
    const pages = await pagesOf(reads, { ...query, order: { field: 'createdAt', descending: false } });
    expect(pages.flatMap(({ page }) => ids(page.data))).toEqual(ids(history.filter((p) => p.metadata?.batch === 'b')));
  });
});
