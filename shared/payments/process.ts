import { mayGoNegative } from '../accounts/model';
import { type Leg, planProcessing } from '../ledger/legs';
import {
  type ChainHead,
  RefundLimitError,
  StaleChainError,
  StatusChangedError,
  type Transition,
} from '../ledger/ports';
import type { PaymentDeps } from './deps';
import { DEFAULT_HOLD_SECONDS, type FailureReason, type Payment } from './model';

export type ProcessOutcome = 'completed' | 'authorized' | 'failed' | 'skipped';

// Contention on a chain (two payments planned on the same head) is retried here, with jittered exponential backoff,
// before the message goes back to the queue (or the request answers); each retry reads everything again.
const MAX_ATTEMPTS = 8;

/** Runs `attempt` until no chain moved under it, a few times at most; each attempt must read afresh what it plans on. */
export const retryingStaleChains = async <T>(attempt: () => Promise<T>): Promise<T> => {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof StaleChainError) || tries >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** tries));
    }
  }
};

/**
 * Why the legs cannot be applied on these heads, if they cannot: a wallet that is no longer active (frozen or closed
 * since the payment was accepted) neither sends nor receives, though it may get back what it holds (a `release`), and
 * a wallet never goes below zero.
 */
export const refusal = (legs: readonly Leg[], heads: ReadonlyMap<string, ChainHead>): FailureReason | undefined => {
  for (const leg of legs) {
    const status = heads.get(leg.chain)?.status;
    if (!mayGoNegative(leg.accountId) && leg.type !== 'release' && status !== 'active') {
      return status === 'frozen' ? 'account_frozen' : 'account_closed';
    }
  }
  for (const chain of new Set(legs.map((leg) => leg.chain))) {
    const own = legs.filter((leg) => leg.chain === chain);
    const [first] = own;
    if (!first || mayGoNegative(first.accountId)) continue;
    const after = own.reduce((balance, leg) => balance + leg.amount, heads.get(chain)?.balance ?? 0n);
    if (after < 0n) return 'insufficient_funds';
  }
  return undefined;
};

/**
 * Where processing takes a payment: a manual capture's to AUTHORIZED, its hold counted from now; any other to
 * COMPLETED, a refund adding itself to its original's refunded total, within the original's amount.
 */
const processed = (payment: Payment, original: Payment | undefined, now: Date): Transition => {
  const at = now.toISOString();
  if (payment.capture === 'manual') {
    const holdMs = (payment.holdSeconds ?? DEFAULT_HOLD_SECONDS) * 1000;
    return {
      payment: {
        ...payment,
        status: 'AUTHORIZED',
        authorizedAt: at,
        authorizationExpiresAt: new Date(now.getTime() + holdMs).toISOString(),
        updatedAt: at,
      },
      from: 'INITIATED',
    };
  }
  return {
    payment: { ...payment, status: 'COMPLETED', completedAt: at, updatedAt: at },
    from: 'INITIATED',
    ...(original ? { refunds: { paymentId: original.id, amount: payment.amount, limit: original.amount } } : {}),
  };
};

/** A refund that its original can no longer take (its refunds completed up to its amount): a bug upstream if ever. */
const overRefunds = (payment: Payment, original: Payment | undefined): boolean =>
  original !== undefined && original.refundedAmount + payment.amount > original.amount;

/**
 * Applies one payment: plans what it moves, reads the heads of their chains (one batch read), and commits all legs and
 * the payment's new state in one transaction. A source short of `amount + fee`, or a wallet frozen or closed since the
 * payment was accepted, fails the payment and moves nothing. A manual capture is authorized rather than completed. A
 * payment that is no longer INITIATED (a duplicate delivery) is left alone.
 */
export const processPayment = async (
  deps: Pick<PaymentDeps, 'payments' | 'ledger' | 'clock'>,
  paymentId: string,
): Promise<ProcessOutcome> =>
  retryingStaleChains(async () => {
    const payment = await deps.payments.findById(paymentId);
    if (!payment || payment.status !== 'INITIATED') return 'skipped';
    const original = payment.refundOf === undefined ? undefined : await deps.payments.findById(payment.refundOf);
    const movement = planProcessing(payment);
    const heads = await deps.ledger.heads([...movement.legs, ...movement.tallies].map((leg) => leg.chain));
    const now = deps.clock();
    const fail = async (reason: FailureReason) => {
      await deps.ledger.fail(payment, reason, now);
      return 'failed' as const;
    };
    try {
      const reason =
        refusal(movement.legs, heads) ?? (overRefunds(payment, original) ? 'refund_exceeds_payment' : undefined);
      if (reason) return await fail(reason);
      const transition = processed(payment, original, now);
      try {
        await deps.ledger.commit(transition, movement, heads, now);
      } catch (error) {
        if (error instanceof RefundLimitError) return await fail('refund_exceeds_payment');
        throw error;
      }
      return transition.payment.status === 'AUTHORIZED' ? 'authorized' : 'completed';
    } catch (error) {
      if (error instanceof StatusChangedError) return 'skipped';
      throw error;
    }
  });
