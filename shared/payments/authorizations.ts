import {
  AccountClosedError,
  AccountFrozenError,
  CaptureExceedsAuthorizationError,
  ForbiddenError,
  NotAuthorizedError,
  NotFoundError,
} from '../errors';
import { planCapture, planRelease } from '../ledger/legs';
import { ClaimTakenError, StatusChangedError } from '../ledger/ports';
import type { Principal } from '../users/model';
import { earlierRequest, requestHash, userClaim } from './create';
import type { PaymentDeps } from './deps';
import { computeFee } from './fees';
import { readablePayment } from './list';
import { isExpired, type Payment, type VoidReason } from './model';
import { refusal, retryingStaleChains } from './process';

type AuthorizationDeps = Pick<PaymentDeps, 'payments' | 'ledger' | 'clock'>;

/**
 * A payment the caller may capture or void: its source's, or any for an operator. The payee, who may see it, is
 * refused; anyone else learns nothing of it.
 */
const ownAuthorization = async (deps: Pick<PaymentDeps, 'payments'>, caller: Principal, id: string) => {
  const payment = await readablePayment(deps, caller, id);
  if (caller.role !== 'admin' && payment.sourceOwnerId !== caller.userId) {
    throw new ForbiddenError('Only the payer of a payment, or an operator, may capture or void it.');
  }
  return payment;
};

const latest = async (deps: Pick<PaymentDeps, 'payments'>, id: string): Promise<Payment> => {
  const payment = await deps.payments.findById(id);
  if (!payment) throw new NotFoundError('payment', id);
  return payment;
};

/**
 * Ends an authorization by giving back everything it held (one `release`): VOIDED, for `reason`. One transaction,
 * conditional on the payment still being AUTHORIZED, so that of a capture, a void and an expiry exactly one happens.
 */
const release = async (deps: AuthorizationDeps, payment: Payment, reason: VoidReason, now: Date): Promise<Payment> => {
  const movement = planRelease(payment);
  const heads = await deps.ledger.heads(movement.legs.map((leg) => leg.chain));
  const voided: Payment = { ...payment, status: 'VOIDED', voidReason: reason, updatedAt: now.toISOString() };
  await deps.ledger.commit({ payment: voided, from: 'AUTHORIZED' }, movement, heads, now);
  return voided;
};

/**
 * Voids an authorization at its payer's (or an operator's) request; one past its expiry is voided as `expired`. A
 * payment VOIDED already answers as it is, however it was voided; any other that is not AUTHORIZED is a 422.
 */
export const voidPayment = async (deps: AuthorizationDeps, caller: Principal, id: string): Promise<Payment> => {
  await ownAuthorization(deps, caller, id);
  const settle = async (): Promise<Payment> => {
    const payment = await latest(deps, id);
    if (payment.status === 'VOIDED') return payment;
    if (payment.status !== 'AUTHORIZED') throw new NotAuthorizedError(id, payment.status);
    const now = deps.clock();
    try {
      return await release(deps, payment, isExpired(payment, now) ? 'expired' : 'requested', now);
    } catch (error) {
      // Captured, voided or expired meanwhile: answer what it became.
      if (error instanceof StatusChangedError) return settle();
      throw error;
    }
  };
  return retryingStaleChains(settle);
};

/**
 * Voids an authorization past its expiry, as the sweeper does: true if this call voided it, false if it had already
 * left AUTHORIZED.
 */
export const expireAuthorization = async (deps: AuthorizationDeps, id: string): Promise<boolean> =>
  retryingStaleChains(async () => {
    const payment = await deps.payments.findById(id);
    const now = deps.clock();
    if (payment?.status !== 'AUTHORIZED' || !isExpired(payment, now)) return false;
    try {
      await release(deps, payment, 'expired', now);
      return true;
    } catch (error) {
      if (error instanceof StatusChangedError) return false;
      throw error;
    }
  });

export interface CaptureRequest {
  /** What to pay the destination; the authorized amount when absent. */
  amount?: number | undefined;
}

/**
 * The fee on a captured amount, by the payment's fee rule. It is never more than what the authorization holds beyond
 * the captured amount, so that a fee schedule raised since the authorization cannot make a capture pay more than was
 * held.
 */
const captureFee = (deps: Pick<PaymentDeps, 'fees'>, payment: Payment, captured: bigint): bigint => {
  const rule = payment.type === 'withdrawal' ? deps.fees.withdrawal : deps.fees.transfer;
  const fee = computeFee(rule, captured);
  const room = payment.amount + payment.fee - captured;
  return fee < room ? fee : room;
};

/**
 * What capturing `amount` of an AUTHORIZED payment moves, on the heads read now, and the payment it leaves COMPLETED.
 * Only the holds account pays, so funds never fall short; the destination may have been frozen or closed since.
 */
const plannedCapture = async (
  deps: AuthorizationDeps & Pick<PaymentDeps, 'fees'>,
  payment: Payment,
  amount: bigint,
  now: Date,
) => {
  const fee = captureFee(deps, payment, amount);
  const movement = planCapture(payment, { amount, fee });
  const heads = await deps.ledger.heads(movement.legs.map((leg) => leg.chain));
  const refused = refusal(movement.legs, heads);
  if (refused === 'account_frozen') throw new AccountFrozenError(payment.destinationAccountId);
  if (refused === 'account_closed') throw new AccountClosedError(payment.destinationAccountId);
  const at = now.toISOString();
  const captured: Payment = {
    ...payment,
    status: 'COMPLETED',
    fee,
    capturedAmount: amount,
    completedAt: at,
    updatedAt: at,
  };
  return { movement, heads, captured };
};

/**
 * Captures an authorization, all of it or part: the holds account pays the destination the captured amount and the fee
 * account the fee on it, and the rest goes back to the source. One transaction, conditional on the payment still being
 * AUTHORIZED and holding the request's Idempotency-Key claim, so that it happens once, and the same request repeated
 * answers the same capture. An authorization past its expiry is voided as `expired` instead, and the capture refused.
 */
export const capturePayment = async (
  deps: AuthorizationDeps & Pick<PaymentDeps, 'claims' | 'fees'>,
  caller: Principal,
  id: string,
  request: CaptureRequest,
  idempotencyKey?: string,
): Promise<Payment> => {
  await ownAuthorization(deps, caller, id);
  const hash = requestHash({ capture: id, ...request });
  const { key, claim } = userClaim(caller, idempotencyKey, hash);
  const answered = async () => (await earlierRequest(deps, key, hash)).payment;
  const earlier = await answered();
  if (earlier) return earlier;

  return retryingStaleChains(async () => {
    const payment = await latest(deps, id);
    if (payment.status !== 'AUTHORIZED') throw new NotAuthorizedError(id, payment.status);
    const now = deps.clock();
    if (isExpired(payment, now)) {
      await expireAuthorization(deps, id);
      throw new NotAuthorizedError(id, 'VOIDED, its authorization expired');
    }
    const amount = request.amount === undefined ? payment.amount : BigInt(request.amount);
    if (amount > payment.amount) throw new CaptureExceedsAuthorizationError(id, payment.amount);
    const { movement, heads, captured } = await plannedCapture(deps, payment, amount, now);
    const claimed = claim(id, now);
    try {
      await deps.ledger.commit(
        { payment: captured, from: 'AUTHORIZED', ...(claimed ? { claim: claimed } : {}) },
        movement,
        heads,
        now,
      );
      return captured;
    } catch (error) {
      if (!(error instanceof StatusChangedError || error instanceof ClaimTakenError)) throw error;
      // The same request, repeated at the same time, captured it first.
      const twin = await answered();
      if (twin) return twin;
      throw new NotAuthorizedError(id, (await latest(deps, id)).status);
    }
  });
};
