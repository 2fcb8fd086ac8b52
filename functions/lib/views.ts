import type { Account } from '../../shared/accounts/model';
import type { Operation } from '../../shared/ledger/ports';
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

/** The public shape of an operation: a sharded account's operations carry the account's id, not the shard's. */
export const operationView = (operation: Operation) => ({
  id: operation.id,
  accountId: operation.accountId,
  paymentId: operation.paymentId,
  type: operation.type,
  amount: operation.amount,
  currency: operation.currency,
  balanceAfter: operation.balanceAfter,
  counterpartyAccountId: operation.counterpartyAccountId,
  createdAt: operation.createdAt,
});
