import { mayGoNegative } from '../accounts/model';
import { type Leg, planLegs } from '../ledger/legs';
import { AlreadyFinalError, type ChainHead, StaleChainError } from '../ledger/ports';
import type { PaymentDeps } from './deps';
import type { FailureReason } from './model';

export type ProcessOutcome = 'completed' | 'failed' | 'skipped';

// Contention on a chain (two payments planned on the same head) is retried here, with jittered exponential backoff,
// before the message goes back to the queue; each retry re-reads the heads.
const MAX_ATTEMPTS = 8;

/**
 * Why the legs cannot be applied on these heads, if they cannot: a wallet that is no longer active (frozen or closed
 * since the payment was accepted) neither sends nor receives, and a wallet never goes below zero.
 */
const refusal = (legs: readonly Leg[], heads: ReadonlyMap<string, ChainHead>): FailureReason | undefined => {
  for (const leg of legs) {
    const status = heads.get(leg.chain)?.status;
    if (!mayGoNegative(leg.accountId) && status !== 'active') {
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
 * Applies one payment: plans its legs, reads the heads of their chains (one batch read), and commits all legs and the
 * payment's new state in one transaction. A source short of `amount + fee`, or a wallet frozen or closed since the
 * payment was accepted, fails the payment and moves nothing. A payment that is already final (a duplicate delivery)
 * is left alone.
 */
export const processPayment = async (
  deps: Pick<PaymentDeps, 'payments' | 'ledger' | 'clock'>,
  paymentId: string,
): Promise<ProcessOutcome> => {
  for (let attempt = 1; ; attempt++) {
    const payment = await deps.payments.findById(paymentId);
    if (!payment || payment.status !== 'INITIATED') return 'skipped';
    const legs = planLegs(payment);
    const heads = await deps.ledger.heads(legs.map((leg) => leg.chain));
    try {
      const reason = refusal(legs, heads);
      if (reason) {
        await deps.ledger.fail(payment, reason, deps.clock());
        return 'failed';
      }
      await deps.ledger.commit(payment, legs, heads, deps.clock());
      return 'completed';
    } catch (error) {
      if (error instanceof AlreadyFinalError) return 'skipped';
      if (!(error instanceof StaleChainError) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
    }
  }
};
