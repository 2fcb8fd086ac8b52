import { readableAccountRecord } from '../../shared/accounts/service';
import { chainsOf } from '../../shared/ledger/chains';
import { getBalanceAt } from '../contracts/accounts';
import { httpHandler } from '../lib/http';
import { accountDeps, paymentDeps } from '../lib/runtime';

export const handler = httpHandler(getBalanceAt, async ({ caller, params, query }) => {
  const account = await readableAccountRecord(accountDeps, caller, params.id);
  const at = query.at === undefined ? new Date().toISOString() : new Date(query.at).toISOString();
  const balance = await paymentDeps.ledger.balanceAt(chainsOf(account), at);
  return { accountId: account.id, currency: account.currency, balance, at };
});
