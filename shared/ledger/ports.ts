import type { AccountStatus } from '../accounts/model';
import type { Page } from '../page';
import type { FailureReason, Payment, PaymentStatus } from '../payments/model';
import type { IdempotencyClaim } from '../payments/ports';
import type { Movement, OperationType } from './legs';

/** The latest state of a chain: its last sequence number and the balance after it. */
export interface ChainHead {
  seq: bigint;
  balance: bigint;
  /** What its open authorizations hold (a wallet's; 0 on other chains). */
  held: bigint;
  /** Everything ever credited to the chain, and everything ever debited from it: `balance = input - output`. */
  input: bigint;
  output: bigint;
  /** How many of its operations were credits (the others, `seq - credits`, were debits). */
  credits: bigint;
  createdAt: string;
  /** A wallet's status, which its head carries: only an active wallet sends or receives. */
  status?: AccountStatus;
}

/**
 * What moved on some chains within a period: how many operations, how many of them credits, how much was credited,
 * how much debited.
 */
export interface Volumes {
  count: bigint;
  credits: bigint;
  input: bigint;
  output: bigint;
}

export interface Operation {
  id: string;
  accountId: string;
  paymentId: string;
  type: OperationType;
  amount: bigint;
  currency: string;
  balanceAfter: bigint;
  counterpartyAccountId: string;
  createdAt: string;
  chain: string;
  seq: bigint;
}

export interface OperationQuery {
  type?: OperationType | undefined;
  paymentId?: string | undefined;
  counterpartyAccountId?: string | undefined;
  /** Inclusive bounds on the signed amount. */
  minAmount?: bigint | undefined;
  maxAmount?: bigint | undefined;
  from?: string | undefined;
  to?: string | undefined;
  sort: 'createdAt' | 'amount';
  descending: boolean;
  limit: number;
  cursor?: string | undefined;
}

/** Thrown when a chain moved between reading its head and writing after it: read again and retry. */
export class StaleChainError extends Error {
  constructor() {
    super('A chain of operations moved under this payment');
    this.name = 'StaleChainError';
  }
}

/**
 * Thrown when the payment is no longer in the status a transition starts from: another delivery, request or sweep
 * moved it first.
 */
export class StatusChangedError extends Error {
  constructor(paymentId: string) {
    super(`Payment ${paymentId} has moved on from the status this transition starts from`);
    this.name = 'StatusChangedError';
  }
}

/** Thrown when a refund would take its original's refunded total past the original's amount. */
export class RefundLimitError extends Error {
  constructor(paymentId: string) {
    super(`Completing refund ${paymentId} would refund more than its original payment`);
    this.name = 'RefundLimitError';
  }
}

/** Thrown when the idempotency key of the request that asked for a transition was claimed by another request. */
export class ClaimTakenError extends Error {
  constructor(key: string) {
    super(`The idempotency key ${key} is claimed already`);
    this.name = 'ClaimTakenError';
  }
}

/**
 * Thrown when a commit of several payments together was refused by conditions of some of them (their own status, a
 * refund's room on its original, a claim), naming them: the others may be committed without them.
 */
export class CommitRefusedError extends Error {
  constructor(
    /** Payments no longer in the status their transition starts from. */
    readonly statusChanged: readonly string[],
    /** Refunds their original can no longer take. */
    readonly refundLimit: readonly string[],
    /** Payments whose request's idempotency key another request claimed. */
    readonly claimTaken: readonly string[],
  ) {
    super(
      `A commit was refused by its payments' own conditions: ${[...statusChanged, ...refundLimit, ...claimTaken].join(', ')}`,
    );
    this.name = 'CommitRefusedError';
  }
}

/** A payment's move from one status to the next, with what the move writes besides its movement. */
export interface Transition {
  /** The payment as the transition leaves it: its new status, and the fields that come with it. */
  payment: Payment;
  /** The status it must still be in: the transition happens once, for whoever finds it there first. */
  from: PaymentStatus;
  /**
   * The writer pushes the state it reaches itself, at once, and claims it on the payment (`pushClaim`, in the same
   * write): the stream's notifier then waits for that push rather than making its own.
   */
  claimPush?: boolean;
  /** The idempotency claim of the request that asked for it (a capture's), written with it or not at all. */
  claim?: IdempotencyClaim;
  /** A refund's original, whose `refundedAmount` grows by `amount`, on condition that it stays within `limit`. */
  refunds?: { paymentId: string; amount: bigint; limit: bigint };
}

/** What reads the ledger: the chains' heads, and the operations table. */
export interface LedgerReader {
  heads(chains: readonly string[]): Promise<Map<string, ChainHead>>;
  operations(accountId: string, chains: readonly string[], query: OperationQuery): Promise<Page<Operation>>;
  /** The balance right after the last operation at or before `at`, summed over the chains. */
  balanceAt(chains: readonly string[], at: string): Promise<bigint>;
  /** The volumes of the operations with `from <= createdAt < to`, summed over the chains. */
  volumesBetween(chains: readonly string[], from: string, to: string): Promise<Volumes>;
}

/** One payment's share of a commit: its transition and what it moves. */
export interface Commitment {
  transition: Transition;
  movement: Movement;
}

/** What writes the ledger: a payment's operations together with its new state, so the payments table too. */
export interface LedgerWriter {
  /**
   * In one transaction: the payment's transition, each leg (and tally entry) appended to its chain right after the
   * head it was planned on, and what wallets hold changed. Rejects with StaleChainError, StatusChangedError,
   * RefundLimitError or ClaimTakenError and then writes nothing.
   */
  commit(transition: Transition, movement: Movement, heads: ReadonlyMap<string, ChainHead>, at: Date): Promise<void>;
  /**
   * Several payments' commits in one transaction, all planned on the same heads, in order: on a chain two of them
   * share, the later one's legs follow the earlier one's (consecutive sequence numbers), so the transaction moves each
   * head once. At most `MAX_TRANSACTION_ITEMS` items (`transactionItems`). Rejects with StaleChainError, or
   * CommitRefusedError naming the payments refused by their own conditions, and then writes nothing.
   */
  commitTogether(commitments: readonly Commitment[], heads: ReadonlyMap<string, ChainHead>, at: Date): Promise<void>;
  /**
   * The payment INITIATED → FAILED, moving no money (a refund gives back what it reserved of its original);
   * StatusChangedError if it had left INITIATED. With `claimPush`, the failure's push is claimed as a transition's is.
   */
  fail(payment: Payment, reason: FailureReason, at: Date, claimPush?: boolean): Promise<void>;
}

export interface Ledger extends LedgerReader, LedgerWriter {}

/**
 * One ledger of its two halves, each asked for when one of its methods is first called: a function that only reads
 * never makes the writer, and so is never bound to the tables only the writer needs.
 */
export const joinLedger = (reader: () => LedgerReader, writer: () => LedgerWriter): Ledger => ({
  heads: (chains) => reader().heads(chains),
  operations: (accountId, chains, query) => reader().operations(accountId, chains, query),
  balanceAt: (chains, at) => reader().balanceAt(chains, at),
  volumesBetween: (chains, from, to) => reader().volumesBetween(chains, from, to),
  commit: (transition, movement, heads, at) => writer().commit(transition, movement, heads, at),
  commitTogether: (commitments, heads, at) => writer().commitTogether(commitments, heads, at),
  fail: (payment, reason, at, claimPush) => writer().fail(payment, reason, at, claimPush),
});
