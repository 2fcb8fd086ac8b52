import { NotFoundError } from '../errors';
import type { Page, PageRequest } from '../page';
import type { SortOrder } from '../schemas/common';
import { readSortCursor, sortCursor, sortedPage } from '../sorted-page';
import type { Principal } from '../users/model';
import type { PaymentDeps } from './deps';
import { isVisibleTo, type Payment, type PaymentStatus, type PaymentType } from './model';
import type { PaymentScope } from './ports';

export const readablePayment = async (
  deps: Pick<PaymentDeps, 'payments'>,
  caller: Principal,
  id: string,
): Promise<Payment> => {
  const payment = await deps.payments.findById(id);
  if (!payment || !isVisibleTo(payment, caller)) throw new NotFoundError('payment', id);
  return payment;
};

export interface PaymentListQuery extends PageRequest {
  status?: PaymentStatus | undefined;
  type?: PaymentType | undefined;
  accountId?: string | undefined;
  currency?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  minAmount?: bigint | undefined;
  maxAmount?: bigint | undefined;
  order: SortOrder<'createdAt' | 'amount'>;
}

const matches =
  (query: PaymentListQuery, caller: Principal) =>
  (p: Payment): boolean =>
    isVisibleTo(p, caller) &&
    (query.status === undefined || p.status === query.status) &&
    (query.type === undefined || p.type === query.type) &&
    (query.accountId === undefined ||
      p.sourceAccountId === query.accountId ||
      p.destinationAccountId === query.accountId) &&
    (query.currency === undefined || p.currency === query.currency) &&
    (query.from === undefined || p.createdAt >= query.from) &&
    (query.to === undefined || p.createdAt <= query.to) &&
    (query.minAmount === undefined || p.amount >= query.minAmount) &&
    (query.maxAmount === undefined || p.amount <= query.maxAmount);

/**
 * A user's payments are read through the two owner indexes, an operator's through the index of all payments; a time
 * range narrows either to a key range. In creation order (the default sort), the indexes are followed in id order, a
 * chunk at a time, until the page is full: a page reads about what it shows, however long the history. Sorted by
 * amount, every payment in the range is read and sorted in memory, with keyset cursors either way.
 */
export const listPayments = async (
  deps: Pick<PaymentDeps, 'payments'>,
  caller: Principal,
  query: PaymentListQuery,
): Promise<Page<Payment>> => {
  const range = { from: query.from, to: query.to };
  const scope: PaymentScope = caller.role === 'admin' ? 'all' : { userId: caller.userId };
  if (query.order.field === 'amount') {
    const candidates =
      scope === 'all' ? await deps.payments.listAll(range) : await deps.payments.listForUser(scope.userId, range);
    return sortedPage(candidates.filter(matches(query, caller)), query.order, (p) => p.amount, query);
  }

  const after = query.cursor === undefined ? undefined : readSortCursor(query.cursor, query.order).id;
  const found: Payment[] = [];
  const read = { range, descending: query.order.descending, after, chunk: Math.min(query.limit + 1, 100) };
  for await (const chunk of deps.payments.inOrder(scope, read)) {
    found.push(...chunk.filter(matches(query, caller)));
    if (found.length > query.limit) break;
  }
  const data = found.slice(0, query.limit);
  const tail = data.at(-1);
  return {
    data,
    nextCursor: found.length > query.limit && tail ? sortCursor(query.order, tail.id, tail.createdAt) : null,
  };
};
