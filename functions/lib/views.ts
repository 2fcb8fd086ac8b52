import type { Account } from '../../shared/accounts/model';
import type { Page } from '../../shared/page';

/** The public shape of an account: exactly the contract's fields, in its order. */
export const accountView = (account: Account) => ({
  id: account.id,
  kind: account.kind,
  purpose: account.purpose,
  ownerId: account.ownerId,
  currency: account.currency,
  balance: account.balance,
  status: account.status,
  name: account.name,
  createdAt: account.createdAt,
  updatedAt: account.updatedAt,
});

export const pageView = <T, V>({ data, nextCursor }: Page<T>, view: (item: T) => V) => ({
  data: data.map(view),
  nextCursor,
});
