import { readableAccountRecord } from '../../shared/accounts/service';
import { chainsOf } from '../../shared/ledger/chains';
import { accountIdParams } from '../../shared/schemas/accounts';
import { balanceQuery } from '../../shared/schemas/payments';
import { httpHandler, ok } from '../lib/http';
import { accountDeps, paymentDeps } from '../lib/runtime';

export const handler = httpHandler(
  { access: 'user', params: accountIdParams, query: balanceQuery },
  async ({ caller, params, query }) => {
    const account = await readableAccountRecord(accountDeps, caller, params.id);
    const at = query.at === undefined ? new Date().toISOString() : new Date(query.at).toISOString();
    const balance = await paymentDeps.ledger.balanceAt(chainsOf(account), at);
    return ok({ accountId: account.id, currency: account.currency, balance, at });
  },
);
