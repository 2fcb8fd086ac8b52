import { ForbiddenError, NotFoundError, NotRefundableError, RefundExceedsPaymentError } from '../errors';
import type { Metadata } from '../metadata';
import type { Principal } from '../users/model';
import { accept, described, earlierRequest, owners, requestHash, stamp, usable, userClaim } from './create';
import type { PaymentDeps } from './deps';
import { readablePayment } from './list';
import type { Payment, PaymentType } from './model';

export interface RefundRequest {
  /** What to give back; what is left to refund when absent. */
  amount?: number | undefined;
  /** Why, kept as the refund's description. */
  reason?: string | undefined;
  metadata?: Metadata | undefined;
}

const REFUNDABLE: readonly PaymentType[] = ['transfer', 'withdrawal'];

/**
 * A payment the caller may refund: any, for an operator; else one whose destination the caller owns (the payee of a
 * transfer: a withdrawal's destination is `tech-withdrawals-<currency>`, which only operators act for). The payer, who
 * may see the payment, is refused; anyone else learns nothing of it.
 */
const refundablePayment = async (deps: Pick<PaymentDeps, 'payments'>, caller: Principal, id: string) => {
  const original = await readablePayment(deps, caller, id);
  if (caller.role !== 'admin' && original.destinationOwnerId !== caller.userId) {
    throw new ForbiddenError('Only the payee of a payment, or an operator, may refund it.');
  }
  return original;
};

const refundable = (original: Payment): void => {
  if (!REFUNDABLE.includes(original.type)) throw new NotRefundableError(original.id, `it is a ${original.type}.`);
  if (original.status !== 'COMPLETED') throw new NotRefundableError(original.id, `it is ${original.status}.`);
};

/**
 * The accounts a refund moves money between, the original's the other way round, as they are now: a wallet frozen or
 * closed since the original neither sends nor receives.
 */
const refundAccounts = async (deps: PaymentDeps, original: Payment) => {
  const current = async (id: string) => {
    const account = await deps.accounts.findById(id);
    if (!account) throw new NotFoundError('account', id);
    usable(account, original.currency);
    return account;
  };
  const [source, destination] = await Promise.all([
    current(original.destinationAccountId),
    current(original.sourceAccountId),
  ]);
  return { source, destination };
};

/**
 * Gives money back along a COMPLETED transfer or withdrawal: a `refund` payment from the original's destination to its
 * source, in its currency and without a fee, stored INITIATED and queued like any other. The refunds of a payment that
 * have not FAILED never add up to more than its amount: that is checked here and reserved on the original in the
 * transaction that stores the refund, so concurrent refunds cannot pass it together. The same Idempotency-Key with the
 * same body answers the same refund.
 */
export const createRefund = async (
  deps: PaymentDeps,
  caller: Principal,
  paymentId: string,
  request: RefundRequest,
  idempotencyKey?: string,
): Promise<Payment> => {
  const original = await refundablePayment(deps, caller, paymentId);
  const hash = requestHash({ refundOf: paymentId, ...request });
  const { key, claim } = userClaim(caller, idempotencyKey, hash);
  const earlier = await earlierRequest(deps, key, hash);
  if (earlier.payment) return earlier.payment;

  refundable(original);
  const left = original.amount - original.refundsReserved;
  const amount = request.amount === undefined ? left : BigInt(request.amount);
  if (amount < 1n || amount > left) throw new RefundExceedsPaymentError(original.id, left);
  const { source, destination } = await refundAccounts(deps, original);

  const { id, at, now } = stamp(deps, earlier.paymentId);
  const refund: Payment = {
    id,
    type: 'refund',
    status: 'INITIATED',
    sourceAccountId: source.id,
    destinationAccountId: destination.id,
    amount,
    currency: original.currency,
    fee: 0n,
    capture: 'automatic',
    refundOf: original.id,
    refundedAmount: 0n,
    refundsReserved: 0n,
    ...described({ description: request.reason, metadata: request.metadata }),
    ...owners(source, destination),
    createdAt: at,
    updatedAt: at,
  };
  return accept(deps, refund, claim(refund.id, now), async (payment) => {
    const stored = await deps.payments.createRefund(payment, original);
    if (stored.outcome === 'exceeded') {
      const latest = (await deps.payments.findById(original.id)) ?? original;
      throw new RefundExceedsPaymentError(original.id, latest.amount - latest.refundsReserved);
    }
    return { created: stored.outcome === 'created', payment: stored.payment };
  });
};
