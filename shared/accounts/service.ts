import * as z from 'zod/mini';
import { decodeCursor, encodeCursor } from '../adapters/cursor';
import type { Clock } from '../clock';
import {
  AccountClosedError,
  AccountNotEmptyError,
  ForbiddenError,
  LimitReachedError,
  NotFoundError,
  ValidationError,
} from '../errors';
import { newIdAt } from '../ids';
import { METADATA_MAX_KEYS, type Metadata } from '../metadata';
import type { Page, PageRequest } from '../page';
import type { SortOrder } from '../schemas/common';
import { type SortValue, sortedPage } from '../sorted-page';
import type { Principal } from '../users/model';
import { type Account, type AccountRecord, type AccountSortField, MAX_OPEN_ACCOUNTS } from './model';
import type { AccountFilter, AccountStore, BalanceReader } from './ports';

export interface AccountDeps {
  accounts: AccountStore;
  balances: BalanceReader;
  clock: Clock;
}

/** A list's filters: the records' own, and inclusive bounds on the balance. */
export interface AccountQuery extends AccountFilter {
  minBalance?: bigint | undefined;
  maxBalance?: bigint | undefined;
  order: SortOrder<AccountSortField>;
}

/** Accounts read at most by one request of a list; a selective filter answers a short page past it. */
export const ACCOUNT_READ_BUDGET = 1_000;
// The index is walked this many accounts at a time, each batch read in full only where the filters keep it.
const WALK_CHUNK = 100;

const withBalances = async (balances: BalanceReader, records: readonly AccountRecord[]): Promise<Account[]> => {
  const byId = await balances.holdingsOf(records);
  return records.map((record) => ({ ...record, ...(byId.get(record.id) ?? { balance: 0n, held: 0n }) }));
};

export const openWallet = async (
  { accounts, clock }: Pick<AccountDeps, 'accounts' | 'clock'>,
  owner: Principal,
  { currency, name, metadata }: { currency: string; name?: string | undefined; metadata?: Metadata | undefined },
): Promise<Account> => {
  const now = clock();
  const at = now.toISOString();
  const record = {
    // The id's instant is `createdAt`: id order is creation order.
    id: newIdAt('acc', now),
    kind: 'user',
    purpose: 'wallet',
    ownerId: owner.userId,
    currency,
    status: 'active',
    name: name ?? null,
    metadata: metadata ?? {},
    createdAt: at,
    updatedAt: at,
  } as const satisfies AccountRecord;
  if (!(await accounts.open(record, MAX_OPEN_ACCOUNTS))) {
    throw new LimitReachedError(
      `A user holds at most ${MAX_OPEN_ACCOUNTS} accounts that are not closed; close one before opening another.`,
    );
  }
  return { ...record, balance: 0n, held: 0n };
};

/** An account the caller may read: their own, or any for an admin. Anyone else's is a 404, never a 403. */
export const readableAccountRecord = async (
  { accounts }: Pick<AccountDeps, 'accounts'>,
  caller: Principal,
  id: string,
): Promise<AccountRecord> => {
  const account = await accounts.findById(id);
  if (!account || (caller.role !== 'admin' && account.ownerId !== caller.userId))
    throw new NotFoundError('account', id);
  return account;
};

export const readableAccount = async (deps: AccountDeps, caller: Principal, id: string): Promise<Account> => {
  const [account] = await withBalances(deps.balances, [await readableAccountRecord(deps, caller, id)]);
  if (!account) throw new NotFoundError('account', id);
  return account;
};

/**
 * A user's account the caller may change: the owner's; an admin, who may read any account, is refused with a 403
 * where the change is the owner's alone (`ownerOnly`) and on technical accounts, which the gateway itself runs.
 */
const changeableAccount = async (
  deps: AccountDeps,
  caller: Principal,
  id: string,
  ownerOnly: boolean,
): Promise<AccountRecord & { ownerId: string }> => {
  const account = await readableAccountRecord(deps, caller, id);
  if (account.ownerId === null) throw new ForbiddenError('Technical accounts are run by the gateway itself.');
  if (ownerOnly && account.ownerId !== caller.userId) throw new ForbiddenError('Only the owner changes an account.');
  return account as AccountRecord & { ownerId: string };
};

const withHoldings = async (deps: AccountDeps, record: AccountRecord | undefined, id: string): Promise<Account> => {
  if (!record) throw new NotFoundError('account', id);
  const [account] = await withBalances(deps.balances, [record]);
  if (!account) throw new NotFoundError('account', id);
  return account;
};

/** `metadata` keys set to null are removed, the others merged; the result keeps the limit on keys. */
const mergeMetadata = (current: Metadata, patch: Readonly<Record<string, string | null>>): Metadata => {
  const merged = Object.fromEntries(
    [...Object.entries(current), ...Object.entries(patch)].filter(([key]) => patch[key] !== null),
  ) as Record<string, string>;
  if (Object.keys(merged).length > METADATA_MAX_KEYS) {
    throw new ValidationError([
      { path: 'metadata', message: `would hold more than ${METADATA_MAX_KEYS} keys once merged` },
    ]);
  }
  return merged;
};

// A change made between the read and the write of an update is read again this many times.
const UPDATE_ATTEMPTS = 5;

export const updateAccount = async (
  deps: AccountDeps,
  caller: Principal,
  id: string,
  patch: { name?: string | null | undefined; metadata?: Readonly<Record<string, string | null>> | undefined },
): Promise<Account> => {
  let account = await changeableAccount(deps, caller, id, true);
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    if (account.status === 'closed') throw new AccountClosedError(id);
    const changes = {
      name: patch.name,
      metadata: patch.metadata === undefined ? undefined : mergeMetadata(account.metadata, patch.metadata),
    };
    const outcome = await deps.accounts.update(account, changes, deps.clock().toISOString());
    if (outcome.done) return withHoldings(deps, outcome.account, id);
    if (!outcome.account) throw new NotFoundError('account', id);
    account = outcome.account as AccountRecord & { ownerId: string };
  }
  throw new AccountChangingError(id);
};

/** An account changed under every attempt of an update: rare enough to answer as a conflict to retry. */
class AccountChangingError extends ValidationError {
  constructor(id: string) {
    super([{ path: 'id', message: `account '${id}' changed while being updated; send the request again` }]);
  }
}

/** Closes an empty account; closing it again answers the closed account. */
export const closeAccount = async (deps: AccountDeps, caller: Principal, id: string): Promise<Account> => {
  const account = await changeableAccount(deps, caller, id, false);
  if (account.status === 'closed') return withHoldings(deps, account, id);
  const outcome = await deps.accounts.close(account, deps.clock().toISOString());
  if (outcome.done || outcome.account?.status === 'closed') return withHoldings(deps, outcome.account, id);
  throw new AccountNotEmptyError(id);
};

/** Freezes (or unfreezes) a user's account; doing it again answers the account as it is. */
export const setFrozen = async (
  deps: AccountDeps,
  caller: Principal,
  id: string,
  frozen: boolean,
): Promise<Account> => {
  await changeableAccount(deps, caller, id, false);
  const outcome = await deps.accounts.setStatus(
    id,
    frozen ? 'frozen' : 'active',
    ['active', 'frozen'],
    deps.clock().toISOString(),
  );
  if (outcome.done) return withHoldings(deps, outcome.account, id);
  if (outcome.account?.status === 'closed') throw new AccountClosedError(id);
  throw new NotFoundError('account', id);
};

const sortValue = (account: Account, field: AccountSortField): SortValue =>
  field === 'balance' ? account.balance : field === 'createdAt' ? account.createdAt : account[field];

/** Whether an account passes every filter of a list. */
const passes = (account: Account, query: AccountQuery): boolean =>
  (query.kind === undefined || account.kind === query.kind) &&
  (query.purpose === undefined || account.purpose === query.purpose) &&
  (query.currency === undefined || account.currency === query.currency) &&
  (query.ownerId === undefined || account.ownerId === query.ownerId) &&
  (query.status === undefined || account.status === query.status) &&
  (query.name === undefined || (account.name ?? '').startsWith(query.name)) &&
  (query.from === undefined || account.createdAt >= query.from) &&
  (query.to === undefined || account.createdAt <= query.to) &&
  (query.minBalance === undefined || account.balance >= query.minBalance) &&
  (query.maxBalance === undefined || account.balance <= query.maxBalance) &&
  (query.metadata === undefined || account.metadata[query.metadata.key] === query.metadata.value);

/** The accounts of one owner, every filter and order answered in memory: an owner holds a bounded number. */
const ownersPage = async (deps: AccountDeps, ownerId: string, query: AccountQuery, page: PageRequest) => {
  const own = await withBalances(deps.balances, await deps.accounts.listByOwner(ownerId));
  return sortedPage(
    own.filter((account) => passes(account, query)),
    query.order,
    sortValue,
    page,
  );
};

export const listOwnAccounts = (
  deps: AccountDeps,
  owner: Principal,
  query: Omit<AccountQuery, 'kind' | 'ownerId'>,
  page: PageRequest,
): Promise<Page<Account>> => ownersPage(deps, owner.userId, { ...query, ownerId: owner.userId }, page);

const walkCursor = z.object({ after: z.string().check(z.minLength(1), z.maxLength(300)) });

/**
 * Any accounts, for operators. One owner's are answered in memory; otherwise the list walks every account in
 * creation order, `ACCOUNT_READ_BUDGET` at most per request, and may answer a short page with a cursor. Another order
 * (balance, name, currency) sorts in memory what the filters leave, which must then be at most that many accounts.
 */
export const listAllAccounts = async (
  deps: AccountDeps,
  query: AccountQuery,
  page: PageRequest,
): Promise<Page<Account>> => {
  if (query.ownerId !== undefined) return ownersPage(deps, query.ownerId, query, page);
  if (query.order.field !== 'createdAt') {
    const { data, next } = await walkAccounts(deps, query, undefined, Number.POSITIVE_INFINITY);
    if (next !== null) {
      throw new ValidationError([
        {
          path: 'sort',
          message:
            `sorting by ${query.order.field} orders at most ${ACCOUNT_READ_BUDGET} accounts: narrow the list with ` +
            'kind, purpose, currency, ownerId, status, name, from, to or metadata, or sort by createdAt',
        },
      ]);
    }
    return sortedPage(data, query.order, sortValue, page);
  }
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, walkCursor).after;
  const { data, next } = await walkAccounts(deps, query, after, page.limit);
  return { data, nextCursor: next === null ? null : encodeCursor({ after: next }) };
};

/** Walks the accounts in creation order after `after`, keeping up to `limit` that pass, within the read budget. */
const walkAccounts = async (deps: AccountDeps, query: AccountQuery, after: string | undefined, limit: number) => {
  const data: Account[] = [];
  let resume = after;
  for (let read = 0; read < ACCOUNT_READ_BUDGET; read += WALK_CHUNK) {
    const walked = await deps.accounts.walk(query, {
      descending: query.order.descending,
      after: resume,
      budget: WALK_CHUNK,
    });
    for (const account of await withBalances(deps.balances, walked.accounts)) {
      if (!passes(account, query)) continue;
      const last = data.at(-1);
      if (data.length === limit && last) return { data, next: deps.accounts.walkKey(last, query) };
      data.push(account);
    }
    if (walked.next === null) return { data, next: null };
    resume = walked.next;
  }
  return { data, next: resume ?? null };
};
