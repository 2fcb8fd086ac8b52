import type { Payment, PaymentType } from '../payments/model';
import { technicalAccountId } from '../accounts/model';
import { chainFor, feeAccountId } from './chains';

export const OPERATION_TYPES = [
  'transfer',
  'commission',
  'deposit',
  'withdrawal',
  'exchange',
  'refund',
  'hold',
  'release',
] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

/** One leg of a payment: a signed amount on one chain of one account. */
export interface Leg {
  /** The account, as clients know it. */
  accountId: string;
  /** The chain the operation is appended to: the account itself, or one shard of a sharded account. */
  chain: string;
  amount: bigint;
  currency: string;
  type: OperationType;
  counterpartyAccountId: string;
}

/** A payment whose legs do not sum to zero in some currency: a bug in the rules, never the client's doing. */
export class UnbalancedLegsError extends Error {
  constructor(paymentId: string, currency: string, sum: bigint) {
    super(`The legs of payment ${paymentId} sum to ${sum.toString()} in ${currency}, not to zero`);
    this.name = 'UnbalancedLegsError';
  }
}

/**
 * Double entry (invariant 1), checked where it is cheap: the legs of one payment sum to zero in each currency. Throws
 * UnbalancedLegsError otherwise, before anything is written.
 */
export const assertBalanced = (paymentId: string, legs: readonly Leg[]): void => {
  const sums = new Map<string, bigint>();
  for (const leg of legs) sums.set(leg.currency, (sums.get(leg.currency) ?? 0n) + leg.amount);
  for (const [currency, sum] of sums) if (sum !== 0n) throw new UnbalancedLegsError(paymentId, currency, sum);
};

const operationType: Record<PaymentType, OperationType> = {
  transfer: 'transfer',
  deposit: 'deposit',
  withdrawal: 'withdrawal',
  exchange: 'exchange',
};

/** The legs of a payment, by the rules `planLegs` describes; not yet checked. */
const legsOf = (payment: Payment): Leg[] => {
  const { id, sourceAccountId: source, destinationAccountId: destination, amount, fee, currency } = payment;
  const type = operationType[payment.type];
  const leg = (
    accountId: string,
    value: bigint,
    legCurrency: string,
    legType: OperationType,
    counterpartyAccountId: string,
  ): Leg => ({
    accountId,
    chain: chainFor(accountId, id),
    amount: value,
    currency: legCurrency,
    type: legType,
    counterpartyAccountId,
  });
  const fees = feeAccountId(currency);
  // The payer sees its fee as an operation of its own, right after the principal one; a zero fee posts none.
  const [paysFee, takesFee] =
    fee > 0n
      ? [[leg(source, -fee, currency, 'commission', fees)], [leg(fees, fee, currency, 'commission', source)]]
      : [[], []];
  if (payment.type !== 'exchange') {
    return [
      leg(source, -amount, currency, type, destination),
      ...paysFee,
      leg(destination, amount, currency, type, source),
      ...takesFee,
    ];
  }
  const { destinationAmount, destinationCurrency } = payment;
  if (destinationAmount === undefined || destinationCurrency === undefined) {
    throw new Error(`Exchange ${id} has no destination amount`);
  }
  const deskIn = technicalAccountId('fx', currency);
  const deskOut = technicalAccountId('fx', destinationCurrency);
  return [
    leg(source, -amount, currency, type, deskIn),
    ...paysFee,
    leg(deskIn, amount, currency, type, source),
    leg(deskOut, -destinationAmount, destinationCurrency, type, destination),
    leg(destination, destinationAmount, destinationCurrency, type, deskOut),
    ...takesFee,
  ];
};

/**
 * The rules that turn a payment into legs, in one place. The source pays `amount`, and its `fee` as a `commission`
 * leg of its own right after, which `tech-fees-<currency>` takes; a zero fee makes no leg. A transfer, deposit or withdrawal credits the destination `amount`.
 * An exchange goes through the exchange desk: `tech-fx-<currency>` takes `amount` and `tech-fx-<destinationCurrency>`
 * pays the destination `destinationAmount`, so that each currency still sums to zero, which is checked before the legs
 * are answered. Legs on one chain stand in the order they are appended.
 */
export const planLegs = (payment: Payment): Leg[] => {
  const legs = legsOf(payment);
  assertBalanced(payment.id, legs);
  return legs;
};
