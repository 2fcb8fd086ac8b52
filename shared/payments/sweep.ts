import { StaleChainError, StatusChangedError } from '../ledger/ports';
import { expireAuthorization } from './authorizations';
import type { PaymentDeps } from './deps';

export interface SweepPolicy {
  /** An INITIATED payment older than this is sent to the queue again. */
  redriveAfterMs: number;
  /** An INITIATED payment older than this ends FAILED with `expired`. */
  expireAfterMs: number;
  /** Payments read from an index at a time. */
  batchSize: number;
  /** Pages per run of each index, so that one run stays well inside its timeout; the next run goes on. */
  maxPages?: number;
}

export interface SweepResult {
  redriven: number;
  expired: number;
  /** Authorizations past their expiry, voided as `expired`. */
  voided: number;
  oldestAgeSeconds: number;
}

type SweepDeps = Pick<PaymentDeps, 'payments' | 'ledger' | 'queue' | 'clock'>;

/** Whether a sweep lost the race for a payment to another writer: the next run looks again if it must. */
const lostRace = (error: unknown): boolean => error instanceof StatusChangedError || error instanceof StaleChainError;

/** Payments left INITIATED: re-driven, or failed as `expired` past the horizon. */
const sweepInitiated = async (deps: SweepDeps, policy: SweepPolicy, now: Date, result: SweepResult) => {
  const before = new Date(now.getTime() - policy.redriveAfterMs);
  const expireBefore = new Date(now.getTime() - policy.expireAfterMs).toISOString();
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
        if (!lostRace(error)) throw error;
      }
    }
    if (redriving.length > 0) await deps.queue.enqueue(redriving.map((p) => p.id));
    result.redriven += redriving.length;
    if (next === undefined) break;
    after = next;
  }
};

/** Authorizations past their expiry: voided as `expired`, each in one transaction that a capture or void may beat. */
const sweepAuthorized = async (deps: SweepDeps, policy: SweepPolicy, now: Date, result: SweepResult) => {
  let after: string | undefined;
  for (let page = 0; page < (policy.maxPages ?? 10); page++) {
    const { payments: expired, next } = await deps.payments.listExpiredAuthorizations(now, policy.batchSize, after);
    for (const payment of expired) {
      try {
        if (await expireAuthorization(deps, payment.id)) result.voided++;
      } catch (error) {
        if (!lostRace(error)) throw error;
      }
    }
    if (next === undefined) break;
    after = next;
  }
};

/**
 * Finds payments left INITIATED (a lost message, a failed send, a dead processor) and re-drives or expires them, and
 * voids the authorizations past their expiry. It answers the age of the oldest INITIATED payment it found (0 when none
 * is older than the re-drive age), which is alarmed on.
 */
export const sweep = async (deps: SweepDeps, policy: SweepPolicy): Promise<SweepResult> => {
  const now = deps.clock();
  const result: SweepResult = { redriven: 0, expired: 0, voided: 0, oldestAgeSeconds: 0 };
  await sweepInitiated(deps, policy, now, result);
  await sweepAuthorized(deps, policy, now, result);
  return result;
};
