import type { Payment, PaymentType } from '../payments/model';
import { technicalAccountId } from '../accounts/model';
import { chainFor, type ChainPick, feeAccountId, refundTallyId } from './chains';

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
  refund: 'refund',
};

/** A leg of one payment: on the account's chain that `pick` picks for it (by default, the one its id hashes to). */
const legOf =
  (paymentId: string, pick: ChainPick = chainFor) =>
  (accountId: string, value: bigint, currency: string, type: OperationType, counterpartyAccountId: string): Leg => ({
    accountId,
    chain: pick(accountId, paymentId),
    amount: value,
    currency,
    type,
    counterpartyAccountId,
  });

/** The legs of a payment, by the rules `planLegs` describes; not yet checked. */
const legsOf = (payment: Payment, pick: ChainPick): Leg[] => {
  const { id, sourceAccountId: source, destinationAccountId: destination, amount, fee, currency } = payment;
  const type = operationType[payment.type];
  const leg = legOf(id, pick);
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
export const planLegs = (payment: Payment, pick: ChainPick = chainFor): Leg[] => {
  const legs = legsOf(payment, pick);
  assertBalanced(payment.id, legs);
  return legs;
};

/** A change of what a wallet holds in open authorizations: a figure on its chain's head, not an operation. */
export interface HeldChange {
  accountId: string;
  chain: string;
  amount: bigint;
}

/**
 * What one transition of a payment moves: its legs, what wallets hold, and its entries on tallies (chains of no
 * account that count one kind of payment for the reports, such as `tally-refunds-<currency>`).
 */
export interface Movement {
  legs: Leg[];
  held: HeldChange[];
  tallies: Leg[];
}

const moved = (paymentId: string, legs: Leg[], held: HeldChange[] = [], tallies: Leg[] = []): Movement => {
  assertBalanced(paymentId, legs);
  return { legs, held, tallies };
};

const holdsAccountId = (currency: string): string => technicalAccountId('holds', currency);

/**
 * An authorization: `amount + fee` leaves the source's balance for what it holds, as a `hold` leg paid to
 * `tech-holds-<currency>` (one shard of it), and the source's `held` grows by as much.
 */
export const planAuthorization = (payment: Payment, pick: ChainPick = chainFor): Movement => {
  const { id, sourceAccountId: source, currency } = payment;
  const total = payment.amount + payment.fee;
  const holds = holdsAccountId(currency);
  const leg = legOf(id, pick);
  return moved(
    id,
    [leg(source, -total, currency, 'hold', holds), leg(holds, total, currency, 'hold', source)],
    [{ accountId: source, chain: pick(source, id), amount: total }],
  );
};

/** Everything an authorization held goes back to its source as one `release`, and its `held` drops by as much. */
export const planRelease = (payment: Payment): Movement => {
  const { id, sourceAccountId: source, currency } = payment;
  const total = payment.amount + payment.fee;
  const holds = holdsAccountId(currency);
  const leg = legOf(id);
  return moved(
    id,
    [leg(holds, -total, currency, 'release', source), leg(source, total, currency, 'release', holds)],
    [{ accountId: source, chain: chainFor(source, id), amount: -total }],
  );
};

/** Thrown when a capture would pay out more than its authorization holds: a bug in the caller, never the client's. */
export class OverCaptureError extends Error {
  constructor(paymentId: string) {
    super(`The capture of payment ${paymentId} pays out more than its authorization holds`);
    this.name = 'OverCaptureError';
  }
}

/**
 * A capture of `captured` (at most the authorized amount) with `fee` computed on it: the holds account pays the
 * destination `captured` and the fee account `fee`, what was held beyond both goes back to the source as one
 * `release` (none when nothing is left), and the source's `held` drops by everything the authorization held.
 */
export const planCapture = (payment: Payment, captured: { amount: bigint; fee: bigint }): Movement => {
  const { id, sourceAccountId: source, destinationAccountId: destination, currency } = payment;
  const total = payment.amount + payment.fee;
  const released = total - captured.amount - captured.fee;
  if (captured.amount > payment.amount || released < 0n) throw new OverCaptureError(id);
  const holds = holdsAccountId(currency);
  const fees = feeAccountId(currency);
  const type = operationType[payment.type];
  const leg = legOf(id);
  return moved(
    id,
    [
      leg(holds, -captured.amount, currency, type, destination),
      leg(destination, captured.amount, currency, type, holds),
      ...(captured.fee > 0n
        ? [
            leg(holds, -captured.fee, currency, 'commission', fees),
            leg(fees, captured.fee, currency, 'commission', holds),
          ]
        : []),
      ...(released > 0n
        ? [leg(holds, -released, currency, 'release', source), leg(source, released, currency, 'release', holds)]
        : []),
    ],
    [{ accountId: source, chain: chainFor(source, id), amount: -total }],
  );
};

/**
 * What processing a payment moves: an automatic payment's legs (`planLegs`), a manual one's authorization. A refund is
 * also counted on its currency's refund tally, whose running volumes the summary report reads. `pick` chooses the
 * shards of sharded accounts.
 */
export const planProcessing = (payment: Payment, pick: ChainPick = chainFor): Movement => {
  if (payment.capture === 'manual') return planAuthorization(payment, pick);
  const { id, amount, currency, sourceAccountId } = payment;
  const tallies =
    payment.type === 'refund'
      ? [legOf(id, pick)(refundTallyId(currency), amount, currency, 'refund', sourceAccountId)]
      : [];
  return { legs: planLegs(payment, pick), held: [], tallies };
};
