export type PaymentType = 'transfer' | 'deposit' | 'withdrawal' | 'exchange';
export type PaymentStatus = 'INITIATED' | 'COMPLETED' | 'FAILED';
export type FailureReason = 'insufficient_funds' | 'expired';

export const PAYMENT_TYPES: readonly PaymentType[] = ['transfer', 'deposit', 'withdrawal', 'exchange'];
export const PAYMENT_STATUSES: readonly PaymentStatus[] = ['INITIATED', 'COMPLETED', 'FAILED'];

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
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  /** Who may read it besides admins: the owners of either side (absent for technical accounts). */
  sourceOwnerId?: string;
  destinationOwnerId?: string;
}

export const isFinal = (status: PaymentStatus): boolean => status !== 'INITIATED';

/**
 * The users who may see a payment besides operators: its payer, and its payee unless it FAILED (money never reached
 * them). Technical accounts have no owner.
 */
export const audienceOf = (payment: Payment): string[] =>
  [...new Set([payment.sourceOwnerId, ...(payment.status === 'FAILED' ? [] : [payment.destinationOwnerId])])].filter(
    (id): id is string => id !== undefined,
  );

/** Whether a caller may see a payment: an operator sees all of them, anyone else only those of its audience. */
export const isVisibleTo = (payment: Payment, caller: { userId: string; role: 'user' | 'admin' }): boolean =>
  caller.role === 'admin' || audienceOf(payment).includes(caller.userId);

/** The public shape of a payment: the contract's fields, never the owners it is indexed by. */
export const paymentView = (payment: Payment) => ({
  id: payment.id,
  type: payment.type,
  status: payment.status,
  sourceAccountId: payment.sourceAccountId,
  destinationAccountId: payment.destinationAccountId,
  amount: payment.amount,
  currency: payment.currency,
  fee: payment.fee,
  ...(payment.destinationAmount === undefined ? {} : { destinationAmount: payment.destinationAmount }),
  ...(payment.destinationCurrency === undefined ? {} : { destinationCurrency: payment.destinationCurrency }),
  ...(payment.rate === undefined ? {} : { rate: payment.rate }),
  ...(payment.destination === undefined ? {} : { destination: { ...payment.destination } }),
  ...(payment.description === undefined ? {} : { description: payment.description }),
  ...(payment.reference === undefined ? {} : { reference: payment.reference }),
  ...(payment.failureReason === undefined ? {} : { failureReason: payment.failureReason }),
  createdAt: payment.createdAt,
  updatedAt: payment.updatedAt,
  ...(payment.completedAt === undefined ? {} : { completedAt: payment.completedAt }),
});
