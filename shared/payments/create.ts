import { createHash } from 'node:crypto';
import { type AccountRecord, newTechnicalAccount } from '../accounts/model';
import {
  AccountClosedError,
  AccountFrozenError,
  CurrencyMismatchError,
  IdempotencyKeyReusedError,
  NoRateError,
  NotFoundError,
  SameAccountError,
  ValidationError,
} from '../errors';
import { idTime, newIdAt } from '../ids';
import type { Metadata } from '../metadata';
import { MAX_AMOUNT } from '../money/amount';
import { convert, parseRate } from '../money/rates';
import type { Principal } from '../users/model';
import type { PaymentDeps } from './deps';
import { computeFee } from './fees';
import { type CaptureMode, DEFAULT_HOLD_SECONDS, type Payment, type WithdrawalDestination } from './model';
import type { IdempotencyClaim } from './ports';

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

/** The claim of a user's Idempotency-Key: scoped to the user, kept a little past the 24 h the contract promises. */
export const userClaim = (
  caller: Principal,
  idempotencyKey: string | undefined,
  hash: string,
): { key?: string; claim: (paymentId: string, now: Date) => IdempotencyClaim | undefined } => {
  const key = idempotencyKey === undefined ? undefined : `user#${caller.userId}#${idempotencyKey}`;
  return {
    ...(key === undefined ? {} : { key }),
    claim: (paymentId, now) =>
      key === undefined
        ? undefined
        : { key, requestHash: hash, paymentId, expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS },
  };
};

const technicalAccountCache = new Set<string>();

/** Technical accounts are created when first needed; once seen, a warm container does not ask again. */
const ensureTechnical = async (deps: PaymentDeps, account: AccountRecord): Promise<void> => {
  if (technicalAccountCache.has(account.id)) return;
  await deps.accounts.ensure(account);
  technicalAccountCache.add(account.id);
};

export const usable = (account: AccountRecord, currency: string): void => {
  if (account.currency !== currency) throw CurrencyMismatchError.notIn(account.id, currency);
  if (account.status === 'frozen') throw new AccountFrozenError(account.id);
  if (account.status !== 'active') throw new AccountClosedError(account.id);
};

/**
 * Stores and queues a new payment, under its idempotency claim when it has one. The claim is written first, then the
 * payment: a crash between the two leaves a claim without its payment, which the retry with the same key completes
 * (it rebuilds the same payment under the claimed id). The other order could leave a payment no key protects.
 */
export const accept = async (
  deps: PaymentDeps,
  payment: Payment,
  claim: IdempotencyClaim | undefined,
  store: (payment: Payment) => Promise<{ created: boolean; payment: Payment }> = (p) => deps.payments.create(p),
): Promise<Payment> => {
  let accepted = payment;
  if (claim) {
    const holder = await deps.claims.claim({ ...claim, paymentId: payment.id });
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
  const stored = await store(accepted);
  // A concurrent retry with the same key stored it first.
  if (!stored.created) return stored.payment;
  try {
    await deps.queue.enqueue([accepted.id]);
  } catch (error) {
    deps.onEnqueueFailure?.(accepted.id, error);
  }
  return accepted;
};

/** What an earlier request with the same key made: the payment itself, or its id if the request died before it. */
export const earlierRequest = async (
  deps: Pick<PaymentDeps, 'claims' | 'payments'>,
  key: string | undefined,
  hash: string,
): Promise<{ payment?: Payment; paymentId?: string }> => {
  const claim = key === undefined ? undefined : await deps.claims.find(key);
  if (!claim) return {};
  if (claim.requestHash !== hash) throw new IdempotencyKeyReusedError();
  const payment = await deps.payments.findById(claim.paymentId);
  return payment ? { payment } : { paymentId: claim.paymentId };
};

/** How a transfer or withdrawal is captured: at once, or authorized and then captured or voided. */
export interface CaptureRequest {
  capture?: CaptureMode | undefined;
  /** How long a manual capture's authorization holds, in seconds. */
  holdSeconds?: number | undefined;
}

export interface TransferRequest extends CaptureRequest {
  type: 'transfer';
  sourceAccountId: string;
  destinationAccountId: string;
  amount: number;
  currency: string;
  description?: string | undefined;
  metadata?: Metadata | undefined;
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
  metadata?: Metadata | undefined;
}

export interface WithdrawalRequest extends CaptureRequest {
  type: 'withdrawal';
  sourceAccountId: string;
  amount: number;
  currency: string;
  destination: WithdrawalDestination;
  description?: string | undefined;
  metadata?: Metadata | undefined;
}

export type PaymentRequest = TransferRequest | ExchangeRequest | WithdrawalRequest;

/** What a payment is, as its request and the accounts decide it, before it gets an id and a state. */
type Terms = Omit<Payment, 'id' | 'status' | 'createdAt' | 'updatedAt' | 'refundedAmount' | 'refundsReserved'>;

/** A manual capture's terms, its holds account opened on first use. */
const captureTerms = async (deps: PaymentDeps, request: CaptureRequest, currency: string, at: string) => {
  if (request.capture !== 'manual') return { capture: 'automatic' as const };
  await ensureTechnical(deps, newTechnicalAccount('holds', currency, at));
  return { capture: 'manual' as const, holdSeconds: request.holdSeconds ?? DEFAULT_HOLD_SECONDS };
};

/** The caller's own account, the source of any payment a user makes. */
const asOwnSource = (caller: Principal, id: string, source: AccountRecord | undefined): AccountRecord => {
  if (!source || source.ownerId !== caller.userId) throw new NotFoundError('account', id);
  return source;
};

const ownSource = async (deps: PaymentDeps, caller: Principal, id: string): Promise<AccountRecord> =>
  asOwnSource(caller, id, await deps.accounts.findById(id));

/** Any user's wallet may receive; a technical account is never addressed by id. */
const asWallet = (id: string, account: AccountRecord | undefined): AccountRecord => {
  if (!account || account.kind !== 'user') throw new NotFoundError('account', id);
  return account;
};

const wallet = async (deps: PaymentDeps, id: string): Promise<AccountRecord> =>
  asWallet(id, await deps.accounts.findById(id));

/** The caller's source and the wallet it pays, read together. */
const sourceAndWallet = async (deps: PaymentDeps, caller: Principal, sourceId: string, destinationId: string) => {
  const found = await deps.accounts.findMany([sourceId, destinationId]);
  return [
    asOwnSource(caller, sourceId, found.get(sourceId)),
    asWallet(destinationId, found.get(destinationId)),
  ] as const;
};

export const owners = (source: AccountRecord, destination?: AccountRecord) => ({
  ...(source.ownerId ? { sourceOwnerId: source.ownerId } : {}),
  ...(destination?.ownerId ? { destinationOwnerId: destination.ownerId } : {}),
});

export const described = (request: { description?: string | undefined; metadata?: Metadata | undefined }) => ({
  ...(request.description === undefined ? {} : { description: request.description }),
  // No metadata and empty metadata are one thing: nothing is stored, and `{}` is shown.
  ...(request.metadata === undefined || Object.keys(request.metadata).length === 0
    ? {}
    : { metadata: { ...request.metadata } }),
});

const transferTerms = async (deps: PaymentDeps, caller: Principal, request: TransferRequest, at: string) => {
  const [source, destination] = await sourceAndWallet(
    deps,
    caller,
    request.sourceAccountId,
    request.destinationAccountId,
  );
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
    ...(await captureTerms(deps, request, request.currency, at)),
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
    ...(await captureTerms(deps, request, request.currency, at)),
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
  const [source, destination] = await sourceAndWallet(
    deps,
    caller,
    request.sourceAccountId,
    request.destinationAccountId,
  );
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
    capture: 'automatic',
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
export const stamp = (deps: PaymentDeps, claimedId: string | undefined): { id: string; at: string; now: Date } => {
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
  const { key, claim } = userClaim(caller, idempotencyKey, hash);
  // The earlier request with the key is looked for while the accounts are read: a replay answers what that request
  // made, whatever the accounts say now, and a new request waits for one round trip, not two.
  const [earlier, terms] = await Promise.allSettled([
    earlierRequest(deps, key, hash),
    termsOf(deps, caller, request, deps.clock().toISOString()),
  ]);
  if (earlier.status === 'rejected') throw earlier.reason;
  if (earlier.value.payment) return earlier.value.payment;
  if (terms.status === 'rejected') throw terms.reason;

  const { id, at, now } = stamp(deps, earlier.value.paymentId);
  const payment: Payment = {
    id,
    status: 'INITIATED',
    ...terms.value,
    refundedAmount: 0n,
    refundsReserved: 0n,
    createdAt: at,
    updatedAt: at,
  };
  return accept(deps, payment, claim(payment.id, now));
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
    capture: 'automatic',
    refundedAmount: 0n,
    refundsReserved: 0n,
    reference: request.reference,
    createdAt: at,
    updatedAt: at,
    ...(destination.ownerId ? { destinationOwnerId: destination.ownerId } : {}),
  };
  return accept(deps, payment, { key, requestHash: hash, paymentId: payment.id });
};
