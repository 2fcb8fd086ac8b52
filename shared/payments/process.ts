import { mayGoNegative } from '../accounts/model';
import { drawShards } from '../ledger/chains';
import { chainsMoved, MAX_TRANSACTION_ITEMS, transactionItems } from '../ledger/commitments';
import { type Leg, type Movement, planProcessing } from '../ledger/legs';
import {
  type ChainHead,
  type Commitment,
  CommitRefusedError,
  StaleChainError,
  StatusChangedError,
  type Transition,
} from '../ledger/ports';
import { pushNow, type PushNowDeps } from '../events/publish';
import { listConnections, servedAmong } from '../realtime/service';
import type { PaymentDeps } from './deps';
import { DEFAULT_HOLD_SECONDS, type FailureReason, type Payment, viewersOf } from './model';

export type ProcessOutcome = 'completed' | 'authorized' | 'failed' | 'skipped';

// Contention on a chain (two payments planned on the same head) is retried here, with jittered exponential backoff,
// before the message goes back to the queue (or the request answers); each retry reads everything again.
const MAX_ATTEMPTS = 8;
// The processor's first pause after a chain moved is up to 100 ms, then doubles: a hot wallet's contenders spread out
// within a few tries instead of refusing each other at once. Against a base of 10 ms, 200 concurrent transfers among
// 10 wallets took 1,400 to 1,550 transactions instead of 3,000 (most refused either way), and a fifth less time here.
const PROCESS_BACKOFF_MS = 50;

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

/** A payment to process, INITIATED when read, with its original if it is a refund. */
export interface Candidate {
  payment: Payment;
  original?: Payment;
}

/**
 * What became of one payment: its outcome and, when it moved, the payment in its new state (with `claimed` when its
 * push was claimed as it was written); or what went wrong.
 */
export type Settlement =
  | { ok: true; outcome: ProcessOutcome; payment?: Payment; claimed?: boolean }
  | { ok: false; error: unknown };

/**
 * Which payments' states processing pushes itself, claiming them on the payments as it writes them: found once, while
 * the first heads are read.
 */
export interface ProcessOptions {
  claims?: () => Promise<(payment: Payment) => boolean>;
}

const claimNone = () => false;

type ProcessDeps = Pick<PaymentDeps, 'payments' | 'ledger' | 'clock'>;

/**
 * Reads the batch's payments in one request (and the originals of its refunds in another): those still INITIATED are
 * candidates, the others (a duplicate delivery, an unknown id) are settled as skipped. A read that fails fails them
 * all, and the queue delivers them again.
 */
export const readCandidates = async (
  deps: Pick<PaymentDeps, 'payments'>,
  ids: readonly string[],
  settled: Map<string, Settlement>,
): Promise<Candidate[]> => {
  const unique = [...new Set(ids)];
  let payments: Map<string, Payment>;
  let originals: Map<string, Payment>;
  try {
    payments = await deps.payments.findMany(unique);
    const refunded = [...payments.values()].flatMap((payment) =>
      payment.status === 'INITIATED' && payment.refundOf !== undefined ? [payment.refundOf] : [],
    );
    originals = refunded.length > 0 ? await deps.payments.findMany([...new Set(refunded)]) : new Map<string, Payment>();
  } catch (error) {
    for (const id of unique) settled.set(id, { ok: false, error });
    return [];
  }
  return unique.flatMap((id): Candidate[] => {
    const payment = payments.get(id);
    if (!payment || payment.status !== 'INITIATED') {
      settled.set(id, { ok: true, outcome: 'skipped' });
      return [];
    }
    const original = payment.refundOf === undefined ? undefined : originals.get(payment.refundOf);
    return [original ? { payment, original } : { payment }];
  });
};

interface Planned {
  candidate: Candidate;
  movement: Movement;
}

/**
 * Plans the candidates on the heads, in order, each on the heads as the ones before it leave them: a payment the heads
 * refuse (`refusal`, or a refund its original can no longer take) fails and moves nothing; each other one commits.
 */
export const planTogether = (
  planned: readonly Planned[],
  heads: ReadonlyMap<string, ChainHead>,
  now: Date,
  claimPush: (payment: Payment) => boolean = claimNone,
) => {
  const running = new Map(heads);
  const fails: { candidate: Candidate; reason: FailureReason }[] = [];
  const commits: { candidate: Candidate; commitment: Commitment }[] = [];
  for (const { candidate, movement } of planned) {
    const { payment, original } = candidate;
    const reason =
      refusal(movement.legs, running) ?? (overRefunds(payment, original) ? 'refund_exceeds_payment' : undefined);
    if (reason) {
      fails.push({ candidate, reason });
      continue;
    }
    const transition = { ...processed(payment, original, now), ...(claimPush(payment) ? { claimPush: true } : {}) };
    commits.push({ candidate, commitment: { transition, movement } });
    for (const leg of [...movement.legs, ...movement.tallies]) {
      const head = running.get(leg.chain) ?? { ...EMPTY_HEAD };
      running.set(leg.chain, { ...head, balance: head.balance + leg.amount });
    }
  }
  return { fails, commits };
};

const EMPTY_HEAD: ChainHead = { seq: 0n, balance: 0n, held: 0n, input: 0n, output: 0n, credits: 0n, createdAt: '' };

/**
 * The commits of one transaction, in order: as many as fit in DynamoDB's 100 items, leaving out a refund whose
 * original another refund of the transaction updates already (a transaction writes an item once). The rest wait.
 */
export const firstTransaction = <T extends { commitment: Commitment }>(commits: readonly T[]) => {
  const taken: T[] = [];
  const waiting: T[] = [];
  const originals = new Set<string>();
  for (const commit of commits) {
    const original = commit.commitment.transition.refunds?.paymentId;
    const fits =
      waiting.length === 0 &&
      (original === undefined || !originals.has(original)) &&
      transactionItems([...taken, commit].map((c) => c.commitment)) <= MAX_TRANSACTION_ITEMS;
    if (!fits) {
      waiting.push(commit);
      continue;
    }
    if (original !== undefined) originals.add(original);
    taken.push(commit);
  }
  return { taken, waiting };
};

const failedPayment = (payment: Payment, reason: FailureReason, now: Date): Payment => ({
  ...payment,
  status: 'FAILED',
  failureReason: reason,
  updatedAt: now.toISOString(),
});

/** Fails a payment the heads refused; answers its settlement, or undefined when a chain moved and it should retry. */
const failOne = async (
  deps: ProcessDeps,
  payment: Payment,
  reason: FailureReason,
  now: Date,
  claimPush: (payment: Payment) => boolean,
): Promise<Settlement | undefined> => {
  const claimed = claimPush(payment);
  try {
    await deps.ledger.fail(payment, reason, now, claimed);
    return { ok: true, outcome: 'failed', payment: failedPayment(payment, reason, now), claimed };
  } catch (error) {
    if (error instanceof StatusChangedError) return { ok: true, outcome: 'skipped' };
    if (error instanceof StaleChainError) return undefined;
    return { ok: false, error };
  }
};

/** What one commit of several payments came to: settled payments, and those to plan again (after a pause if stale). */
const commitOnce = async (
  deps: ProcessDeps,
  commits: readonly { candidate: Candidate; commitment: Commitment }[],
  heads: ReadonlyMap<string, ChainHead>,
  now: Date,
  claimPush: (payment: Payment) => boolean,
): Promise<{ settled: [string, Settlement][]; again: Candidate[]; stale: boolean }> => {
  if (commits.length === 0) return { settled: [], again: [], stale: false };
  try {
    await deps.ledger.commitTogether(
      commits.map(({ commitment }) => commitment),
      heads,
      now,
    );
    return {
      settled: commits.map(({ commitment: { transition } }) => [
        transition.payment.id,
        {
          ok: true,
          outcome: transition.payment.status === 'AUTHORIZED' ? 'authorized' : 'completed',
          payment: transition.payment,
          claimed: transition.claimPush === true,
        },
      ]),
      again: [],
      stale: false,
    };
  } catch (error) {
    if (error instanceof StaleChainError) return { settled: [], again: commits.map((c) => c.candidate), stale: true };
    if (!(error instanceof CommitRefusedError)) {
      return {
        settled: commits.map(({ candidate }) => [candidate.payment.id, { ok: false, error }]),
        again: [],
        stale: false,
      };
    }
    // The payments refused by their own conditions are settled; the others were refused for them, and commit again.
    const settled: [string, Settlement][] = [];
    const again: Candidate[] = [];
    for (const { candidate } of commits) {
      const { id } = candidate.payment;
      if (error.statusChanged.includes(id)) settled.push([id, { ok: true, outcome: 'skipped' }]);
      else if (error.refundLimit.includes(id)) {
        const outcome = await failOne(deps, candidate.payment, 'refund_exceeds_payment', now, claimPush);
        if (outcome) settled.push([id, outcome]);
        else again.push(candidate);
      } else again.push(candidate);
    }
    return { settled, again, stale: false };
  }
};

/**
 * Processes candidates together: plans them on their heads, read in one batch, with one shard drawn per technical
 * account, fails those the heads refuse, and commits the others in one transaction (as many as fit; the rest in the
 * next round). A commit that finds a chain moved is planned again on fresh heads, with fresh shards, after a jittered
 * pause, a few times at most; a payment refused by its own condition is settled and the others commit again at once.
 */
export const processCandidates = async (
  deps: ProcessDeps,
  candidates: readonly Candidate[],
  settled: Map<string, Settlement>,
  options: ProcessOptions = {},
): Promise<void> => {
  let pending = [...candidates];
  let found: Promise<(payment: Payment) => boolean> | undefined;
  const claims = () => (found ??= options.claims?.() ?? Promise.resolve(claimNone));
  for (let stale = 0; pending.length > 0; ) {
    const pick = drawShards();
    const planned = pending.map((candidate) => ({ candidate, movement: planProcessing(candidate.payment, pick) }));
    let heads: Map<string, ChainHead>;
    let claimPush: (payment: Payment) => boolean;
    try {
      [heads, claimPush] = await Promise.all([
        deps.ledger.heads(planned.flatMap(({ movement }) => chainsMoved(movement))),
        claims(),
      ]);
    } catch (error) {
      for (const { payment } of pending) settled.set(payment.id, { ok: false, error });
      return;
    }
    const now = deps.clock();
    const { fails, commits } = planTogether(planned, heads, now, claimPush);
    const { taken, waiting } = firstTransaction(commits);
    const [failed, committed] = await Promise.all([
      Promise.all(fails.map(({ candidate, reason }) => failOne(deps, candidate.payment, reason, now, claimPush))),
      commitOnce(deps, taken, heads, now, claimPush),
    ]);
    const retryFails = fails.filter((_, index) => failed[index] === undefined).map(({ candidate }) => candidate);
    fails.forEach(({ candidate }, index) => {
      const outcome = failed[index];
      if (outcome) settled.set(candidate.payment.id, outcome);
    });
    for (const [id, outcome] of committed.settled) settled.set(id, outcome);
    pending = [...committed.again, ...retryFails, ...waiting.map(({ candidate }) => candidate)];
    if (!committed.stale && retryFails.length === 0) continue;
    stale += 1;
    if (stale >= MAX_ATTEMPTS) {
      for (const { payment } of pending) settled.set(payment.id, { ok: false, error: new StaleChainError() });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * PROCESS_BACKOFF_MS * 2 ** stale));
  }
};

/**
 * Processes a batch of payments: each INITIATED one is applied to the ledger (completed, or authorized if its capture
 * is manual) or failed (a source short of `amount + fee`, a wallet frozen or closed since it was accepted, a refund
 * its original can no longer take), moving nothing then; any other is skipped (a duplicate delivery). Answers, by id,
 * what became of each.
 */
export const processPayments = async (
  deps: ProcessDeps,
  ids: readonly string[],
  options: ProcessOptions = {},
): Promise<Map<string, Settlement>> => {
  const settled = new Map<string, Settlement>();
  await processCandidates(deps, await readCandidates(deps, ids, settled), settled, options);
  return settled;
};

/** Processes one payment (`processPayments`), throwing what kept it from being settled. */
export const processPayment = async (deps: ProcessDeps, paymentId: string): Promise<ProcessOutcome> => {
  const settlement = (await processPayments(deps, [paymentId])).get(paymentId);
  if (!settlement) return 'skipped';
  if (!settlement.ok) throw settlement.error;
  return settlement.outcome;
};

export interface ProcessorDeps extends ProcessDeps {
  push: PushNowDeps;
}

/**
 * The processor's use case: processes a batch (`processPayments`) and pushes the states it reaches at once
 * (`pushNow`) rather than leaving them to the stream. The connections of the batch's audience are listed while the
 * first heads are read: the state of a payment whose audience has one open is claimed as it is written, and pushed as
 * soon as the ledger commits (which of those connections are served is read meanwhile); any other is left to the
 * stream's notifier, which pushes to whoever connected since. A push that fails is no failure of the payment (its
 * money moved): the notifier makes it once the claim's lease is over.
 */
export const processAndPush = async (deps: ProcessorDeps, ids: readonly string[]) => {
  const settled = new Map<string, Settlement>();
  const candidates = await readCandidates(deps, ids, settled);
  const { realtime } = deps.push;
  const listed = listConnections(
    realtime,
    candidates.flatMap(({ payment }) => viewersOf(payment)),
  ).catch(() => new Map<string, string[]>());
  // Read while the ledger commits; looked up again by the push if this fails.
  const served = listed.then((found) => servedAmong(realtime, found)).catch(() => undefined);
  const claims = async () => {
    const found = await listed;
    return (payment: Payment) => viewersOf(payment).some((userId) => (found.get(userId) ?? []).length > 0);
  };
  await processCandidates(deps, candidates, settled, { claims });
  const claimed = [...settled.values()].flatMap((settlement) =>
    settlement.ok && settlement.payment && settlement.claimed ? [settlement.payment] : [],
  );
  if (claimed.length === 0) return { settled, pushes: { sent: 0, left: [] } };
  try {
    return { settled, pushes: await pushNow(deps.push, claimed, await served) };
  } catch (error) {
    return { settled, pushes: { sent: 0, left: claimed.map((payment) => payment.id), error } };
  }
};
