import type { Clock } from '../clock';
import { NotFoundError } from '../errors';
import { newId } from '../ids';
import type { Page, PageRequest } from '../page';
import type { SortOrder } from '../schemas/common';
import { type SortValue, sortedPage } from '../sorted-page';
import type { Principal } from '../users/model';
import type { Account, AccountRecord, AccountStatus } from './model';
import type { AccountFilter, AccountStore, BalanceReader } from './ports';

export interface AccountDeps {
  accounts: AccountStore;
  balances: BalanceReader;
  clock: Clock;
}

export type AccountSortField = 'createdAt' | 'balance' | 'name';

const withBalances = async (balances: BalanceReader, records: readonly AccountRecord[]): Promise<Account[]> => {
  const byId = await balances.holdingsOf(records);
  return records.map((record) => ({ ...record, ...(byId.get(record.id) ?? { balance: 0n, held: 0n }) }));
};

export const openWallet = async (
  { accounts, clock }: Pick<AccountDeps, 'accounts' | 'clock'>,
  owner: Principal,
  { currency, name }: { currency: string; name?: string | undefined },
): Promise<Account> => {
  const at = clock().toISOString();
  const record: AccountRecord = {
    id: newId('acc'),
    kind: 'user',
    purpose: 'wallet',
    ownerId: owner.userId,
    currency,
    status: 'active',
    name: name ?? null,
    createdAt: at,
    updatedAt: at,
  };
  await accounts.insert(record);
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

const sortValue = (account: Account, field: AccountSortField): SortValue =>
  field === 'balance' ? account.balance : field === 'name' ? account.name : account.createdAt;

export const listOwnAccounts = async (
  { accounts, balances }: AccountDeps,
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
  // Balances only matter to the order when sorting by balance; otherwise read them for the page alone.
  if (query.order.field === 'balance')
    return sortedPage(await withBalances(balances, matching), query.order, sortValue, query);
  const page = sortedPage(
    matching,
    query.order as SortOrder<'createdAt' | 'name'>,
    (a, f) => (f === 'name' ? a.name : a.createdAt),
    query,
  );
  return { data: await withBalances(balances, page.data), nextCursor: page.nextCursor };
};

export const listAllAccounts = async (
  { accounts, balances }: AccountDeps,
  filter: AccountFilter,
  page: PageRequest,
): Promise<Page<Account>> => {
  const records = await accounts.list(filter, page);
  return { data: await withBalances(balances, records.data), nextCursor: records.nextCursor };
};
