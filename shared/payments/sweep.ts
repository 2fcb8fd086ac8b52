import { AlreadyFinalError } from '../ledger/ports';
import type { PaymentDeps } from './deps';

export interface SweepPolicy {
  /** An INITIATED payment older than this is sent to the queue again. */
  redriveAfterMs: number;
  /** An INITIATED payment older than this ends FAILED with `expired`. */
  expireAfterMs: number;
  /** Payments read from the index at a time. */
  batchSize: number;
  /** Pages per run, so that one run stays well inside its timeout; the next run goes on. */
  maxPages?: number;
}

/**
 * Finds payments left INITIATED (a lost message, a failed send, a dead processor) and re-drives or expires them. It
 * answers the age of the oldest one it found (0 when none is older than the re-drive age), which is alarmed on.
 */
export const sweep = async (
  deps: Pick<PaymentDeps, 'payments' | 'ledger' | 'queue' | 'clock'>,
  policy: SweepPolicy,
): Promise<{ redriven: number; expired: number; oldestAgeSeconds: number }> => {
  const now = deps.clock();
  const before = new Date(now.getTime() - policy.redriveAfterMs);
  const expireBefore = new Date(now.getTime() - policy.expireAfterMs).toISOString();
  const result = { redriven: 0, expired: 0, oldestAgeSeconds: 0 };
  let after: string | undefined;
  for (let page = 0; page < (policy.maxPages ?? 10); page++) {
    const { payments: stale, next } = await deps.payments.listPending(before, policy.batchSize, after);
    // Oldest first: the first stale payment of the first page is the oldest one left INITIATED.
    const oldest = page === 0 ? stale[0] : undefined;
    if (oldest) result.oldestAgeSeconds = Math.floor((now.getTime() - Date.parse(oldest.createdAt)) / 1000);
    const expiring = stale.filter((p) => p.createdAt < expireBefore);
    const redriving = stale.filter((p) => p.createdAt >= expireBefore);
    for (const payment of expiring) {
      try {
        await deps.ledger.fail(payment, 'expired', now);
        result.expired++;
      } catch (error) {
        if (!(error instanceof AlreadyFinalError)) throw error;
      }
    }
    if (redriving.length > 0) await deps.queue.enqueue(redriving.map((p) => p.id));
    result.redriven += redriving.length;
    if (next === undefined) break;
    after = next;
  }
  return result;
};
