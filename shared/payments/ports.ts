import type { MetadataFilter } from '../metadata';
import type { SortOrder } from '../schemas/common';
import type { Payment, PaymentSortField, PaymentStatus, PaymentType } from './model';

/** What an idempotency key (or a deposit's bank reference) was first used for. */
export interface IdempotencyClaim {
  key: string;
  requestHash: string;
  paymentId: string;
  /** Epoch seconds after which the claim may be forgotten; absent for claims kept for ever. */
  expiresAt?: number;
}

export interface TimeRange {
  from?: string | undefined;
  to?: string | undefined;
}

/** Whose payments: a user's (as payer or payee), or all of them. */
export type PaymentScope = { userId: string } | 'all';

/** The filters of a list of payments, each optional; all of them hold for a payment listed. */
export interface PaymentFilters {
  status?: PaymentStatus | undefined;
  type?: PaymentType | undefined;
  /** On either side. */
  accountId?: string | undefined;
  currency?: string | undefined;
  /** Creation time, both inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  /** Both inclusive. */
  minAmount?: bigint | undefined;
  maxAmount?: bigint | undefined;
  refundOf?: string | undefined;
  metadata?: MetadataFilter | undefined;
}

/** What a list's index entries show of a payment: facts that never change once it is created. */
export type PaymentFacts = Pick<
  Payment,
  'id' | 'type' | 'currency' | 'amount' | 'sourceAccountId' | 'destinationAccountId' | 'refundOf' | 'createdAt'
>;

export interface PaymentPageRead {
  scope: PaymentScope;
  order: SortOrder<PaymentSortField>;
  /** Resume strictly after this position, which a page of the same order answered as its `resumeAt`. */
  position?: string | undefined;
  /** The store serves what it can of them by index keys; `admits` and `keeps` decide, whatever it serves. */
  filters: PaymentFilters;
  /** Whether a payment may be listed, from its facts alone: one that fails it is not read in full. */
  admits: (facts: PaymentFacts) => boolean;
  /** Whether a payment, read in full, is listed. */
  keeps: (payment: Payment) => boolean;
  limit: number;
  /** Items read at most, index entries and payments alike (give or take one per index the page walks). */
  budget: number;
}

export interface PaymentPage {
  payments: Payment[];
  /** Where the next page resumes, when the read stopped before the end (a page full, or its read budget spent). */
  resumeAt: string | null;
}

/** What became of a refund offered to the store: stored, found stored already (a retry), or over its original's amount. */
export type RefundAcceptance =
  | { outcome: 'created' | 'existing'; payment: Payment }
  | { outcome: 'exceeded'; payment?: undefined };

export interface PaymentStore {
  /**
   * Stores a new INITIATED payment, with the index entries of its metadata, unless a payment with its id exists
   * already; answers the payment that holds the id: this one (`created`), or the one stored before it.
   */
  create(payment: Payment): Promise<{ created: boolean; payment: Payment }>;
  /**
   * Stores a new INITIATED refund together with its reservation on the original (`refundsReserved` grows by its
   * amount), unless that would take the reservations past the original's amount (`exceeded`, nothing written) or a
   * payment with its id exists already (`existing`).
   */
  createRefund(refund: Payment, original: Payment): Promise<RefundAcceptance>;
  findById(id: string): Promise<Payment | undefined>;
  /** The payments of these ids that exist, by id, read strongly consistent in as few requests as DynamoDB allows. */
  findMany(ids: readonly string[]): Promise<Map<string, Payment>>;
  /**
   * INITIATED payments created before `before` (and after the payment `after`), oldest first, from the sparse index;
   * `next` is where the following page starts, absent on the last one.
   */
  listPending(before: Date, limit: number, after?: string): Promise<{ payments: Payment[]; next?: string }>;
  /**
   * AUTHORIZED payments whose authorization expired at or before `now`, from the sparse index of authorizations by
   * expiry; `next` is where the following page starts, absent on the last one.
   */
  listExpiredAuthorizations(now: Date, limit: number, after?: string): Promise<{ payments: Payment[]; next?: string }>;
  /**
   * One page of the scope's payments in the order asked, following an index sorted that way (or reading whole the few
   * payments a selective filter matches) and reading at most `budget` items: a selective filter no index serves answers
   * a short page, and a position to go on. A position this store did not answer is a ValidationError on the cursor, and
   * so is a sort other than by creation of more payments holding a metadata pair than half the budget.
   */
  page(read: PaymentPageRead): Promise<PaymentPage>;
}

/** Idempotency keys and the bank references of deposits, each claimed once, for the payment it was first used for. */
export interface IdempotencyStore {
  /** Claims a key for a payment; answers the claim that holds the key, this one or an earlier one. */
  claim(claim: IdempotencyClaim): Promise<IdempotencyClaim>;
  find(key: string): Promise<IdempotencyClaim | undefined>;
}

/** The trigger that gets a payment processed soon; DynamoDB, not the queue, holds the truth. */
export interface PaymentQueue {
  enqueue(paymentIds: readonly string[]): Promise<void>;
}
