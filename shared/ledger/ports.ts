import type { AccountStatus } from '../accounts/model';
import type { Page } from '../page';
import type { FailureReason, Payment } from '../payments/model';
import type { Leg, OperationType } from './legs';

/** The latest state of a chain: its last sequence number and the balance after it. */
export interface ChainHead {
  seq: bigint;
  balance: bigint;
  /** What its open authorizations hold (a wallet's; 0 on other chains). */
  held: bigint;
  /** Everything ever credited to the chain, and everything ever debited from it: `balance = input - output`. */
  input: bigint;
  output: bigint;
  createdAt: string;
  /** A wallet's status, which its head carries: only an active wallet sends or receives. */
  status?: AccountStatus;
}

/** What moved on some chains within a period: how many operations, how much was credited, how much debited. */
export interface Volumes {
  count: bigint;
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

/** Thrown when the payment is no longer INITIATED: another delivery finished it. */
export class AlreadyFinalError extends Error {
  constructor(paymentId: string) {
    super(`Payment ${paymentId} is already final`);
    this.name = 'AlreadyFinalError';
  }
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

/** What writes the ledger: a payment's operations together with its new state, so the payments table too. */
export interface LedgerWriter {
  /**
   * In one transaction: the payment INITIATED → COMPLETED, and each leg appended to its chain right after the head it
   * was planned on. Rejects with StaleChainError or AlreadyFinalError and then writes nothing.
   */
  commit(payment: Payment, legs: readonly Leg[], heads: ReadonlyMap<string, ChainHead>, at: Date): Promise<void>;
  /** The payment INITIATED → FAILED, moving no money; AlreadyFinalError if it was final already. */
  fail(payment: Payment, reason: FailureReason, at: Date): Promise<void>;
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
  commit: (payment, legs, heads, at) => writer().commit(payment, legs, heads, at),
  fail: (payment, reason, at) => writer().fail(payment, reason, at),
});
