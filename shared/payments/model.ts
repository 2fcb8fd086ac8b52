import type { Metadata } from '../metadata';

/**
 * The values of a payment's type, status and failure reason, each listed once: the model's types, the request and
 * answer schemas and the list filters all read them, so a new value is one edit here.
 */
export const PAYMENT_TYPES = ['transfer', 'deposit', 'withdrawal', 'exchange', 'refund'] as const;
export const PAYMENT_STATUSES = ['INITIATED', 'AUTHORIZED', 'COMPLETED', 'FAILED', 'VOIDED'] as const;
export const FAILURE_REASONS = [
  'insufficient_funds',
  'expired',
  'account_frozen',
  'account_closed',
  'refund_exceeds_payment',
] as const;

/** The fields a list of payments sorts by, each followed through an index of its own. */
export const PAYMENT_SORT_FIELDS = ['createdAt', 'amount', 'fee', 'completedAt'] as const;

export type PaymentType = (typeof PAYMENT_TYPES)[number];
export type PaymentSortField = (typeof PAYMENT_SORT_FIELDS)[number];
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export type FailureReason = (typeof FAILURE_REASONS)[number];
export const CAPTURE_MODES = ['automatic', 'manual'] as const;
export type CaptureMode = (typeof CAPTURE_MODES)[number];
export const VOID_REASONS = ['requested', 'expired'] as const;
export type VoidReason = (typeof VOID_REASONS)[number];

/** How long an authorization holds its money when the request does not say: 7 days. */
export const DEFAULT_HOLD_SECONDS = 7 * 24 * 60 * 60;

export interface WithdrawalDestination {
  method: 'ewallet';
  reference: string;
}

export interface Payment {
  id: string;
  type: PaymentType;
  status: PaymentStatus;
  sourceAccountId: string;
  destinationAccountId: string;
  /** Minor units of `currency`, debited from the source on top of `fee`. */
  amount: bigint;
  currency: string;
  fee: bigint;
  /** `manual`: the processor authorizes it (AUTHORIZED), and a capture or a void ends it. */
  capture: CaptureMode;
  /** How long a manual payment's authorization holds, counted from when it is authorized. */
  holdSeconds?: number;
  authorizedAt?: string;
  authorizationExpiresAt?: string;
  /** What a capture paid the destination, at most `amount`; `fee` is then the fee on it. */
  capturedAmount?: bigint;
  voidReason?: VoidReason;
  /** A refund's original payment. */
  refundOf?: string;
  /** The sum of its COMPLETED refunds. */
  refundedAmount: bigint;
  /**
   * The sum of its refunds that have not FAILED, which a new refund may not take past `amount`: added to when a refund
   * is accepted, given back when one fails.
   */
  refundsReserved: bigint;
  description?: string;
  /** The bank's id of a deposit. */
  reference?: string;
  /** Where a withdrawal sends the money: the e-wallet and its reference there. */
  destination?: WithdrawalDestination;
  /** An exchange's credit, in minor units of `destinationCurrency`, fixed with `rate` when the payment is created. */
  destinationAmount?: bigint;
  destinationCurrency?: string;
  /** The rate of `currency` in `destinationCurrency` an exchange used, as the rate table held it. */
  rate?: string;
  failureReason?: FailureReason;
  /** The client's own key-value pairs, as the request gave them; absent when it gave none. */
  metadata?: Metadata;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  /** Who may read it besides admins: the owners of either side (absent for technical accounts). */
  sourceOwnerId?: string;
  destinationOwnerId?: string;
}

/** Whether an authorization has outlived its hold at `now`: it may then only be voided, as `expired`. */
export const isExpired = (payment: Payment, now: Date): boolean =>
  payment.authorizationExpiresAt !== undefined && payment.authorizationExpiresAt <= now.toISOString();

/**
 * Who may see a payment, its events, its pushes and its webhooks, besides operators: the owner of its source, and the
 * owner of its destination unless it FAILED (money never reached them, so they never hear of it). Technical accounts
 * have no owner. The one rule of visibility: reads, lists, pushes, the event log and webhooks all apply it.
 */
export const audienceOf = (payment: Payment): { payer?: string; payee?: string } => ({
  ...(payment.sourceOwnerId === undefined ? {} : { payer: payment.sourceOwnerId }),
  ...(payment.destinationOwnerId === undefined || payment.status === 'FAILED'
    ? {}
    : { payee: payment.destinationOwnerId }),
});

/** The users of the audience, once each. */
export const viewersOf = (payment: Payment): string[] => {
  const { payer, payee } = audienceOf(payment);
  return [...new Set([payer, payee])].filter((id): id is string => id !== undefined);
};

/** Whether a caller may see a payment: an operator sees all of them, anyone else only those of its audience. */
export const isVisibleTo = (payment: Payment, caller: { userId: string; role: 'user' | 'admin' }): boolean =>
  caller.role === 'admin' || viewersOf(payment).includes(caller.userId);
