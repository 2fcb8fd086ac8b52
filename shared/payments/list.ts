import { NotFoundError } from '../errors';
import { hasMetadata } from '../metadata';
import type { Page, PageRequest } from '../page';
import { positionCursor, readPositionCursor } from '../position-cursor';
import type { SortOrder } from '../schemas/common';
import type { Principal } from '../users/model';
import type { PaymentDeps } from './deps';
import { isVisibleTo, type Payment, type PaymentSortField } from './model';
import type { PaymentFacts, PaymentFilters, PaymentScope } from './ports';

export const readablePayment = async (
  deps: Pick<PaymentDeps, 'payments'>,
  caller: Principal,
  id: string,
): Promise<Payment> => {
  const payment = await deps.payments.findById(id);
  if (!payment || !isVisibleTo(payment, caller)) throw new NotFoundError('payment', id);
  return payment;
};

export interface PaymentListQuery extends PaymentFilters, PageRequest {
  order: SortOrder<PaymentSortField>;
}

/**
 * Items a page reads at most, index entries and payments alike, whatever it finds: a page costs a bounded amount of
 * work however long the history and however selective the filters, and a filter no index serves answers a short page
 * (even an empty one) with a cursor rather than reading on.
 */
export const LIST_READ_BUDGET = 1_000;

/** The filters that a payment's facts, which never change, can decide. */
const admits =
  (filters: PaymentFilters) =>
  (p: PaymentFacts): boolean =>
    (filters.type === undefined || p.type === filters.type) &&
    (filters.accountId === undefined ||
      p.sourceAccountId === filters.accountId ||
      p.destinationAccountId === filters.accountId) &&
    (filters.currency === undefined || p.currency === filters.currency) &&
    (filters.refundOf === undefined || p.refundOf === filters.refundOf) &&
    (filters.from === undefined || p.createdAt >= filters.from) &&
    (filters.to === undefined || p.createdAt <= filters.to) &&
    (filters.minAmount === undefined || p.amount >= filters.minAmount) &&
    (filters.maxAmount === undefined || p.amount <= filters.maxAmount);

/** Every filter, and whether the caller may see the payment at all. */
const keeps =
  (filters: PaymentFilters, caller: Principal) =>
  (p: Payment): boolean =>
    isVisibleTo(p, caller) &&
    admits(filters)(p) &&
    (filters.status === undefined || p.status === filters.status) &&
    (filters.metadata === undefined || hasMetadata(p.metadata, filters.metadata));

/**
 * A page of the payments the caller may see: a user's where it owns the source or the destination (a FAILED one to its
 * source's owner only), an operator's all of them; filtered, in the order asked, ties broken by id. Each order follows
 * an index of its own, and each selective filter is a key range or an index of its own where the order allows (see
 * the store); a cursor is the position the page stopped at.
 */
export const listPayments = async (
  deps: Pick<PaymentDeps, 'payments'>,
  caller: Principal,
  query: PaymentListQuery,
  budget = LIST_READ_BUDGET,
): Promise<Page<Payment>> => {
  const { order, limit, cursor, ...filters } = query;
  const name = `${order.descending ? '-' : ''}${order.field}`;
  const scope: PaymentScope = caller.role === 'admin' ? 'all' : { userId: caller.userId };
  const { payments, resumeAt } = await deps.payments.page({
    scope,
    order,
    position: cursor === undefined ? undefined : readPositionCursor(cursor, name),
    filters,
    admits: admits(filters),
    keeps: keeps(filters, caller),
    limit,
    budget,
  });
  return { data: payments, nextCursor: resumeAt === null ? null : positionCursor(name, resumeAt) };
};
