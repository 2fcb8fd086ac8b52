import type { Clock } from '../clock';
import { NotFoundError } from '../errors';
import { newId } from '../ids';
import type { Page, PageRequest } from '../page';
import type { SortOrder } from '../schemas/common';
import { type SortValue, sortedPage } from '../sorted-page';
import type { Principal } from '../users/model';
import type { Account, AccountStatus } from './model';
import type { AccountFilter, AccountStore } from './ports';

export interface AccountDeps {
  accounts: AccountStore;
  clock: Clock;
}

export type AccountSortField = 'createdAt' | 'balance' | 'name';

export const openWallet = async (
  { accounts, clock }: AccountDeps,
  owner: Principal,
  { currency, name }: { currency: string; name?: string | undefined },
): Promise<Account> => {
  const at = clock().toISOString();
  const account: Account = {
    id: newId('acc'),
    kind: 'user',
    purpose: 'wallet',
    ownerId: owner.userId,
    currency,
    balance: 0n,
    status: 'active',
    name: name ?? null,
    createdAt: at,
    updatedAt: at,
  };
  await accounts.insert(account);
  return account;
};

/** An account the caller may read: their own, or any for an admin. Anyone else's is a 404, never a 403. */
export const readableAccount = async ({ accounts }: AccountDeps, caller: Principal, id: string): Promise<Account> => {
  const account = await accounts.findById(id);
  if (!account || (caller.role !== 'admin' && account.ownerId !== caller.userId))
    throw new NotFoundError('account', id);
  return account;
};

const sortValue = (account: Account, field: AccountSortField): SortValue =>
  field === 'balance' ? account.balance : field === 'name' ? account.name : account.createdAt;

export const listOwnAccounts = async (
  { accounts }: AccountDeps,
  owner: Principal,
  query: {
    currency?: string | undefined;
    status?: AccountStatus | undefined;
    order: SortOrder<AccountSortField>;
  } & PageRequest,
): Promise<Page<Account>> => {
  const own = await accounts.listByOwner(owner.userId);
  const matching = own.filter(
    (account) =>
      (query.currency === undefined || account.currency === query.currency) &&
      (query.status === undefined || account.status === query.status),
  );
  return sortedPage(matching, query.order, sortValue, query);
};

export const listAllAccounts = (
  { accounts }: AccountDeps,
  filter: AccountFilter,
  page: PageRequest,
): Promise<Page<Account>> => accounts.list(filter, page);
