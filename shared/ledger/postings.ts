import type { Payment, PaymentType } from '../payments/model';
import { chainFor, feeAccountId } from './chains';

export type OperationType = 'transfer' | 'commission' | 'deposit' | 'withdrawal' | 'exchange';

/** One leg of a payment: a signed amount on one chain of one account. */
export interface Posting {
  /** The account, as clients know it. */
  accountId: string;
  /** The chain the operation is appended to: the account itself, or one shard of a sharded account. */
  chain: string;
  amount: bigint;
  currency: string;
  type: OperationType;
  counterpartyAccountId: string;
}

const operationType: Record<PaymentType, OperationType> = {
  transfer: 'transfer',
  deposit: 'deposit',
  withdrawal: 'withdrawal',
  exchange: 'exchange',
};

/**
 * The posting rules, in one place: the source pays `amount + fee`, the destination receives `amount`, the fee goes to
 * `tech-fees-<currency>`. The source leg comes first; a zero fee posts nothing. Postings sum to zero per currency.
 */
export const planPostings = (payment: Payment): Posting[] => {
  const { id, sourceAccountId: source, destinationAccountId: destination, amount, fee, currency } = payment;
  const type = operationType[payment.type];
  const leg = (accountId: string, value: bigint, legType: OperationType, counterpartyAccountId: string): Posting => ({
    accountId,
    chain: chainFor(accountId, id),
    amount: value,
    currency,
    type: legType,
    counterpartyAccountId,
  });
  const postings = [leg(source, -(amount + fee), type, destination), leg(destination, amount, type, source)];
  if (fee > 0n) postings.push(leg(feeAccountId(currency), fee, 'commission', source));
  return postings;
};
