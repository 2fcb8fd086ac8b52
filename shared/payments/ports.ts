import type { Payment } from './model';

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

export interface OrderedRead {
  range: TimeRange;
  descending: boolean;
  /** Resume strictly after this payment id. */
  after?: string | undefined;
  /** Payments read at a time. */
  chunk: number;
}

/** What became of a refund offered to the store: stored, found stored already (a retry), or over its original's amount. */
export type RefundAcceptance =
  | { outcome: 'created' | 'existing'; payment: Payment }
  | { outcome: 'exceeded'; payment?: undefined };

export interface PaymentStore {
  /**
   * Stores a new INITIATED payment unless a payment with its id exists already; answers the payment that holds the id:
   * this one (`created`), or the one stored before it.
   */
  create(payment: Payment): Promise<{ created: boolean; payment: Payment }>;
  /**
   * Stores a new INITIATED refund together with its reservation on the original (`refundsReserved` grows by its
   * amount), unless that would take the reservations past the original's amount (`exceeded`, nothing written) or a
   * payment with its id exists already (`existing`).
   */
  createRefund(refund: Payment, original: Payment): Promise<RefundAcceptance>;
  findById(id: string): Promise<Payment | undefined>;
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
  /** Payments where the user owns the source or the destination, within the range. */
  listForUser(userId: string, range: TimeRange): Promise<Payment[]>;
  /** Every payment within the range. */
  listAll(range: TimeRange): Promise<Payment[]>;
  /**
   * The scope's payments in id order, which is creation order, read a chunk at a time and only as far as the caller
   * iterates: a page costs what it shows, not the whole history.
   */
  inOrder(scope: PaymentScope, read: OrderedRead): AsyncGenerator<Payment[]>;
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
