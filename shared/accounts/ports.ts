import type { Metadata, MetadataFilter } from '../metadata';
import type { AccountKind, AccountRecord, AccountStatus, Holdings, Purpose, TechnicalPurpose } from './model';

/** The filters of an account list that the records themselves answer (balances are the ledger's). */
export interface AccountFilter {
  kind?: AccountKind | undefined;
  purpose?: Purpose | undefined;
  currency?: string | undefined;
  ownerId?: string | undefined;
  status?: AccountStatus | undefined;
  /** A prefix of the name, case-sensitive. */
  name?: string | undefined;
  /** Inclusive bounds on `createdAt`. */
  from?: string | undefined;
  to?: string | undefined;
  metadata?: MetadataFilter | undefined;
}

/** How far one request walks a list: in which direction, after which key, reading at most `budget` records. */
export interface AccountWalk {
  descending: boolean;
  /** The key the walk resumes after: the `createdAt`-ordered key `walkKey` gives. */
  after?: string | undefined;
  budget: number;
}

/** What an owner may change on an account: `metadata` is the whole new set. */
export interface AccountChanges {
  name?: string | null | undefined;
  metadata?: Metadata | undefined;
}

/** The outcome of a conditional change: the account as written, or as found when the condition did not hold. */
export type Conditional = { done: true; account: AccountRecord } | { done: false; account: AccountRecord | undefined };

export interface AccountStore {
  insert(account: AccountRecord): Promise<void>;
  /**
   * Opens a user's account unless the user already holds `cap` accounts that are not closed: `false`, and nothing
   * written, at the cap. Concurrent openings never go past it.
   */
  open(account: AccountRecord & { ownerId: string }, cap: number): Promise<boolean>;
  /** Creates the account unless one with its id exists; answers the stored one either way. */
  ensure(account: AccountRecord): Promise<AccountRecord>;
  findById(id: string): Promise<AccountRecord | undefined>;
  /** The accounts of these ids that exist, by id, read together. */
  findMany(ids: readonly string[]): Promise<Map<string, AccountRecord>>;
  /** Every account a user owns, oldest first: at most the cap open, and those they closed. */
  listByOwner(ownerId: string): Promise<AccountRecord[]>;
  /**
   * Accounts in `createdAt` order (then id) matching the filter's record fields, reading at most `walk.budget` of
   * them; `next` is the key to resume after when the walk stopped before the end.
   */
  walk(filter: AccountFilter, walk: AccountWalk): Promise<{ accounts: AccountRecord[]; next: string | null }>;
  /** The key `walk` resumes after, for the last account of a page walked with this filter. */
  walkKey(account: AccountRecord, filter: AccountFilter): string;
  /** Applies `changes` to the account as read, if it is still as read (same `updatedAt`) and not closed. */
  update(current: AccountRecord, changes: AccountChanges, at: string): Promise<Conditional>;
  /** Sets the status if the account's current one is among `from`. */
  setStatus(id: string, status: 'active' | 'frozen', from: readonly AccountStatus[], at: string): Promise<Conditional>;
  /** Closes a user's account if it holds nothing (balance and held both 0) and is not closed yet. */
  close(account: AccountRecord & { ownerId: string }, at: string): Promise<Conditional>;
  /** Every technical account: the purposes and currencies the gateway has booked money in. */
  technical(): Promise<{ id: string; purpose: TechnicalPurpose; currency: string }[]>;
}

/** What accounts hold, read from the heads of their chains of operations. */
export interface BalanceReader {
  holdingsOf(accounts: readonly AccountRecord[]): Promise<Map<string, Holdings>>;
}
