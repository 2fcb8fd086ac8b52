import { createHash } from 'node:crypto';
import { type AccountRecord, newTechnicalAccount } from '../accounts/model';
import type { AccountStore } from '../accounts/ports';
import type { Clock } from '../clock';
import {
  AccountClosedError,
  CurrencyMismatchError,
  IdempotencyKeyReusedError,
  NoRateError,
  NotFoundError,
  SameAccountError,
  ValidationError,
} from '../errors';
import { idTime, newIdAt } from '../ids';
import { isTechnicalAccountId } from '../ledger/chains';
import { AlreadyFinalError, type Ledger, StaleChainError } from '../ledger/ports';
import { planPostings } from '../ledger/postings';
import type { Page, PageRequest } from '../page';
import type { SortOrder } from '../schemas/common';
import { readSortCursor, sortCursor, sortedPage } from '../sorted-page';
import type { Principal } from '../users/model';
import { computeFee, type FeeSchedule } from './fees';
import { MAX_AMOUNT } from '../money/amount';
import { convert, parseRate } from '../money/rates';
import type { RateStore } from '../rates/ports';
import { isVisibleTo, type Payment, type PaymentStatus, type PaymentType, type WithdrawalDestination } from './model';
import type { IdempotencyClaim, PaymentQueue, PaymentScope, PaymentStore } from './ports';

export interface PaymentDeps {
  accounts: AccountStore;
  payments: PaymentStore;
  ledger: Ledger;
  queue: PaymentQueue;
  /** Exchanges are priced at the rate in force when they are created. */
  rates: RateStore;
  fees: FeeSchedule;
  clock: Clock;
  /** Told when the queue could not take a payment: it stays INITIATED and the sweeper re-drives it. */
  onEnqueueFailure?: (paymentId: string, error: unknown) => void;
}

// Idempotency keys are kept a little past the 24 h the contract promises: TTL deletion is lazy but never early.
const IDEMPOTENCY_TTL_SECONDS = 25 * 60 * 60;

/** A hash of what the request asked for, so that a replayed key can be told from a reused one. */
export const requestHash = (body: unknown): string => {
  const canonical = JSON.stringify(body, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
};

const technicalAccountCache = new Set<string>();

/** Technical accounts are created when first needed; once seen, a warm container does not ask again. */
const ensureTechnical = async (deps: PaymentDeps, account: AccountRecord): Promise<void> => {
  if (technicalAccountCache.has(account.id)) return;
  await deps.accounts.ensure(account);
  technicalAccountCache.add(account.id);
};

const usable = (account: AccountRecord, currency: string): void => {
  if (account.currency !== currency) throw CurrencyMismatchError.notIn(account.id, currency);
  if (account.status !== 'active') throw new AccountClosedError(account.id);
};

/**
 * Stores and queues a new payment, under its idempotency claim when it has one. The claim is written first, then the
 * payment: a crash between the two leaves a claim without its payment, which the retry with the same key completes
 * (it rebuilds the same payment under the claimed id). The other order could leave a payment no key protects.
 */
const accept = async (deps: PaymentDeps, payment: Payment, claim: IdempotencyClaim | undefined): Promise<Payment> => {
  let accepted = payment;
  if (claim) {
    const holder = await deps.payments.claim({ ...claim, paymentId: payment.id });
    if (holder.requestHash !== claim.requestHash) throw new IdempotencyKeyReusedError();
    if (holder.paymentId !== payment.id) {
      const existing = await deps.payments.findById(holder.paymentId);
      if (existing) return existing;
      // The request that holds the key died before storing its payment: this one stores it, under that request's id
      // and so at that request's time.
      const at = idTime(holder.paymentId);
      accepted = { ...payment, id: holder.paymentId, createdAt: at, updatedAt: at };
    }
  }
  if (!(await deps.payments.create(accepted))) {
    // A concurrent retry with the same key stored it first.
    const existing = await deps.payments.findById(accepted.id);
    if (!existing) throw new Error(`Payment ${accepted.id} exists and does not`);
    return existing;
  }
  try {
    await deps.queue.enqueue([accepted.id]);
  } catch (error) {
    deps.onEnqueueFailure?.(accepted.id, error);
  }
  return accepted;
};

/** What an earlier request with the same key made: the payment itself, or its id if the request died before it. */
const earlierRequest = async (
  deps: PaymentDeps,
  key: string | undefined,
  hash: string,
): Promise<{ payment?: Payment; paymentId?: string }> => {
  const claim = key === undefined ? undefined : await deps.payments.findClaim(key);
  if (!claim) return {};
  if (claim.requestHash !== hash) throw new IdempotencyKeyReusedError();
  const payment = await deps.payments.findById(claim.paymentId);
  return payment ? { payment } : { paymentId: claim.paymentId };
};

export interface TransferRequest {
  type: 'transfer';
  sourceAccountId: string;
  destinationAccountId: string;
  amount: number;
  currency: string;
  description?: string | undefined;
}

export interface ExchangeRequest {
  type: 'exchange';
  sourceAccountId: string;
  destinationAccountId: string;
  /** In the source currency. */
  amount: number;
  /** The source currency, when the client states it. */
  currency?: string | undefined;
  description?: string | undefined;
}

export interface WithdrawalRequest {
  type: 'withdrawal';
  sourceAccountId: string;
  amount: number;
  currency: string;
  destination: WithdrawalDestination;
  description?: string | undefined;
}

export type PaymentRequest = TransferRequest | ExchangeRequest | WithdrawalRequest;

/** What a payment is, as its request and the accounts decide it, before it gets an id and a state. */
type Terms = Omit<Payment, 'id' | 'status' | 'createdAt' | 'updatedAt'>;

/** The caller's own account, the source of any payment a user makes. */
const ownSource = async (deps: PaymentDeps, caller: Principal, id: string): Promise<AccountRecord> => {
  const source = await deps.accounts.findById(id);
  if (!source || source.ownerId !== caller.userId) throw new NotFoundError('account', id);
  return source;
};

/** Any user's wallet may receive; a technical account is never addressed by id. */
const wallet = async (deps: PaymentDeps, id: string): Promise<AccountRecord> => {
  const account = await deps.accounts.findById(id);
  if (!account || account.kind !== 'user') throw new NotFoundError('account', id);
  return account;
};

const owners = (source: AccountRecord, destination?: AccountRecord) => ({
  ...(source.ownerId ? { sourceOwnerId: source.ownerId } : {}),
  ...(destination?.ownerId ? { destinationOwnerId: destination.ownerId } : {}),
});

const described = (request: { description?: string | undefined }) =>
  request.description === undefined ? {} : { description: request.description };

const transferTerms = async (deps: PaymentDeps, caller: Principal, request: TransferRequest, at: string) => {
  const [source, destination] = await Promise.all([
    ownSource(deps, caller, request.sourceAccountId),
    wallet(deps, request.destinationAccountId),
  ]);
  if (source.id === destination.id) throw new SameAccountError();
  usable(source, request.currency);
  usable(destination, request.currency);
  await ensureTechnical(deps, newTechnicalAccount('fees', request.currency, at));
  const amount = BigInt(request.amount);
  return {
    type: 'transfer',
    sourceAccountId: source.id,
    destinationAccountId: destination.id,
    amount,
    currency: request.currency,
    fee: computeFee(deps.fees.transfer, amount),
    ...described(request),
    ...owners(source, destination),
  } satisfies Terms;
};

/** Money out to an e-wallet: the wallet pays `tech-withdrawals-<currency>`, which mirrors what left for e-wallets. */
const withdrawalTerms = async (deps: PaymentDeps, caller: Principal, request: WithdrawalRequest, at: string) => {
  const source = await ownSource(deps, caller, request.sourceAccountId);
  usable(source, request.currency);
  const withdrawals = newTechnicalAccount('withdrawals', request.currency, at);
  await Promise.all([
    ensureTechnical(deps, withdrawals),
    ensureTechnical(deps, newTechnicalAccount('fees', request.currency, at)),
  ]);
  const amount = BigInt(request.amount);
  return {
    type: 'withdrawal',
    sourceAccountId: source.id,
    destinationAccountId: withdrawals.id,
    amount,
    currency: request.currency,
    fee: computeFee(deps.fees.withdrawal, amount),
    destination: { method: request.destination.method, reference: request.destination.reference },
    ...described(request),
    ...owners(source),
  } satisfies Terms;
};

/**
 * Money across currencies at the rate in force now: the destination is credited `floor(amount * rate)` in its own
 * minor units, and that figure and the rate are fixed on the payment, whatever the rate is when it is processed.
 */
const exchangeTerms = async (deps: PaymentDeps, caller: Principal, request: ExchangeRequest, at: string) => {
  const [source, destination] = await Promise.all([
    ownSource(deps, caller, request.sourceAccountId),
    wallet(deps, request.destinationAccountId),
  ]);
  if (source.id === destination.id) throw new SameAccountError();
  usable(source, request.currency ?? source.currency);
  if (destination.currency === source.currency) {
    throw new CurrencyMismatchError(
      `An exchange needs accounts in two currencies; both hold ${source.currency}. A transfer moves money within one.`,
    );
  }
  usable(destination, destination.currency);
  const quoted = await deps.rates.find(source.currency, destination.currency);
  if (!quoted) throw new NoRateError(source.currency, destination.currency);

  const amount = BigInt(request.amount);
  const destinationAmount = convert(amount, parseRate(quoted.rate), source.currency, destination.currency);
  if (destinationAmount < 1n || destinationAmount > BigInt(MAX_AMOUNT)) {
    const what = destinationAmount < 1n ? 'less than one minor unit' : 'more than the largest amount';
    throw new ValidationError([
      { path: 'amount', message: `converts to ${what} of ${destination.currency} at ${quoted.rate}` },
    ]);
  }
  await Promise.all(
    [
      newTechnicalAccount('fx', source.currency, at),
      newTechnicalAccount('fx', destination.currency, at),
      newTechnicalAccount('fees', source.currency, at),
    ].map((account) => ensureTechnical(deps, account)),
  );
  return {
    type: 'exchange',
    sourceAccountId: source.id,
    destinationAccountId: destination.id,
    amount,
    currency: source.currency,
    fee: computeFee(deps.fees.exchange, amount),
    destinationAmount,
    destinationCurrency: destination.currency,
    rate: quoted.rate,
    ...described(request),
    ...owners(source, destination),
  } satisfies Terms;
};

const termsOf = (deps: PaymentDeps, caller: Principal, request: PaymentRequest, at: string): Promise<Terms> => {
  switch (request.type) {
    case 'transfer':
      return transferTerms(deps, caller, request, at);
    case 'withdrawal':
      return withdrawalTerms(deps, caller, request, at);
    case 'exchange':
      return exchangeTerms(deps, caller, request, at);
  }
};

/**
 * A new payment's id and creation time, one read from the other: `createdAt` is the instant in the id, so that id order
 * is creation order. A retry that completes a crashed request keeps the id it claimed, and with it that request's time.
 */
const stamp = (deps: PaymentDeps, claimedId: string | undefined): { id: string; at: string; now: Date } => {
  const now = deps.clock();
  const id = claimedId ?? newIdAt('pay', now);
  return { id, at: idTime(id), now };
};

/**
 * A user's payment: checked at once against the accounts (and, for an exchange, priced), stored INITIATED and queued.
 * Funds are checked when it is processed. The same Idempotency-Key with the same body answers the same payment.
 */
export const createPayment = async (
  deps: PaymentDeps,
  caller: Principal,
  request: PaymentRequest,
  idempotencyKey?: string,
): Promise<Payment> => {
  const hash = requestHash(request);
  const key = idempotencyKey === undefined ? undefined : `user#${caller.userId}#${idempotencyKey}`;
  const earlier = await earlierRequest(deps, key, hash);
  if (earlier.payment) return earlier.payment;

  const { id, at, now } = stamp(deps, earlier.paymentId);
  const payment: Payment = {
    id,
    status: 'INITIATED',
    ...(await termsOf(deps, caller, request, at)),
    createdAt: at,
    updatedAt: at,
  };
  const claim =
    key === undefined
      ? undefined
      : {
          key,
          requestHash: hash,
          paymentId: payment.id,
          expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
        };
  return accept(deps, payment, claim);
};

export interface DepositRequest {
  accountId: string;
  amount: number;
  currency: string;
  reference: string;
}

/** A bank transfer that came in: `tech-bank-<CUR>` pays the wallet. The bank's reference makes it idempotent for ever. */
export const createDeposit = async (deps: PaymentDeps, request: DepositRequest): Promise<Payment> => {
  const hash = requestHash(request);
  const key = `deposit#${request.reference}`;
  const earlier = await earlierRequest(deps, key, hash);
  if (earlier.payment) return earlier.payment;

  const destination = await wallet(deps, request.accountId);
  usable(destination, request.currency);

  const { id, at } = stamp(deps, earlier.paymentId);
  const bank = newTechnicalAccount('bank', request.currency, at);
  await Promise.all([
    ensureTechnical(deps, bank),
    ensureTechnical(deps, newTechnicalAccount('fees', request.currency, at)),
  ]);
  const amount = BigInt(request.amount);
  const payment: Payment = {
    id,
    type: 'deposit',
    status: 'INITIATED',
    sourceAccountId: bank.id,
    destinationAccountId: destination.id,
    amount,
    currency: request.currency,
    fee: computeFee(deps.fees.deposit, amount),
    reference: request.reference,
    createdAt: at,
    updatedAt: at,
    ...(destination.ownerId ? { destinationOwnerId: destination.ownerId } : {}),
  };
  return accept(deps, payment, { key, requestHash: hash, paymentId: payment.id });
};

export const readablePayment = async (
  deps: Pick<PaymentDeps, 'payments'>,
  caller: Principal,
  id: string,
): Promise<Payment> => {
  const payment = await deps.payments.findById(id);
  if (!payment || !isVisibleTo(payment, caller)) throw new NotFoundError('payment', id);
  return payment;
};

export interface PaymentListQuery extends PageRequest {
  status?: PaymentStatus | undefined;
  type?: PaymentType | undefined;
  accountId?: string | undefined;
  currency?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  minAmount?: bigint | undefined;
  maxAmount?: bigint | undefined;
  order: SortOrder<'createdAt' | 'amount'>;
}

const matches =
  (query: PaymentListQuery, caller: Principal) =>
  (p: Payment): boolean =>
    isVisibleTo(p, caller) &&
    (query.status === undefined || p.status === query.status) &&
    (query.type === undefined || p.type === query.type) &&
    (query.accountId === undefined ||
      p.sourceAccountId === query.accountId ||
      p.destinationAccountId === query.accountId) &&
    (query.currency === undefined || p.currency === query.currency) &&
    (query.from === undefined || p.createdAt >= query.from) &&
    (query.to === undefined || p.createdAt <= query.to) &&
    (query.minAmount === undefined || p.amount >= query.minAmount) &&
    (query.maxAmount === undefined || p.amount <= query.maxAmount);

/**
 * A user's payments are read through the two owner indexes, an operator's through the index of all payments; a time
 * range narrows either to a key range. In creation order (the default sort), the indexes are followed in id order, a
 * chunk at a time, until the page is full: a page reads about what it shows, however long the history. Sorted by
 * amount, every payment in the range is read and sorted in memory, with keyset cursors either way.
 */
export const listPayments = async (
  deps: Pick<PaymentDeps, 'payments'>,
  caller: Principal,
  query: PaymentListQuery,
): Promise<Page<Payment>> => {
  const range = { from: query.from, to: query.to };
  const scope: PaymentScope = caller.role === 'admin' ? 'all' : { userId: caller.userId };
  if (query.order.field === 'amount') {
    const candidates =
      scope === 'all' ? await deps.payments.listAll(range) : await deps.payments.listForUser(scope.userId, range);
    return sortedPage(candidates.filter(matches(query, caller)), query.order, (p) => p.amount, query);
  }

  const after = query.cursor === undefined ? undefined : readSortCursor(query.cursor, query.order).id;
  const found: Payment[] = [];
  const read = { range, descending: query.order.descending, after, chunk: Math.min(query.limit + 1, 100) };
  for await (const chunk of deps.payments.inOrder(scope, read)) {
    found.push(...chunk.filter(matches(query, caller)));
    if (found.length > query.limit) break;
  }
  const data = found.slice(0, query.limit);
  const tail = data.at(-1);
  return {
    data,
    nextCursor: found.length > query.limit && tail ? sortCursor(query.order, tail.id, tail.createdAt) : null,
  };
};

export type ProcessOutcome = 'completed' | 'failed' | 'skipped';

// Contention on a chain (two payments planned on the same head) is retried here, with jittered exponential backoff,
// before the message goes back to the queue; each retry re-reads the heads.
const MAX_ATTEMPTS = 8;

/**
 * Applies one payment: plans its postings, reads the heads of their chains, and commits all legs and the payment's
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
    const postings = planPostings(payment);
    const heads = await deps.ledger.heads(postings.map((posting) => posting.chain));
    const [debit] = postings;
    try {
      if (
        debit &&
        !isTechnicalAccountId(debit.accountId) &&
        (heads.get(debit.chain)?.balance ?? 0n) + debit.amount < 0n
      ) {
        await deps.ledger.fail(payment, 'insufficient_funds', deps.clock());
        return 'failed';
      }
      await deps.ledger.commit(payment, postings, heads, deps.clock());
      return 'completed';
    } catch (error) {
      if (error instanceof AlreadyFinalError) return 'skipped';
      if (!(error instanceof StaleChainError) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
    }
  }
};

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
