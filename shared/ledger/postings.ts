import type { Payment, PaymentType } from '../payments/model';
import { technicalAccountId } from '../accounts/model';
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
 * The posting rules, in one place. The source pays `amount + fee` and the fee goes to `tech-fees-<currency>`; a zero
 * fee posts nothing. A transfer, deposit or withdrawal credits the destination `amount`. An exchange goes through
 * the exchange desk: `tech-fx-<currency>` takes `amount` and `tech-fx-<destinationCurrency>` pays the destination
 * `destinationAmount`, so that each currency still sums to zero. The source leg always comes first: it is the one
 * whose funds are checked.
 */
export const planPostings = (payment: Payment): Posting[] => {
  const { id, sourceAccountId: source, destinationAccountId: destination, amount, fee, currency } = payment;
  const type = operationType[payment.type];
  const leg = (
    accountId: string,
    value: bigint,
    legCurrency: string,
    legType: OperationType,
    counterpartyAccountId: string,
  ): Posting => ({
    accountId,
    chain: chainFor(accountId, id),
    amount: value,
    currency: legCurrency,
    type: legType,
    counterpartyAccountId,
  });
  const commission = fee > 0n ? [leg(feeAccountId(currency), fee, currency, 'commission', source)] : [];
  if (payment.type !== 'exchange') {
    return [
      leg(source, -(amount + fee), currency, type, destination),
      leg(destination, amount, currency, type, source),
      ...commission,
    ];
  }
  const { destinationAmount, destinationCurrency } = payment;
  if (destinationAmount === undefined || destinationCurrency === undefined) {
    throw new Error(`Exchange ${id} has no destination amount`);
  }
  const deskIn = technicalAccountId('fx', currency);
  const deskOut = technicalAccountId('fx', destinationCurrency);
  return [
    leg(source, -(amount + fee), currency, type, deskIn),
    leg(deskIn, amount, currency, type, source),
    leg(deskOut, -destinationAmount, destinationCurrency, type, destination),
    leg(destination, destinationAmount, destinationCurrency, type, deskOut),
    ...commission,
  ];
};
