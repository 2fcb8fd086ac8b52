import type { Page, PageRequest } from '../page';
import type { Account, AccountKind, AccountStatus, Purpose } from './model';

export interface AccountFilter {
  kind?: AccountKind | undefined;
  purpose?: Purpose | undefined;
  currency?: string | undefined;
  ownerId?: string | undefined;
  status?: AccountStatus | undefined;
}

export interface AccountStore {
  insert(account: Account): Promise<void>;
  /** Creates the account unless one with its id exists; answers the stored one either way. */
  ensure(account: Account): Promise<Account>;
  findById(id: string): Promise<Account | undefined>;
  /** Every account a user owns, oldest first. Users hold a handful, so callers sort and page in memory. */
  listByOwner(ownerId: string): Promise<Account[]>;
  /** Any accounts, for operators, oldest first within each kind (technical before user). */
  list(filter: AccountFilter, page: PageRequest): Promise<Page<Account>>;
}
