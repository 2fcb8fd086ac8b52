import type { Page, PageRequest } from '../page';
import type { AccountKind, AccountRecord, AccountStatus, Holdings, Purpose, TechnicalPurpose } from './model';

export interface AccountFilter {
  kind?: AccountKind | undefined;
  purpose?: Purpose | undefined;
  currency?: string | undefined;
  ownerId?: string | undefined;
  status?: AccountStatus | undefined;
}

export interface AccountStore {
  insert(account: AccountRecord): Promise<void>;
  /** Creates the account unless one with its id exists; answers the stored one either way. */
  ensure(account: AccountRecord): Promise<AccountRecord>;
  findById(id: string): Promise<AccountRecord | undefined>;
  /** Every account a user owns, oldest first. Users hold a handful, so callers sort and page in memory. */
  listByOwner(ownerId: string): Promise<AccountRecord[]>;
  /** Any accounts, for operators, oldest first within each kind (technical before user). */
  list(filter: AccountFilter, page: PageRequest): Promise<Page<AccountRecord>>;
  /** Every technical account: the purposes and currencies the gateway has booked money in. */
  technical(): Promise<{ id: string; purpose: TechnicalPurpose; currency: string }[]>;
}

/** What accounts hold, read from the heads of their chains of operations. */
export interface BalanceReader {
  holdingsOf(accounts: readonly AccountRecord[]): Promise<Map<string, Holdings>>;
}
