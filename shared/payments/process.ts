import { mayGoNegative } from '../accounts/model';
import { planLegs } from '../ledger/legs';
import { AlreadyFinalError, StaleChainError } from '../ledger/ports';
import type { PaymentDeps } from './deps';

export type ProcessOutcome = 'completed' | 'failed' | 'skipped';

// Contention on a chain (two payments planned on the same head) is retried here, with jittered exponential backoff,
// before the message goes back to the queue; each retry re-reads the heads.
const MAX_ATTEMPTS = 8;

/**
 * Applies one payment: plans its legs, reads the heads of their chains, and commits all legs and the payment's
 * new state in one transaction. A source short of `amount + fee` fails the payment and moves nothing. A payment that
 * is already final (a duplicate delivery) is left alone.
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
    const [debit] = legs;
    try {
      if (debit && !mayGoNegative(debit.accountId) && (heads.get(debit.chain)?.balance ?? 0n) + debit.amount < 0n) {
        await deps.ledger.fail(payment, 'insufficient_funds', deps.clock());
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
